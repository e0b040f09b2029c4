"""Who may watch what: publication membership, privileges, RLS, and join errors (real client)."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
from realtime import RealtimeSubscribeStates
from supabase import AsyncClient

from devstack.keys import make_key
from devstack.stack import DevStack
from tests.devstack.realtime_helpers import Bind, make_table, new_client, row_of, subscribe


@pytest.fixture
async def client(devstack: DevStack) -> AsyncIterator[AsyncClient]:
    client = await new_client(devstack.info)
    try:
        yield client
    finally:
        await client.remove_all_channels()


@pytest.fixture
async def anon(devstack: DevStack) -> AsyncIterator[AsyncClient]:
    client = await new_client(devstack.info, devstack.info.anon_key)
    try:
        yield client
    finally:
        await client.remove_all_channels()


async def join_error(client: AsyncClient, *binds: Bind) -> str:
    sub = await subscribe(client, *binds)
    assert sub.first_state == RealtimeSubscribeStates.CHANNEL_ERROR
    _state, error = sub.states.get_nowait()
    reason: str = json.loads(str(error))["reason"]
    await client.remove_channel(sub.channel)  # stops the client's rejoin backoff
    return reason


async def test_anon_cannot_watch_dashboard(anon: AsyncClient) -> None:
    reason = await join_error(anon, Bind("c", "*", "bot_commands", schema="dashboard"))
    assert "Unauthorized" in reason and "anon" in reason
    reason = await join_error(anon, Bind("any", "*", None, schema="dashboard"))
    assert "Unauthorized" in reason


@pytest.mark.parametrize(
    ("bind", "words"),
    [
        (Bind("x", "*", "no_such_table"), "does not exist"),
        (Bind("x", "INSERT", "wishlist_v2", filter="id=zz.1"), "unknown operator"),
        (Bind("x", "INSERT", "wishlist_v2", filter="nope=eq.1"), "column nope does not exist"),
        (Bind("x", "INSERT", "wishlist_v2", filter="id=eq.abc"), "invalid input syntax"),
        (Bind("x", "INSERT", "wishlist_v2", filter="id=in.1,2"), "in expects a list"),
        (
            Bind(
                "x",
                "INSERT",
                "wishlist_v2",
                filter="id=in.(" + ",".join(str(i) for i in range(101)) + ")",
            ),
            "at most 100",
        ),
        (Bind("x", "DELETE", "wishlist_v2", filter="id=eq.1"), "DELETE events cannot be filtered"),
        (Bind("x", "INSERT", "wishlist_v2", filter="id"), "expected column=operator.value"),
        (Bind("x", "*", None, schema="no_such_schema"), "schema no_such_schema does not exist"),
    ],
)
async def test_bad_binding_is_a_join_error(client: AsyncClient, bind: Bind, words: str) -> None:
    assert words in await join_error(client, bind)


async def test_table_outside_publication_then_published(
    client: AsyncClient, db: asyncpg.Connection
) -> None:
    table = await make_table(db, "id int primary key, v text", publish=False)
    reason = await join_error(client, Bind("x", "*", table))
    assert "supabase_realtime" in reason

    await db.execute(f"alter publication supabase_realtime add table public.{table}")
    sub = await subscribe(client, Bind("x", "*", table))
    await db.execute(f"insert into public.{table} values (1, 'now published')")
    assert row_of(await sub.next()) == {"id": 1, "v": "now published"}


async def test_rls_hides_rows_from_anon_but_not_deletes(
    anon: AsyncClient, client: AsyncClient, db: asyncpg.Connection
) -> None:
    # wishlist_v2 has RLS on and no policy for anon: inserts are invisible to anon; DELETE is
    # not RLS-checked by Realtime and carries only the primary key.
    tenant = uuid.uuid4()
    anon_sub = await subscribe(anon, Bind("all", "*", "wishlist_v2"))
    service_sub = await subscribe(
        client, Bind("mine", "*", "wishlist_v2", filter=f"tenant_id=eq.{tenant}")
    )
    row_id = await db.fetchval(
        "insert into public.wishlist_v2 (tenant_id, client_id) values ($1, 'c') returning id",
        tenant,
    )
    assert row_of(await service_sub.next())["id"] == row_id  # the service role bypasses RLS
    await db.execute("delete from public.wishlist_v2 where id = $1", row_id)
    _label, payload = await anon_sub.next(lambda e: row_of(e).get("id") == row_id)
    assert payload["data"]["type"] == "DELETE"  # the INSERT before it never reached anon
    assert payload["data"]["old_record"] == {"id": row_id}


async def test_rls_policy_decides_per_row(
    devstack: DevStack, anon: AsyncClient, db: asyncpg.Connection
) -> None:
    table = await make_table(db, "id int primary key, owner text, public boolean, note text")
    await db.execute(f"alter table public.{table} enable row level security")
    await db.execute(f"alter table public.{table} replica identity full")
    await db.execute(f"create policy visible on public.{table} for select to anon using (public)")
    await db.execute(
        f"create policy mine on public.{table} for select to authenticated"
        " using (owner = auth.jwt() ->> 'sub')"
    )
    await db.execute(f"grant select on public.{table} to anon, authenticated")
    user = await new_client(
        devstack.info, make_key(devstack.keys.secret, "authenticated", sub="user-1")
    )
    try:
        anon_sub = await subscribe(anon, Bind("a", "*", table))
        user_sub = await subscribe(user, Bind("u", "*", table))
        await db.execute(f"insert into public.{table} values (1, 'user-2', false, 'hidden')")
        await db.execute(f"insert into public.{table} values (2, 'user-1', true, 'open')")
        await db.execute(f"update public.{table} set note = 'edited' where id = 2")
        assert row_of(await anon_sub.next())["id"] == 2  # row 1 was skipped
        _label, update = await anon_sub.next()
        # RLS on: the old row carries only the primary key even under REPLICA IDENTITY FULL.
        assert update["data"]["old_record"] == {"id": 2}
        assert row_of(await user_sub.next())["id"] == 2  # by its claims: owner = sub
    finally:
        await user.remove_all_channels()


async def test_access_token_downgrade_closes_the_channel(devstack: DevStack) -> None:
    client = await new_client(devstack.info)
    try:
        sub = await subscribe(client, Bind("c", "*", "bot_commands", schema="dashboard"))
        await client.realtime.set_auth(devstack.info.anon_key)
        await sub.state(RealtimeSubscribeStates.CLOSED)
    finally:
        await client.remove_all_channels()
