"""The startup check turns each real failure mode into one sentence."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import asyncpg
import pytest
from aiohttp import web
from pydantic import SecretStr

from devstack.keys import Keys
from devstack.migrations import DEVSTACK_SQL, apply_migrations
from devstack.postgres import free_port
from devstack.rest.service import RestService
from devstack.stack import DevStack
from services.backend import Backend
from services.errors import BackendMisconfigured, BackendUnavailable, SessionClosed

ServeRest = Callable[..., Awaitable[str]]


@pytest.fixture
async def serve_rest(devstack: DevStack) -> AsyncIterator[ServeRest]:
    """A second REST front on the same Postgres, with its own database and exposed schemas."""
    cleanups: list[Callable[[], Awaitable[None]]] = []

    async def serve(
        *, database: str = "postgres", schemas: tuple[str, ...] = ("public", "dashboard")
    ) -> str:
        rest = RestService(
            dsn=devstack.pg.dsn("authenticator", database), keys=devstack.keys, schemas=schemas
        )
        await rest.start()
        app = web.Application()
        rest.add_routes(app)
        runner = web.AppRunner(app)
        await runner.setup()
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        cleanups.append(runner.cleanup)
        cleanups.append(rest.stop)
        return f"http://127.0.0.1:{port}"

    yield serve
    for cleanup in reversed(cleanups):
        await cleanup()


@pytest.fixture
async def bare_database(devstack: DevStack) -> AsyncIterator[tuple[str, asyncpg.Connection]]:
    name = f"check_{uuid.uuid4().hex[:10]}"
    admin = await devstack.connect()
    await admin.execute(f'create database "{name}"')
    conn = await asyncpg.connect(devstack.pg.dsn(database=name))
    try:
        for path in sorted(DEVSTACK_SQL.glob("*.sql")):
            await conn.execute(path.read_text())
        yield name, conn
    finally:
        await conn.close()
        await admin.execute(f'drop database "{name}" with (force)')
        await admin.close()


async def check(url: str, key: str) -> None:
    backend = await Backend.open(url, SecretStr(key))
    try:
        await backend.check()
    finally:
        await backend.close()


async def test_a_complete_project_passes(devstack: DevStack) -> None:
    await check(devstack.info.supabase_url, devstack.info.service_key)


async def test_unreachable_url() -> None:
    with pytest.raises(BackendUnavailable, match=r"cannot reach the backend at 127\.0\.0\.1:9"):
        await check("http://127.0.0.1:9", "whatever")


async def test_rejected_key(devstack: DevStack) -> None:
    foreign = Keys.for_secret("another project's secret, at least 32 bytes long").service
    with pytest.raises(BackendMisconfigured, match="key was rejected"):
        await check(devstack.info.supabase_url, foreign)
    with pytest.raises(BackendMisconfigured, match="key was rejected"):
        await check(devstack.info.supabase_url, "not-a-jwt")


async def test_dashboard_schema_not_exposed(devstack: DevStack, serve_rest: ServeRest) -> None:
    url = await serve_rest(schemas=("public",))
    with pytest.raises(BackendMisconfigured) as caught:
        await check(url, devstack.info.service_key)
    assert "Exposed schemas" in str(caught.value)


async def test_migrations_not_applied(
    devstack: DevStack, serve_rest: ServeRest, bare_database: tuple[str, asyncpg.Connection]
) -> None:
    name, _ = bare_database
    url = await serve_rest(database=name)
    with pytest.raises(BackendMisconfigured) as caught:
        await check(url, devstack.info.service_key)
    assert "dashboard.tenants" in str(caught.value) or "Exposed schemas" in str(caught.value)


async def test_a_missing_column_is_named(
    devstack: DevStack, serve_rest: ServeRest, bare_database: tuple[str, asyncpg.Connection]
) -> None:
    name, conn = bare_database
    await apply_migrations(conn)
    await conn.execute("alter table dashboard.bot_commands drop column idempotency_key")
    url = await serve_rest(database=name)
    with pytest.raises(BackendMisconfigured) as caught:
        await check(url, devstack.info.service_key)
    assert "dashboard.bot_commands lacks the column idempotency_key" in str(caught.value)
    assert "supabase/migrations" in str(caught.value)


async def test_a_missing_bot_table_is_named(
    devstack: DevStack, serve_rest: ServeRest, bare_database: tuple[str, asyncpg.Connection]
) -> None:
    name, conn = bare_database
    await apply_migrations(conn)
    await conn.execute("drop table public.wishlist_v2")
    url = await serve_rest(database=name)
    with pytest.raises(
        BackendMisconfigured, match=r"bot's table public\.wishlist_v2 does not exist"
    ):
        await check(url, devstack.info.service_key)


async def test_a_request_after_the_connection_closed_is_a_closed_session(
    devstack: DevStack,
) -> None:
    # A worker still running as the user logs out or the app exits: the session is over, a
    # ServiceError its callers already handle (the chaos run caught httpx's bare RuntimeError).
    backend = await Backend.open(devstack.info.supabase_url, SecretStr(devstack.info.service_key))
    query = backend.table("dashboard", "tenants").select("id").limit(1)
    await backend.close()
    with pytest.raises(SessionClosed):
        await backend.run(query, context="dashboard.tenants")
