"""DELETE fan-out (issue 17 §6), checked against the devstack.

The dashboard's feeds bind `*` with a tenant filter and an unfiltered DELETE (a DELETE binding
cannot be filtered, so every subscriber gets every salon's deleted keys). A report of 5,000
deletes arriving as 10,000 events: under the default replica identity each delete reaches the
DELETE binding once, keys only. Under REPLICA IDENTITY FULL the old row holds `tenant_id`, and
Realtime's own `apply_rls` matches the filtered `*` binding against it too (supabase/realtime,
priv/repo/tenant_schema/realtime/functions/apply_rls.sql: `action = 'DELETE' and
is_visible_through_filters(old_columns, ...)`): one frame naming both bindings, two callbacks.
The devstack does as Realtime does; the feed handles a DELETE from its DELETE binding only.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
from supabase import AsyncClient

from devstack.stack import DevStack
from tests.devstack.realtime_helpers import Bind, new_client, row_of, subscribe

ROWS = 300


@pytest.fixture
async def client(devstack: DevStack) -> AsyncIterator[AsyncClient]:
    client = await new_client(devstack.info)
    try:
        yield client
    finally:
        await client.remove_all_channels()


@pytest.mark.parametrize("identity", ["default", "full"])
async def test_each_delete_reaches_a_feed_channel_once_and_another_salons_as_keys(
    client: AsyncClient, db: asyncpg.Connection, identity: str
) -> None:
    mine, theirs = uuid.uuid4(), uuid.uuid4()
    table = "wishlist_v2"
    if identity == "full":
        await db.execute(f"alter table public.{table} replica identity full")
    try:
        sub = await subscribe(
            client,
            Bind("tenant", "*", table, filter=f"tenant_id=eq.{mine}"),
            Bind("deletes", "DELETE", table),
        )
        ids = {}
        for tenant in (mine, theirs):
            rows = await db.fetch(
                f"insert into public.{table} (tenant_id, client_id)"
                " select $1, 'c' || g from generate_series(1, $2) g returning id",
                tenant,
                ROWS,
            )
            ids[tenant] = {row["id"] for row in rows}
        await db.execute(
            f"delete from public.{table} where tenant_id = any($1::uuid[])", [mine, theirs]
        )
        sentinel = await db.fetchval(
            f"insert into public.{table} (tenant_id, client_id) values ($1, 'end') returning id",
            mine,
        )
        deletes: list[tuple[str, dict[str, object]]] = []
        while True:
            label, payload = await sub.next()
            data = payload["data"]
            if data["type"] == "INSERT" and data["record"]["id"] == sentinel:
                break
            if data["type"] == "DELETE":
                deletes.append((label, row_of((label, payload))))
    finally:
        if identity == "full":
            await db.execute(f"alter table public.{table} replica identity default")
    through_deletes = [row["id"] for label, row in deletes if label == "deletes"]
    through_filter = [row["id"] for label, row in deletes if label == "tenant"]
    # Every deleted row once through the DELETE binding, whichever salon it belonged to.
    assert len(through_deletes) == len(set(through_deletes)) == 2 * ROWS
    assert set(through_deletes) == ids[mine] | ids[theirs]
    if identity == "default":
        # Keys only, and the filtered binding never sees a delete: no doubling.
        assert through_filter == []
        assert all(set(row) == {"id"} for _, row in deletes)
    else:
        # Realtime's rule: the full old row passes the tenant filter for this salon's rows.
        assert sorted(through_filter) == sorted(ids[mine])
