"""The dashboard migration: constraints, RLS and grants, publication, and re-application."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg
import bcrypt
import pytest

from devstack.migrations import DEVSTACK_SQL, apply_migrations, list_migrations
from devstack.stack import DevStack

DASHBOARD_TABLES = ["tenants", "users", "bot_commands", "audit_log", "login_attempts"]
HASH = bcrypt.hashpw(b"correct horse", bcrypt.gensalt(rounds=4)).decode()


async def add_user(
    db: asyncpg.Connection, tenant_id: uuid.UUID, email: str, role: str = "viewer"
) -> uuid.UUID:
    value: uuid.UUID = await db.fetchval(
        "insert into dashboard.users (tenant_id, email, encrypted_password, role) "
        "values ($1, $2, $3, $4) returning id",
        tenant_id,
        email,
        HASH,
        role,
    )
    return value


async def test_every_dashboard_table_has_rls_and_nothing_for_anon(db: asyncpg.Connection) -> None:
    for table in DASHBOARD_TABLES:
        rls = await db.fetchval(
            "select relrowsecurity from pg_class where oid = $1::regclass", f"dashboard.{table}"
        )
        assert rls, f"RLS must be on for dashboard.{table}"
        for role in ("anon", "authenticated"):
            for privilege in ("SELECT", "INSERT", "UPDATE", "DELETE"):
                allowed = await db.fetchval(
                    "select has_table_privilege($1, $2, $3)", role, f"dashboard.{table}", privilege
                )
                assert not allowed, f"{role} must not {privilege} dashboard.{table}"
        assert await db.fetchval(
            "select has_table_privilege('service_role', $1, 'SELECT, INSERT, UPDATE, DELETE')",
            f"dashboard.{table}",
        )
    assert not await db.fetchval("select has_schema_privilege('anon', 'dashboard', 'USAGE')")


async def test_watched_tables_are_in_the_realtime_publication(db: asyncpg.Connection) -> None:
    published = {
        f"{r['schemaname']}.{r['tablename']}"
        for r in await db.fetch(
            "select schemaname, tablename from pg_publication_tables "
            "where pubname = 'supabase_realtime'"
        )
    }
    assert {
        "dashboard.bot_commands",
        "dashboard.users",
        "public.wishlist_v2",
        "public.conversation_sessions_v2",
    } <= published
    assert "dashboard.login_attempts" not in published


async def test_email_is_unique_whatever_the_case(
    db: asyncpg.Connection, tenant_id: uuid.UUID
) -> None:
    await add_user(db, tenant_id, "anna@lotos.ru")
    with pytest.raises(asyncpg.CheckViolationError):
        await add_user(db, tenant_id, "Anna@Lotos.ru")  # stored lower-case only
    with pytest.raises(asyncpg.UniqueViolationError):
        await add_user(db, tenant_id, "anna@lotos.ru")


async def test_user_rows_refuse_bad_roles_and_non_bcrypt_passwords(
    db: asyncpg.Connection, tenant_id: uuid.UUID
) -> None:
    with pytest.raises(asyncpg.CheckViolationError):
        await add_user(db, tenant_id, "boss@lotos.ru", role="owner")
    with pytest.raises(asyncpg.CheckViolationError):
        await db.execute(
            "insert into dashboard.users (tenant_id, email, encrypted_password) "
            "values ($1, $2, 'plain')",
            tenant_id,
            "plain@lotos.ru",
        )


async def test_tenant_timezone_must_be_iana(db: asyncpg.Connection) -> None:
    with pytest.raises(asyncpg.CheckViolationError):
        await db.execute(
            "insert into dashboard.tenants (name, timezone) values ($1, 'Mars/Olympus')",
            f"t-{uuid.uuid4()}",
        )


async def test_bot_command_lifecycle_constraints(
    db: asyncpg.Connection, tenant_id: uuid.UUID
) -> None:
    insert = (
        "insert into dashboard.bot_commands (tenant_id, command_type, payload, idempotency_key) "
        "values ($1, 'send_message', $2::jsonb, $3) returning id, status, created_at, updated_at"
    )
    row = await db.fetchrow(
        insert, tenant_id, '{"client_id": "c1", "message": "Здравствуйте"}', "k-1"
    )
    assert row["status"] == "pending"

    with pytest.raises(asyncpg.UniqueViolationError):
        await db.fetchrow(insert, tenant_id, "{}", "k-1")  # same intent, same tenant
    other = await db.fetchval(
        "insert into dashboard.tenants (name) values ($1) returning id", f"t-{uuid.uuid4()}"
    )
    assert await db.fetchrow(insert, other, "{}", "k-1")  # the key is per tenant

    with pytest.raises(asyncpg.CheckViolationError):
        await db.execute(
            "update dashboard.bot_commands set status = 'lost' where id = $1", row["id"]
        )
    with pytest.raises(asyncpg.CheckViolationError):
        await db.execute(
            "update dashboard.bot_commands set status = 'failed' where id = $1", row["id"]
        )
    with pytest.raises(asyncpg.CheckViolationError):
        await db.fetchrow(insert, tenant_id, '["not", "an object"]', "k-2")

    done = await db.fetchrow(
        "update dashboard.bot_commands set status = 'done', result = '{}' where id = $1 "
        "returning processed_at, updated_at",
        row["id"],
    )
    assert done["processed_at"] is not None, "processed_at is filled when the bot forgets it"
    assert done["updated_at"] >= row["updated_at"]


@pytest.fixture
async def fresh_database(devstack: DevStack) -> AsyncIterator[asyncpg.Connection]:
    """An empty database with only what a new Supabase project has: no bot tables."""
    name = f"fresh_{uuid.uuid4().hex[:12]}"
    admin = await devstack.connect()
    await admin.execute(f'create database "{name}"')
    conn = await asyncpg.connect(devstack.pg.dsn(database=name))
    try:
        yield conn
    finally:
        await conn.close()
        await admin.execute(f'drop database "{name}" with (force)')
        await admin.close()


async def test_migrations_apply_to_a_project_without_the_bot_tables_and_only_once(
    fresh_database: asyncpg.Connection,
) -> None:
    await fresh_database.execute((DEVSTACK_SQL / "00_supabase_platform.sql").read_text())
    applied = await apply_migrations(fresh_database)
    assert applied == [m.version for m in list_migrations()]
    assert await apply_migrations(fresh_database) == []
    published = await fresh_database.fetchval(
        "select count(*) from pg_publication_tables where pubname = 'supabase_realtime'"
    )
    # bot_commands, users and bot_events; the bot's tables are the bot's to add
    assert published == 3
    triggers = await fresh_database.fetchval(
        "select count(*) from pg_trigger where tgname like '%_dashboard_events'"
    )
    assert triggers == 0  # nothing to watch yet: applied again once the bot's tables exist
