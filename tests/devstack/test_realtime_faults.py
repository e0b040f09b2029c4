"""Faults: dropped sockets, refused upgrades, a realtime restart and a Postgres restart.

The real client must recover by itself (§C9): it reconnects, rejoins, and later changes arrive.
The Postgres restart test comes last in this module because it breaks every open connection.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
from realtime import RealtimeSubscribeStates
from supabase import AsyncClient
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from devstack.stack import DevStack
from tests.devstack.realtime_helpers import Bind, Sub, new_client, row_of, socket_url, subscribe

INSERT = "insert into public.wishlist_v2 (tenant_id, client_id) values ($1, $2) returning id"


@pytest.fixture
async def client(devstack: DevStack) -> AsyncIterator[AsyncClient]:
    client = await new_client(devstack.info)
    try:
        yield client
    finally:
        await client.remove_all_channels()


async def watch(client: AsyncClient, tenant: uuid.UUID) -> Sub:
    return await subscribe(
        client, Bind("mine", "INSERT", "wishlist_v2", filter=f"tenant_id=eq.{tenant}")
    )


async def assert_delivers(sub: Sub, db: asyncpg.Connection, tenant: uuid.UUID, tag: str) -> None:
    row_id = await db.fetchval(INSERT, tenant, tag)
    assert row_of(await sub.next())["id"] == row_id


async def test_drop_all_then_changes_arrive(
    devstack: DevStack, client: AsyncClient, db: asyncpg.Connection
) -> None:
    tenant = uuid.uuid4()
    sub = await watch(client, tenant)
    await devstack.realtime.drop_all()
    await sub.state(RealtimeSubscribeStates.CHANNEL_ERROR)
    await sub.state(RealtimeSubscribeStates.SUBSCRIBED)
    await assert_delivers(sub, db, tenant, "after drop")


async def test_refused_upgrades_then_recovery(
    devstack: DevStack, client: AsyncClient, db: asyncpg.Connection
) -> None:
    tenant = uuid.uuid4()
    sub = await watch(client, tenant)
    devstack.realtime.refuse_new(1.5)
    with pytest.raises(InvalidStatus) as caught:
        await connect(socket_url(devstack.info))
    assert caught.value.response.status_code == 503
    await devstack.realtime.drop_all()
    await sub.state(RealtimeSubscribeStates.SUBSCRIBED, timeout=12)  # retries at 0, 1, 3 s
    await assert_delivers(sub, db, tenant, "after refusal")


async def test_realtime_restart_then_recovery(
    devstack: DevStack, client: AsyncClient, db: asyncpg.Connection
) -> None:
    tenant = uuid.uuid4()
    sub = await watch(client, tenant)
    await devstack.realtime.restart()
    await sub.state(RealtimeSubscribeStates.SUBSCRIBED, timeout=12)
    await assert_delivers(sub, db, tenant, "after restart")


async def test_postgres_restart_loses_and_duplicates_nothing(
    devstack: DevStack, client: AsyncClient
) -> None:
    tenant = uuid.uuid4()
    sub = await watch(client, tenant)
    conn = await devstack.connect()
    before = [await conn.fetchval(INSERT, tenant, f"b{i}") for i in range(5)]
    await conn.close()
    await devstack.restart_postgres()
    conn = await devstack.connect()
    try:
        # Committed at once, while the capture reader is probably still reconnecting.
        after = [await conn.fetchval(INSERT, tenant, f"a{i}") for i in range(20)]
        got = [row_of(await sub.next())["id"] for _ in range(len(before) + len(after))]
        assert got == before + after
        sentinel = await conn.fetchval(INSERT, tenant, "sentinel")
        assert row_of(await sub.next())["id"] == sentinel  # and nothing was delivered twice
    finally:
        await conn.close()
