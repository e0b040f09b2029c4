"""The simulated bot's traffic: only the demo salons are written to, at the given rate, and
nothing at rate 0 or without demo salons."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from devstack.bot_simulator import BotSimulator
from devstack.demo_data import seed_demo
from devstack.demo_tenants import DEMO_TENANTS
from devstack.postgres import EmbeddedPostgres
from tests.devstack.bot_helpers import (
    add_session,
    bare_postgres,
    connect,
    migrate,
    new_tenant,
    queue,
    snapshot,
    wait_until,
)


@pytest.fixture(scope="module")
async def pg(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[EmbeddedPostgres]:
    async with bare_postgres(tmp_path_factory.mktemp("bot-traffic")) as server:
        yield server


@pytest.fixture(scope="module")
async def demo_dsn(pg: EmbeddedPostgres) -> str:
    """A database of its own with the demo salons seeded."""
    admin = await asyncpg.connect(pg.dsn())
    try:
        await admin.execute("create database traffic")
    finally:
        await admin.close()
    dsn = pg.dsn(database="traffic")
    await migrate(dsn)
    conn = await asyncpg.connect(dsn)
    try:
        await seed_demo(conn, seed=5)
    finally:
        await conn.close()
    return dsn


async def test_traffic_only_touches_the_demo_salons(demo_dsn: str) -> None:
    conn = await connect(demo_dsn)
    try:
        outsider = await new_tenant(conn)
        for n in range(40):  # enough open conversations to be picked if tenants were mixed up
            await add_session(conn, outsider, f"tg:{n}", age_minutes=0)
        await conn.execute(
            "insert into public.wishlist_v2 (tenant_id, client_id, status) "
            "select $1, 'tg:' || n, 'waiting' from generate_series(1, 40) n",
            outsider,
        )
        demo_ids = set(
            await conn.fetchval(
                "select array_agg(id) from dashboard.tenants where name = any($1::text[])",
                [t.name for t in DEMO_TENANTS],
            )
        )
        outsider_before = await snapshot(conn)
        counts_before = await conn.fetchval("select count(*) from public.conversation_sessions_v2")
        started = await conn.fetchval("select now()")

        sim = BotSimulator(dsn=demo_dsn, rate=0, seed=3)
        try:
            assert await sim.generate_once(400) == 400
        finally:
            await sim.stop()

        for table in ("conversation_sessions_v2", "wishlist_v2"):
            touched = await conn.fetch(
                f"select tenant_id, count(*) from public.{table} where updated_at >= $1 group by 1",
                started,
            )
            assert touched and {r["tenant_id"] for r in touched} <= demo_ids, table
        assert (
            await conn.fetchval("select count(*) from public.conversation_sessions_v2")
            > counts_before
        )
        assert [r for r in await snapshot(conn) if r[1] == outsider] == [
            r for r in outsider_before if r[1] == outsider
        ]
        assert (
            await conn.fetchval(
                "select count(*) from public.wishlist_v2 "
                "where tenant_id = $1 and status = 'waiting'",
                outsider,
            )
            == 40
        )
        new_lines = await conn.fetch(
            "select m from public.conversation_sessions_v2, jsonb_array_elements(messages) m "
            "where updated_at >= $1 and (m ->> 'at')::timestamptz >= $1",
            started,
        )
        assert new_lines
        for (line,) in new_lines:
            assert (
                {"id", "role", "text", "at"}
                <= line.keys()
                <= {"id", "role", "text", "at", "author"}
            )
            assert line["role"] in ("client", "bot", "staff") and line["text"]
    finally:
        await conn.close()


async def test_the_loop_generates_at_its_rate_and_not_at_rate_zero(demo_dsn: str) -> None:
    busy = BotSimulator(dsn=demo_dsn, rate=200, seed=4, poll_interval=0.05)
    await busy.start()
    try:

        async def enough() -> bool:
            return busy.stats.events >= 30

        await wait_until(enough)
    finally:
        await busy.stop()

    quiet = BotSimulator(dsn=demo_dsn, rate=0, seed=4, poll_interval=0.05)
    conn = await connect(demo_dsn)
    try:
        tenant = await new_tenant(conn)
        sid = await add_session(conn, tenant)
        cid = await queue(conn, tenant, "pause_bot", {"session_id": str(sid)})
        await quiet.start()

        async def processed() -> bool:
            return bool(
                await conn.fetchval(
                    "select status = 'done' from dashboard.bot_commands where id = $1", cid
                )
            )

        await wait_until(processed)
        assert quiet.stats.events == 0
    finally:
        await quiet.stop()
        await conn.close()


async def test_without_demo_salons_there_is_no_traffic(pg: EmbeddedPostgres) -> None:
    sim = BotSimulator(dsn=pg.dsn(), rate=10, seed=1)
    try:
        assert await sim.generate_once(5) == 0
    finally:
        await sim.stop()
