"""The bot simulator works the command queue as docs/bot-commands.md says a bot must: each
command type's effect, readable refusals that change nothing, tenant isolation, exactly-once
claiming by concurrent workers, stale claims, and a Postgres restart.

Every test uses fresh tenants and a simulator limited to them (see bot_helpers).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import asyncpg
import pytest

from devstack.bot_simulator import BotSimulator
from devstack.postgres import EmbeddedPostgres
from tests.devstack.bot_helpers import (
    add_session,
    bare_postgres,
    command,
    connect,
    new_tenant,
    queue,
    session,
    simulator,
    snapshot,
    wait_until,
)


@pytest.fixture(scope="module")
async def pg(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[EmbeddedPostgres]:
    async with bare_postgres(tmp_path_factory.mktemp("bot-simulator")) as server:
        yield server


@pytest.fixture
async def conn(pg: EmbeddedPostgres) -> AsyncIterator[asyncpg.Connection]:
    connection = await connect(pg.dsn())
    try:
        yield connection
    finally:
        await connection.close()


@pytest.fixture
async def tenant(conn: asyncpg.Connection) -> uuid.UUID:
    return await new_tenant(conn)


async def run_one(pg: EmbeddedPostgres, tenant: uuid.UUID) -> None:
    sim = simulator(pg, tenant)
    try:
        assert await sim.process_once() == 1
    finally:
        await sim.stop()


async def test_send_message_goes_to_the_clients_latest_conversation(
    pg: EmbeddedPostgres, conn: asyncpg.Connection, tenant: uuid.UUID
) -> None:
    older = await add_session(conn, tenant, "tg:100", age_minutes=120)
    latest = await add_session(conn, tenant, "tg:100", age_minutes=5)
    other = await add_session(conn, tenant, "tg:200", age_minutes=1)
    before = {s: await session(conn, s) for s in (older, latest, other)}
    text = "Здравствуйте! Это администратор Ольга.\n[bold]Ждём[/bold] вас\t🌸"
    cid = await queue(
        conn,
        tenant,
        "send_message",
        {"client_id": "tg:100", "message": text, "author": "Ольга Кузнецова"},
    )
    await run_one(pg, tenant)

    row = await command(conn, cid)
    assert row["status"] == "done" and row["error"] is None and row["processed_at"] is not None
    assert row["result"] == {"session_id": str(latest), "message_id": f"cmd-{cid}"}
    after = await session(conn, latest)
    appended = after["messages"][-1]
    assert after["messages"][:-1] == before[latest]["messages"]
    assert appended == {
        "id": f"cmd-{cid}",
        "role": "staff",
        "text": text,
        "author": "Ольга Кузнецова",
        "at": appended["at"],
    }
    sent_at = datetime.fromisoformat(appended["at"])
    assert after["last_message_at"] == sent_at > before[latest]["last_message_at"]
    for untouched in (older, other):
        assert await session(conn, untouched) == before[untouched]


async def test_send_message_to_a_named_conversation(
    pg: EmbeddedPostgres, conn: asyncpg.Connection, tenant: uuid.UUID
) -> None:
    older = await add_session(conn, tenant, "wa:79161234567", status="closed", age_minutes=600)
    await add_session(conn, tenant, "wa:79161234567", age_minutes=5)
    cid = await queue(
        conn,
        tenant,
        "send_message",
        {"client_id": "wa:79161234567", "message": "x" * 4096, "session_id": str(older)},
    )
    await run_one(pg, tenant)
    row = await command(conn, cid)
    assert row["status"] == "done", row["error"]
    thread = (await session(conn, older))["messages"]
    assert thread[-1]["text"] == "x" * 4096 and "author" not in thread[-1]
    assert (await session(conn, older))["status"] == "closed"


@pytest.mark.parametrize(
    ("command_type", "status", "paused", "want_status", "want_paused"),
    [
        ("handoff_to_human", "active", False, "waiting_human", True),
        ("handoff_to_human", "closed", False, "waiting_human", True),
        ("pause_bot", "active", False, "active", True),
        ("pause_bot", "waiting_human", True, "waiting_human", True),
        ("resume_bot", "waiting_human", True, "active", False),
        ("resume_bot", "paused", True, "active", False),
        ("resume_bot", "closed", True, "closed", False),
    ],
)
async def test_state_commands(
    pg: EmbeddedPostgres,
    conn: asyncpg.Connection,
    tenant: uuid.UUID,
    command_type: str,
    status: str,
    paused: bool,
    want_status: str,
    want_paused: bool,
) -> None:
    sid = await add_session(conn, tenant, status=status, paused=paused)
    before = await session(conn, sid)
    payload: dict[str, Any] = {"session_id": str(sid)}
    if command_type == "handoff_to_human":
        payload["note"] = "" if status == "closed" else "Клиентка просит позвонить"
    cid = await queue(conn, tenant, command_type, payload)
    await run_one(pg, tenant)
    row = await command(conn, cid)
    assert row["status"] == "done", row["error"]
    changed = (want_status, want_paused) != (status, paused)
    assert row["result"] == {
        "session_id": str(sid),
        "status": want_status,
        "bot_paused": want_paused,
        "changed": changed,
    }
    after = await session(conn, sid)
    assert (after["status"], after["bot_paused"]) == (want_status, want_paused)
    assert after["messages"] == before["messages"]


FAILURES: list[tuple[str, str, dict[str, Any], str]] = [
    # (case, command_type, payload; "{sid}" is a session of client tg:100, "{other}" of tg:200)
    (
        "unknown type",
        "reboot_bot",
        {},
        "unknown command type 'reboot_bot' (this bot knows: "
        "send_message, handoff_to_human, pause_bot, resume_bot)",
    ),
    ("missing message", "send_message", {"client_id": "tg:100"}, "payload is missing 'message'"),
    (
        "empty message",
        "send_message",
        {"client_id": "tg:100", "message": ""},
        "payload.message must not be empty",
    ),
    (
        "blank message",
        "send_message",
        {"client_id": "tg:100", "message": " \n "},
        "payload.message must not be empty",
    ),
    (
        "long message",
        "send_message",
        {"client_id": "tg:100", "message": "я" * 4097},
        "payload.message is 4097 characters long; at most 4096 are allowed",
    ),
    (
        "message not a string",
        "send_message",
        {"client_id": "tg:100", "message": 42},
        "payload.message must be a string, got 42",
    ),
    (
        "old field name",
        "send_message",
        {"client_id": "tg:100", "text": "Привет!"},
        "payload has 'text'; send_message reads the message from 'message'",
    ),
    (
        "unknown field",
        "send_message",
        {"client_id": "tg:100", "message": "Привет", "urgent": True},
        "payload has unknown field 'urgent' (allowed: author, client_id, message, session_id)",
    ),
    (
        "unknown client",
        "send_message",
        {"client_id": "tg:999", "message": "Привет"},
        "client 'tg:999' has no conversation in this tenant",
    ),
    (
        "bad session id",
        "send_message",
        {"client_id": "tg:100", "message": "Привет", "session_id": "42"},
        "payload.session_id must be a UUID string, got '42'",
    ),
    (
        "unknown session",
        "pause_bot",
        {"session_id": "00000000-0000-4000-8000-000000000000"},
        "conversation 00000000-0000-4000-8000-000000000000 not found in this tenant",
    ),
    (
        "another client's session",
        "send_message",
        {"client_id": "tg:100", "message": "Привет", "session_id": "{other}"},
        "conversation {other} belongs to another client, not 'tg:100'",
    ),
    (
        "missing session id",
        "handoff_to_human",
        {"note": "позвонить"},
        "payload is missing 'session_id'",
    ),
    (
        "note too long",
        "handoff_to_human",
        {"session_id": "{sid}", "note": "н" * 501},
        "payload.note is 501 characters long; at most 500 are allowed",
    ),
    (
        "escape in message",
        "send_message",
        {"client_id": "tg:100", "message": "Привет \x1b[31m"},
        "payload.message contains a control character (U+001B at position 8)",
    ),
    (
        "bidi override in author",
        "send_message",
        {"client_id": "tg:100", "message": "Привет", "author": "Ольга\u202e"},
        "payload.author contains a control character (U+202E at position 6)",
    ),
    (
        "padded client id",
        "send_message",
        {"client_id": " tg:100", "message": "Привет"},
        "payload.client_id must not start or end with spaces",
    ),
    (
        "session id not a string",
        "resume_bot",
        {"session_id": 7},
        "payload.session_id must be a UUID string, got 7",
    ),
]


@pytest.mark.parametrize(
    ("command_type", "payload", "error"), [f[1:] for f in FAILURES], ids=[f[0] for f in FAILURES]
)
async def test_refused_commands_fail_readably_and_change_nothing(
    pg: EmbeddedPostgres,
    conn: asyncpg.Connection,
    tenant: uuid.UUID,
    command_type: str,
    payload: dict[str, Any],
    error: str,
) -> None:
    ids = {
        "sid": str(await add_session(conn, tenant, "tg:100")),
        "other": str(await add_session(conn, tenant, "tg:200")),
    }
    payload = {k: v.format(**ids) if isinstance(v, str) else v for k, v in payload.items()}
    before = await snapshot(conn)
    cid = await queue(conn, tenant, command_type, payload)
    await run_one(pg, tenant)
    row = await command(conn, cid)
    assert (row["status"], row["error"], row["result"]) == ("failed", error.format(**ids), None)
    assert row["processed_at"] is not None
    assert await snapshot(conn) == before


async def test_a_tenant_cannot_touch_another_tenants_conversations(
    pg: EmbeddedPostgres, conn: asyncpg.Connection, tenant: uuid.UUID
) -> None:
    victim = await new_tenant(conn)
    sid = await add_session(conn, victim, "tg:555")
    before = await snapshot(conn)
    attempts = [
        await queue(conn, tenant, "send_message", {"client_id": "tg:555", "message": "Привет"}),
        await queue(
            conn,
            tenant,
            "send_message",
            {"client_id": "tg:555", "message": "Привет", "session_id": str(sid)},
        ),
        await queue(conn, tenant, "handoff_to_human", {"session_id": str(sid)}),
        await queue(conn, tenant, "pause_bot", {"session_id": str(sid)}),
        await queue(conn, tenant, "resume_bot", {"session_id": str(sid)}),
    ]
    sim = simulator(pg, tenant, victim)
    try:
        assert await sim.process_once() == len(attempts)
    finally:
        await sim.stop()
    for cid in attempts:
        row = await command(conn, cid)
        assert row["status"] == "failed"
        assert "has no conversation in this tenant" in row["error"] or (
            row["error"] == f"conversation {sid} not found in this tenant"
        )
    assert await snapshot(conn) == before


async def test_two_simulators_take_each_of_300_commands_exactly_once(
    pg: EmbeddedPostgres, conn: asyncpg.Connection, tenant: uuid.UUID
) -> None:
    # Every status transition of this tenant's commands, as the database saw it.
    await conn.execute(
        "create table if not exists public.test_command_transitions "
        "(command_id bigint, tenant_id uuid, old_status text, new_status text)"
    )
    await conn.execute(
        """
        create or replace function public.test_log_transition() returns trigger
        language plpgsql as $$
        begin
          insert into public.test_command_transitions values
            (new.id, new.tenant_id, old.status, new.status);
          return new;
        end $$;
        create or replace trigger test_log_transition after update on dashboard.bot_commands
          for each row when (old.status is distinct from new.status)
          execute function public.test_log_transition();
        """
    )
    sessions = [await add_session(conn, tenant, f"tg:{n}") for n in range(10)]
    ids = []
    for n in range(300):
        if n % 10 == 9:
            ids.append(await queue(conn, tenant, "no_such_command", {}))
        elif n % 3 == 0:
            pause = {"session_id": str(sessions[n % 10])}
            ids.append(await queue(conn, tenant, "pause_bot", pause))
        else:
            ids.append(
                await queue(
                    conn,
                    tenant,
                    "send_message",
                    {"client_id": f"tg:{n % 10}", "message": f"сообщение {n}"},
                )
            )
    first = simulator(pg, tenant, batch_size=7)
    second = simulator(pg, tenant, batch_size=7)

    async def drain(sim: BotSimulator) -> None:
        while await sim.process_once():
            pass

    try:
        await asyncio.wait_for(asyncio.gather(drain(first), drain(second)), timeout=60)
    finally:
        await first.stop()
        await second.stop()

    statuses = await conn.fetch(
        "select status, count(*) from dashboard.bot_commands where tenant_id = $1 group by 1",
        tenant,
    )
    assert dict(statuses) == {"done": 270, "failed": 30}
    assert first.stats.claimed > 0 and second.stats.claimed > 0
    assert first.stats.claimed + second.stats.claimed == 300
    assert first.stats.done + second.stats.done == 270
    assert first.stats.lost == second.stats.lost == 0
    transitions = await conn.fetch(
        "select old_status, new_status, count(*) as n, count(distinct command_id) as commands "
        "from public.test_command_transitions where tenant_id = $1 group by 1, 2",
        tenant,
    )
    seen = {(r["old_status"], r["new_status"]): (r["n"], r["commands"]) for r in transitions}
    assert seen == {
        ("pending", "processing"): (300, 300),
        ("processing", "done"): (270, 270),
        ("processing", "failed"): (30, 30),
    }
    appended = await conn.fetchval(
        "select count(*) from public.conversation_sessions_v2, "
        "jsonb_array_elements(messages) m where tenant_id = $1 and m ->> 'role' = 'staff'",
        tenant,
    )
    assert appended == 180  # each send_message once, none twice
    await conn.execute("drop trigger test_log_transition on dashboard.bot_commands")


async def test_a_command_left_processing_is_reclaimed_and_a_stale_claim_loses(
    pg: EmbeddedPostgres, conn: asyncpg.Connection, tenant: uuid.UUID
) -> None:
    await add_session(conn, tenant, "tg:100")
    fresh = await conn.fetchval(
        "insert into dashboard.bot_commands (tenant_id, command_type, payload, status) "
        "values ($1, 'send_message', $2::jsonb, 'processing') returning id",
        tenant,
        {"client_id": "tg:100", "message": "занят другим ботом"},
    )
    crashed_worker = simulator(pg, tenant, stale_after=60)
    taker = simulator(pg, tenant, stale_after=60)
    try:
        cid = await queue(
            conn, tenant, "send_message", {"client_id": "tg:100", "message": "Привет"}
        )
        conn_a = await crashed_worker._connection()
        claims = await crashed_worker._claim(conn_a)
        assert [c[0] for c in claims] == [cid]
        # The first worker "hangs" for ten minutes: age its claim behind the touch trigger.
        await conn.execute("set session_replication_role = replica")
        await conn.execute(
            "update dashboard.bot_commands set updated_at = now() - interval '10 minutes' "
            "where id = $1",
            cid,
        )
        await conn.execute("set session_replication_role = origin")
        assert await taker.process_once() == 1
        assert taker.stats.reclaimed == 1 and taker.stats.done == 1
        await crashed_worker._perform(conn_a, cid, claims[0][1])  # wakes up with its old claim
        assert crashed_worker.stats.lost == 1 and crashed_worker.stats.done == 0
    finally:
        await crashed_worker.stop()
        await taker.stop()
    assert (await command(conn, cid))["status"] == "done"
    assert (await command(conn, fresh))["status"] == "processing"  # not stale: left alone
    texts = await conn.fetchval(
        "select count(*) from public.conversation_sessions_v2, jsonb_array_elements(messages) m "
        "where tenant_id = $1 and m ->> 'text' = 'Привет'",
        tenant,
    )
    assert texts == 1


async def test_the_loop_survives_a_postgres_restart(
    pg: EmbeddedPostgres, tenant: uuid.UUID
) -> None:
    sim = simulator(pg, tenant, poll_interval=0.05)
    await sim.start()
    try:

        async def done(cid: int) -> bool:
            check = await asyncpg.connect(pg.dsn())
            try:
                return bool(
                    await check.fetchval(
                        "select status = 'done' from dashboard.bot_commands where id = $1", cid
                    )
                )
            finally:
                await check.close()

        async def queue_pause() -> int:
            c = await connect(pg.dsn())
            try:
                sid = await add_session(c, tenant)
                return await queue(c, tenant, "pause_bot", {"session_id": str(sid)})
            finally:
                await c.close()

        first = await queue_pause()
        await wait_until(lambda: done(first))
        await pg.restart()
        second = await queue_pause()
        await wait_until(lambda: done(second))
        assert sim.stats.reconnects >= 1
        assert sim.running
    finally:
        await sim.stop()
