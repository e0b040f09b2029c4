"""Helpers for the bot simulator's tests: a bare Postgres of their own, rows to arrange, and
waiting on conditions.

The bot tests restart Postgres, add a test-only trigger and create databases, none of which
the shared devstack of the other tests should see, so they run on a server of their own
(platform SQL + migrations, no REST or Realtime).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg

from devstack.bot_simulator import BotSimulator
from devstack.migrations import apply_migrations, apply_platform
from devstack.postgres import EmbeddedPostgres


@contextlib.asynccontextmanager
async def bare_postgres(folder: Path) -> AsyncIterator[EmbeddedPostgres]:
    server = EmbeddedPostgres(folder / "pg")
    await server.start()
    try:
        await migrate(server.dsn())
        yield server
    finally:
        await server.stop()


async def migrate(dsn: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await apply_platform(conn)
        await apply_migrations(conn)
    finally:
        await conn.close()


async def connect(dsn: str) -> asyncpg.Connection:
    """A superuser connection that reads and writes jsonb as Python values."""
    conn = await asyncpg.connect(dsn)
    await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
    return conn


async def new_tenant(conn: asyncpg.Connection) -> uuid.UUID:
    value: uuid.UUID = await conn.fetchval(
        "insert into dashboard.tenants (name) values ($1) returning id", f"test-{uuid.uuid4()}"
    )
    return value


def simulator(pg: EmbeddedPostgres, *tenants: uuid.UUID, **options: Any) -> BotSimulator:
    """A simulator that works only these tenants' commands, so tests do not see each other's."""
    return BotSimulator(
        dsn=pg.dsn(), rate=options.pop("rate", 0), seed=1, tenants=list(tenants), **options
    )


async def add_session(
    conn: asyncpg.Connection,
    tenant: uuid.UUID,
    client_id: str = "tg:100",
    *,
    status: str = "active",
    paused: bool = False,
    age_minutes: int = 10,
) -> uuid.UUID:
    value: uuid.UUID = await conn.fetchval(
        "insert into public.conversation_sessions_v2 (tenant_id, client_id, client_name, "
        "status, bot_paused, messages, started_at, last_message_at) values ($1, $2, 'Анна', $3, "
        "$4, $5::jsonb, now() - make_interval(mins => $6), now() - make_interval(mins => $6)) "
        "returning id",
        tenant,
        client_id,
        status,
        paused,
        [{"id": "m1", "role": "client", "text": "Здравствуйте", "at": "2026-01-01T10:00:00Z"}],
        age_minutes,
    )
    return value


async def queue(
    conn: asyncpg.Connection, tenant: uuid.UUID, command_type: str, payload: dict[str, Any]
) -> int:
    value: int = await conn.fetchval(
        "insert into dashboard.bot_commands (tenant_id, command_type, payload, idempotency_key) "
        "values ($1, $2, $3::jsonb, $4) returning id",
        tenant,
        command_type,
        payload,
        str(uuid.uuid4()),
    )
    return value


async def command(conn: asyncpg.Connection, command_id: int) -> asyncpg.Record:
    row: asyncpg.Record = await conn.fetchrow(
        "select * from dashboard.bot_commands where id = $1", command_id
    )
    return row


async def session(conn: asyncpg.Connection, session_id: uuid.UUID) -> asyncpg.Record:
    row: asyncpg.Record = await conn.fetchrow(
        "select * from public.conversation_sessions_v2 where id = $1", session_id
    )
    return row


async def snapshot(conn: asyncpg.Connection) -> list[tuple[Any, ...]]:
    """Every conversation's changeable state, to prove a step changed nothing."""
    rows = await conn.fetch(
        "select id, tenant_id, status, bot_paused, messages::text, last_message_at, updated_at "
        "from public.conversation_sessions_v2 order by id"
    )
    return [tuple(row) for row in rows]


async def wait_until(check: Callable[[], Awaitable[bool]], limit: float = 30.0) -> None:
    """Waits for a condition the code under test will make true, failing after `limit` s.
    The condition lives in the database, so it is polled; no step relies on a fixed delay."""
    async with asyncio.timeout(limit):
        while not await check():  # noqa: ASYNC110 - nothing to await but the database
            await asyncio.sleep(0.02)
