"""`agentp tenant …` on a fresh devstack: salons for the bot's tenant ids, every bad input refused.

The stack is this module's own (a new data dir), so "unknown tenant ids" and the doctor's
count start from nothing: the counts asserted here are exact.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from pydantic import SecretStr

from devstack.stack import DevStack, StackOptions
from services.backend import Backend
from services.doctor import Status, check_unknown_tenants

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "yc-user-token-0123456789abcdef"


@pytest.fixture(scope="module")
async def fresh(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[DevStack]:
    stack = DevStack(StackOptions(data_dir=tmp_path_factory.mktemp("tenant-stack")))
    await stack.start()
    try:
        yield stack
    finally:
        await stack.stop()


@pytest.fixture
async def fresh_db(fresh: DevStack) -> AsyncIterator[asyncpg.Connection]:
    conn = await fresh.connect()
    try:
        yield conn
    finally:
        await conn.close()


async def agentp(fresh: DevStack, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "SUPABASE_URL": fresh.info.supabase_url,
        "SUPABASE_SERVICE_KEY": fresh.info.service_key,
        "AGENTP_CONFIG": "/nonexistent/agentp.toml",
    }

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "cli.main", "tenant", *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            timeout=60,
        )

    # The devstack lives on this event loop: the command runs from a thread.
    return await asyncio.to_thread(run)


async def state(db: asyncpg.Connection) -> list[Any]:
    """Everything a tenant command may write: compared before and after a refusal."""
    tenants = await db.fetch("select * from dashboard.tenants order by id")
    audit = await db.fetchval("select count(*) from dashboard.audit_log")
    return [[dict(r) for r in tenants], audit]


async def doctor_says(fresh: DevStack) -> tuple[Status, str]:
    backend = await Backend.open(fresh.info.supabase_url, SecretStr(fresh.info.service_key))
    try:
        result = await check_unknown_tenants(backend)
    finally:
        await backend.close()
    return result.status, result.detail


async def bot_rows(db: asyncpg.Connection, tenant: uuid.UUID, wishes: int, sessions: int) -> None:
    """Rows the bot wrote for a salon before the dashboard knew it."""
    for i in range(wishes):
        await db.execute(
            "insert into public.wishlist_v2 (tenant_id, client_id, client_name) "
            "values ($1, $2, $3)",
            tenant,
            f"tg:{i}",
            "Ирма",
        )
    for i in range(sessions):
        await db.execute(
            "insert into public.conversation_sessions_v2 (tenant_id, client_id) values ($1, $2)",
            tenant,
            f"tg:{i}",
        )


async def test_a_salon_from_the_bots_id_to_yclients(
    fresh: DevStack, fresh_db: asyncpg.Connection
) -> None:
    listed = await agentp(fresh, "list", "--unknown")
    assert (listed.returncode, listed.stdout, listed.stderr) == (0, "", "")
    assert await doctor_says(fresh) == (
        Status.ok,
        "every tenant id in the bot's tables has a salon",
    )

    lotos, other = uuid.uuid4(), uuid.uuid4()
    await bot_rows(fresh_db, lotos, wishes=2, sessions=1)
    await bot_rows(fresh_db, other, wishes=0, sessions=3)
    listed = await agentp(fresh, "list", "--unknown")
    assert listed.returncode == 0
    assert sorted(listed.stdout.splitlines()) == sorted(
        [f"{lotos}\twishlist 2\tconversations 1", f"{other}\twishlist 0\tconversations 3"]
    )
    status, detail = await doctor_says(fresh)
    assert status == Status.warn and detail.startswith("2 tenant ids in the bot's tables")

    added = await agentp(
        fresh, "add", "--id", str(lotos), "--name", "Салон «Лотос»", "--timezone", "Asia/Omsk"
    )
    assert added.returncode == 0, added.stderr
    assert added.stdout == f"added Салон «Лотос» ({lotos}, Asia/Omsk)\n"
    row = await fresh_db.fetchrow("select * from dashboard.tenants where id = $1", lotos)
    assert (row["name"], row["timezone"], row["yclients_company_id"]) == (
        "Салон «Лотос»",
        "Asia/Omsk",
        None,
    )
    await fresh_db.execute(
        "insert into dashboard.users (tenant_id, email, encrypted_password, role) "
        "values ($1, 'anna@lotos.test', $2, 'admin')",
        lotos,
        "$2b$12$" + "a" * 53,
    )
    listed = await agentp(fresh, "list", "--unknown")
    assert listed.stdout == f"{other}\twishlist 0\tconversations 3\n"
    status, detail = await doctor_says(fresh)
    assert status == Status.warn and detail.startswith("1 tenant id in the bot's tables has")

    renamed = await agentp(fresh, "rename", "--tenant", str(lotos), "--name", "Лотос на Арбате")
    assert renamed.returncode == 0, renamed.stderr
    assert await fresh_db.fetchval("select name from dashboard.tenants where id = $1", lotos) == (
        "Лотос на Арбате"
    )

    # The token comes from stdin: it appears in no argv and in no output.
    configured = await agentp(
        fresh, "yclients", "--tenant", "Лотос на Арбате", "--company-id", "4564", stdin=TOKEN + "\n"
    )
    assert configured.returncode == 0, configured.stderr
    assert TOKEN not in configured.stdout + configured.stderr
    row = await fresh_db.fetchrow("select * from dashboard.tenants where id = $1", lotos)
    assert (row["yclients_company_id"], row["yclients_user_token"]) == (4564, TOKEN)

    table = await agentp(fresh, "list")
    assert table.returncode == 0 and TOKEN not in table.stdout
    assert table.stdout.splitlines() == [
        "id\tname\ttimezone\tyclients\tusers\twishlist\tconversations",
        f"{lotos}\tЛотос на Арбате\tAsia/Omsk\tyes (4564)\t1\t2\t1",
    ]
    as_json = json.loads((await agentp(fresh, "list", "--json")).stdout)
    assert as_json == [
        {
            "id": str(lotos),
            "name": "Лотос на Арбате",
            "timezone": "Asia/Omsk",
            "company_id": 4564,
            "yclients_set": True,
            "users": 1,
            "wishlist_rows": 2,
            "session_rows": 1,
        }
    ]

    cleared = await agentp(fresh, "yclients", "--tenant", str(lotos), "--clear")
    assert cleared.returncode == 0, cleared.stderr
    row = await fresh_db.fetchrow("select * from dashboard.tenants where id = $1", lotos)
    assert (row["yclients_company_id"], row["yclients_user_token"]) == (None, None)
    assert "\tno\t" in (await agentp(fresh, "list")).stdout

    actions = [
        r["action"]
        for r in await fresh_db.fetch(
            "select action from dashboard.audit_log where tenant_id = $1 order by id", lotos
        )
    ]
    assert actions == [
        "tenant.added",
        "tenant.renamed",
        "tenant.yclients_set",
        "tenant.yclients_cleared",
    ]
    assert TOKEN not in json.dumps(
        [dict(r) for r in await fresh_db.fetch("select detail from dashboard.audit_log")],
        default=str,
    )


BAD_INPUT = [
    # (case, arguments, what the one line must name); "{known}" is an existing salon's id.
    ("malformed uuid", ["add", "--id", "salon-1", "--name", "Новый"], "is not a UUID"),
    ("uuid not canonical", ["add", "--id", "{known_hex}", "--name", "Новый"], "is not a UUID"),
    ("duplicate id", ["add", "--id", "{known}", "--name", "Новый"], "already exists"),
    ("duplicate name", ["add", "--id", "{fresh}", "--name", "Салон «Есть»"], "already exists"),
    (
        "unknown time zone",
        ["add", "--id", "{fresh}", "--name", "Новый", "--timezone", "Europe/Tver"],
        "not a known time zone",
    ),
    ("empty name", ["add", "--id", "{fresh}", "--name", "  "], "--name is empty"),
    ("control character in name", ["add", "--id", "{fresh}", "--name", "A\x1b[2J"], "control"),
    (
        "rename to a taken name",
        ["rename", "--tenant", "{known}", "--name", "Салон «Другой»"],
        "already exists",
    ),
    ("rename an unknown salon", ["rename", "--tenant", "Нет такого", "--name", "X"], "no salon"),
    (
        "non-numeric company id",
        ["yclients", "--tenant", "{known}", "--company-id", "45a64"],
        "--company-id",
    ),
    (
        "negative company id",
        ["yclients", "--tenant", "{known}", "--company-id", "-3"],
        "--company-id",
    ),
    ("empty token", ["yclients", "--tenant", "{known}", "--company-id", "4564"], "token"),
]


@pytest.mark.parametrize(
    ("args", "named"), [c[1:] for c in BAD_INPUT], ids=[c[0] for c in BAD_INPUT]
)
async def test_bad_input_is_one_line_exit_2_and_nothing_written(
    fresh: DevStack, fresh_db: asyncpg.Connection, args: list[str], named: str
) -> None:
    known = await fresh_db.fetchval(
        "insert into dashboard.tenants (name) values ('Салон «Есть»') "
        "on conflict (name) do update set name = excluded.name returning id"
    )
    await fresh_db.execute(
        "insert into dashboard.tenants (name) values ('Салон «Другой»') on conflict do nothing"
    )
    values = {"known": str(known), "known_hex": known.hex, "fresh": str(uuid.uuid4())}
    argv = [a.format(**values) if a.startswith("{") else a for a in args]
    before = await state(fresh_db)
    result = await agentp(fresh, *argv, stdin="\n")
    assert result.returncode == 2, result
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("agentp: ") and named in lines[0], lines
    assert result.stdout == ""
    assert await state(fresh_db) == before


async def test_the_token_has_no_argv_option(fresh: DevStack) -> None:
    result = await agentp(fresh, "yclients", "--tenant", "x", "--company-id", "1", "--token", TOKEN)
    assert result.returncode == 2 and "unrecognized arguments" in result.stderr
