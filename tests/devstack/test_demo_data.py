"""The demo seed: two salons, staff who can log in, live-looking conversations and wishlists;
idempotent, and the same words for the same seed.

Each test seeds a database of its own inside one bare Postgres for this module, so seeding
the same salons twice never collides and the shared devstack stays untouched.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from typing import Any

import asyncpg
import bcrypt
import pytest

from devstack.demo_corpus import NASTY_CLIENT_NAME, NASTY_TEXTS
from devstack.demo_data import seed_demo
from devstack.demo_tenants import DEMO_CREDENTIALS, DEMO_TENANTS, INACTIVE_USER_EMAILS
from devstack.migrations import apply_migrations, apply_platform
from devstack.postgres import EmbeddedPostgres

DEMO_NAMES = [t.name for t in DEMO_TENANTS]
_counter = itertools.count()

Connect = Callable[[], Awaitable[asyncpg.Connection]]


@pytest.fixture(scope="module")
async def pg(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[EmbeddedPostgres]:
    server = EmbeddedPostgres(tmp_path_factory.mktemp("demo-data") / "pg")
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def fresh_db(pg: EmbeddedPostgres) -> AsyncIterator[Connect]:
    """Makes empty migrated databases; returns a connect() for a new one on each call."""
    opened: list[asyncpg.Connection] = []

    async def connect() -> asyncpg.Connection:
        name = f"demo_{next(_counter)}"
        admin = await asyncpg.connect(pg.dsn())
        try:
            await admin.execute(f'create database "{name}"')
        finally:
            await admin.close()
        conn = await asyncpg.connect(pg.dsn(database=name))
        opened.append(conn)
        await apply_platform(conn)
        await apply_migrations(conn)
        return conn

    yield connect
    for conn in opened:
        await conn.close()


async def sessions(conn: asyncpg.Connection) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        "select t.name as tenant, s.* from public.conversation_sessions_v2 s "
        "join dashboard.tenants t on t.id = s.tenant_id"
    )
    return [{**dict(r), "messages": json.loads(r["messages"])} for r in rows]


def content(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """A conversation without ids and times: what the seed decides."""
    return sorted(
        (
            r["tenant"],
            r["client_id"],
            r["client_name"],
            r["client_phone"],
            r["channel"],
            r["status"],
            r["bot_paused"],
            tuple((m["id"], m["role"], m["text"], m.get("author")) for m in r["messages"]),
        )
        for r in rows
    )


async def wishlist_content(conn: asyncpg.Connection) -> list[tuple[Any, ...]]:
    rows = await conn.fetch(
        "select t.name, w.client_id, w.client_name, w.client_phone, w.service_title, "
        "w.staff_name, w.desired_time_from, w.desired_time_to, w.comment "
        "from public.wishlist_v2 w join dashboard.tenants t on t.id = w.tenant_id"
    )
    return sorted(tuple(r) for r in rows)


async def test_the_demo_salons_look_alive(fresh_db: Connect) -> None:
    conn = await fresh_db()
    await seed_demo(conn, seed=7)
    tenants = {
        r["name"]: r for r in await conn.fetch("select * from dashboard.tenants order by name")
    }
    assert sorted(tenants) == sorted(DEMO_NAMES)
    for demo in DEMO_TENANTS:
        row = tenants[demo.name]
        assert (row["timezone"], row["yclients_company_id"], row["yclients_user_token"]) == (
            demo.timezone,
            demo.company_id,
            demo.user_token,
        )

    rows = await sessions(conn)
    now = await conn.fetchval("select now()")
    for name in DEMO_NAMES:
        mine = [r for r in rows if r["tenant"] == name]
        assert 200 <= len(mine) <= 500
        assert {r["channel"] for r in mine} == {"telegram", "whatsapp", "instagram", "vk"}
        assert {r["status"] for r in mine} == {"active", "waiting_human", "paused", "closed"}
        assert len({r["client_id"] for r in mine}) < len(mine)  # returning clients
    for r in rows:
        assert r["client_phone"] is None or re.fullmatch(r"\+79\d{9}", r["client_phone"])
        assert re.fullmatch(r"(tg|wa|ig|vk):\d+", r["client_id"])
        assert r["messages"] and r["messages"][0]["role"] == "client"
        times = [datetime.fromisoformat(m["at"]) for m in r["messages"]]
        assert times == sorted(times) and times[-1] <= now
        assert r["started_at"] <= times[0] and r["last_message_at"] == times[-1]
        for m in r["messages"]:
            assert m.keys() == (
                {"id", "role", "text", "at", "author"}
                if m["role"] == "staff"
                else {"id", "role", "text", "at"}
            )
        if r["status"] == "waiting_human":
            assert r["bot_paused"]
    texts = [m["text"] for r in rows for m in r["messages"]]
    assert any(re.search("[а-яё]", t) for t in texts)
    assert any(r["messages"][-1]["role"] == "staff" for r in rows)
    # Text a terminal could misread, which the app must print literally.
    assert NASTY_CLIENT_NAME in {r["client_name"] for r in rows}
    assert all(t in texts for t in NASTY_TEXTS)
    assert any("\x1b[31m" in t for t in texts) and "[bold]" in NASTY_CLIENT_NAME

    wishes = await conn.fetch(
        "select t.name, w.* from public.wishlist_v2 w join dashboard.tenants t "
        "on t.id = w.tenant_id"
    )
    for name in DEMO_NAMES:
        mine = [w for w in wishes if w["name"] == name]
        assert 24 <= len(mine) <= 100
        assert {w["status"] for w in mine} == {"waiting", "offered", "booked", "cancelled"}
        assert all(w["service_title"] and w["created_at"] <= now for w in mine)
        # The bot's optional columns: filled for most rows, left empty for some.
        for column in ("desired_date", "desired_time_from", "desired_time_to", "staff_name"):
            filled = [w[column] is not None for w in mine]
            assert any(filled) and not all(filled), column
        assert any(w["desired_time_from"] and w["desired_time_to"] is None for w in mine)
    assert NASTY_CLIENT_NAME in {w["client_name"] for w in wishes}


async def test_seeding_twice_changes_nothing(fresh_db: Connect) -> None:
    conn = await fresh_db()
    await seed_demo(conn, seed=7)
    query = (
        "select (select count(*) from dashboard.tenants), (select count(*) from dashboard.users), "
        "(select count(*) from public.conversation_sessions_v2), "
        "(select count(*) from public.wishlist_v2), "
        "(select array_agg(id order by id) from dashboard.users)"
    )
    before = await conn.fetchrow(query)
    await seed_demo(conn, seed=7)
    await seed_demo(conn, seed=8)
    assert await conn.fetchrow(query) == before


async def test_concurrent_seeders_seed_once(fresh_db: Connect, pg: EmbeddedPostgres) -> None:
    first = await fresh_db()
    database = await first.fetchval("select current_database()")
    second = await asyncpg.connect(pg.dsn(database=database))
    try:
        await asyncio.gather(seed_demo(first, seed=1), seed_demo(second, seed=1))
    finally:
        await second.close()
    assert await first.fetchval("select count(*) from dashboard.tenants") == 2
    assert await first.fetchval("select count(*) from dashboard.users") == 8


async def test_an_existing_salon_is_left_alone(fresh_db: Connect) -> None:
    conn = await fresh_db()
    lotos = DEMO_TENANTS[0]
    existing: uuid.UUID = await conn.fetchval(
        "insert into dashboard.tenants (name) values ($1) returning id", lotos.name
    )
    await seed_demo(conn, seed=7)
    assert (
        await conn.fetchval(
            "select count(*) from public.conversation_sessions_v2 where tenant_id = $1", existing
        )
        == 0
    )
    assert await conn.fetchval("select count(*) from dashboard.tenants") == 2
    assert (
        await conn.fetchval(
            "select count(*) from public.conversation_sessions_v2 s join dashboard.tenants t "
            "on t.id = s.tenant_id where t.name = $1",
            DEMO_TENANTS[1].name,
        )
        > 0
    )


async def test_the_same_seed_gives_the_same_words(fresh_db: Connect) -> None:
    a, b, c = await fresh_db(), await fresh_db(), await fresh_db()
    await seed_demo(a, seed=11)
    await seed_demo(b, seed=11)
    await seed_demo(c, seed=12)
    assert content(await sessions(a)) == content(await sessions(b))
    assert await wishlist_content(a) == await wishlist_content(b)
    assert content(await sessions(a)) != content(await sessions(c))


async def test_demo_credentials_log_in(fresh_db: Connect) -> None:
    conn = await fresh_db()
    await seed_demo(conn, seed=7)
    users = {
        r["email"]: r
        for r in await conn.fetch(
            "select u.*, t.name as tenant from dashboard.users u "
            "join dashboard.tenants t on t.id = u.tenant_id"
        )
    }
    assert len(DEMO_CREDENTIALS) == 6
    assert {(c.tenant, c.role) for c in DEMO_CREDENTIALS} == {
        (t, r) for t in DEMO_NAMES for r in ("viewer", "operator", "admin")
    }

    async def verify(password: str, hashed: str) -> bool:
        return await asyncio.to_thread(bcrypt.checkpw, password.encode(), hashed.encode())

    checks = []
    for cred in DEMO_CREDENTIALS:
        user = users[cred.email]
        assert (user["role"], user["tenant"], user["active"]) == (cred.role, cred.tenant, True)
        assert user["encrypted_password"].startswith("$2b$12$") and user["name"]
        checks.append(verify(cred.password, user["encrypted_password"]))
    checks.append(verify("wrong password", users[DEMO_CREDENTIALS[0].email]["encrypted_password"]))
    assert await asyncio.gather(*checks) == [True] * len(DEMO_CREDENTIALS) + [False]
    for email in INACTIVE_USER_EMAILS.values():
        assert users[email]["active"] is False
