"""Queueing bot commands: roles, tenant-bound references, the outbox across outages."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import asyncpg
import pytest
from pydantic import SecretStr

from devstack.stack import StackInfo
from services.backend import Backend
from services.commands.outbox import Outbox, OutboxEntry
from services.commands.registry import CommandValidationError
from services.commands.service import CommandService
from services.errors import NotFound, PermissionDenied, ServiceError
from services.keyset import Cursor
from tests.services.conftest import MakeUser, add_session, session_for


async def command_count(db: asyncpg.Connection, tenant_id: uuid.UUID) -> int:
    count: int = await db.fetchval(
        "select count(*) from dashboard.bot_commands where tenant_id = $1", tenant_id
    )
    return count


@pytest.fixture
def outbox(tmp_path: Path) -> Outbox:
    return Outbox(tmp_path / "outbox.sqlite")


async def test_operator_queues_a_message_bound_to_their_tenant(
    backend: Backend,
    db: asyncpg.Connection,
    tenant_id: uuid.UUID,
    make_user: MakeUser,
    outbox: Outbox,
) -> None:
    user = await make_user(tenant_id, "operator")
    conversation = await add_session(db, tenant_id)
    service = CommandService(backend, session_for(user), outbox)
    result = await service.enqueue(
        "send_message", {"client_id": conversation["client_id"], "message": "Ждём вас в 15:00"}
    )
    assert result.command is not None and not result.queued_locally
    row = await db.fetchrow("select * from dashboard.bot_commands where id = $1", result.command.id)
    assert row["tenant_id"] == tenant_id
    assert row["created_by"] == user["id"]
    assert row["status"] == "pending"
    assert row["idempotency_key"] == result.idempotency_key
    assert await service.waiting() == 0


async def test_viewer_cannot_send_and_nothing_is_written(
    backend: Backend,
    db: asyncpg.Connection,
    tenant_id: uuid.UUID,
    make_user: MakeUser,
    outbox: Outbox,
) -> None:
    conversation = await add_session(db, tenant_id)
    viewer = CommandService(backend, session_for(await make_user(tenant_id, "viewer")), outbox)
    with pytest.raises(PermissionDenied, match="viewer"):
        await viewer.enqueue(
            "send_message", {"client_id": conversation["client_id"], "message": "hi"}
        )
    assert await command_count(db, tenant_id) == 0
    assert len(await viewer.history()) == 0  # but it may read


async def test_invalid_payload_names_the_field_and_writes_nothing(
    backend: Backend,
    db: asyncpg.Connection,
    tenant_id: uuid.UUID,
    make_user: MakeUser,
    outbox: Outbox,
) -> None:
    service = CommandService(backend, session_for(await make_user(tenant_id)), outbox)
    with pytest.raises(CommandValidationError) as caught:
        await service.enqueue("send_message", {"client_id": "c", "message": "x" * 5000})
    assert caught.value.field == "message"
    assert await command_count(db, tenant_id) == 0
    assert await service.waiting() == 0


@pytest.mark.parametrize("probe", ["session_id", "client_id"])
async def test_another_tenants_ids_are_refused_and_nothing_is_written(
    backend: Backend,
    db: asyncpg.Connection,
    tenant_id: uuid.UUID,
    other_tenant_id: uuid.UUID,
    make_user: MakeUser,
    outbox: Outbox,
    probe: str,
) -> None:
    foreign = await add_session(db, other_tenant_id)
    service = CommandService(backend, session_for(await make_user(tenant_id)), outbox)
    with pytest.raises(NotFound):
        if probe == "session_id":
            await service.enqueue("pause_bot", {"session_id": str(foreign["id"])})
        else:
            await service.enqueue(
                "send_message", {"client_id": foreign["client_id"], "message": "hi"}
            )
    assert await command_count(db, tenant_id) == 0
    assert await command_count(db, other_tenant_id) == 0
    assert await service.waiting() == 0


async def test_outage_keeps_the_command_locally_and_flush_sends_it_exactly_once(
    backend: Backend,
    stack_info: StackInfo,
    db: asyncpg.Connection,
    tenant_id: uuid.UUID,
    make_user: MakeUser,
    outbox: Outbox,
) -> None:
    user = await make_user(tenant_id)
    conversation = await add_session(db, tenant_id)
    # A backend nobody listens on: the network fails like a dropped Wi-Fi.
    dead = await Backend.open("http://127.0.0.1:9", SecretStr(stack_info.service_key))
    try:
        offline = CommandService(dead, session_for(user), outbox)
        result = await offline.enqueue(
            "send_message",
            {"client_id": conversation["client_id"], "message": "Подтвердите запись"},
        )
        assert result.queued_locally
        assert await offline.waiting() == 1
        report = await offline.flush()
        assert report.waiting == 1 and not report.sent
    finally:
        await dead.close()
    assert await command_count(db, tenant_id) == 0

    online = CommandService(backend, session_for(user), outbox)
    report = await online.flush()
    assert [c.idempotency_key for c in report.sent] == [result.idempotency_key]
    assert await online.flush() == type(report)([], [], 0)
    assert await command_count(db, tenant_id) == 1


async def test_a_retry_that_raced_a_success_is_harmless(
    backend: Backend,
    db: asyncpg.Connection,
    tenant_id: uuid.UUID,
    make_user: MakeUser,
    outbox: Outbox,
) -> None:
    user = await make_user(tenant_id)
    conversation = await add_session(db, tenant_id)
    service = CommandService(backend, session_for(user), outbox)
    sent = await service.enqueue(
        "send_message", {"client_id": conversation["client_id"], "message": "1"}
    )
    # The app died after the insert but before it cleared its outbox: the entry comes back.
    from datetime import UTC, datetime

    await outbox.put(
        OutboxEntry(
            sent.idempotency_key,
            str(tenant_id),
            str(user["id"]),
            "send_message",
            {"client_id": conversation["client_id"], "message": "1"},
            datetime.now(UTC),
        )
    )
    report = await service.flush()
    assert report.sent[0].id == sent.command.id if sent.command else False
    assert await command_count(db, tenant_id) == 1


async def test_resend_history_and_paging(
    backend: Backend,
    db: asyncpg.Connection,
    tenant_id: uuid.UUID,
    make_user: MakeUser,
    outbox: Outbox,
) -> None:
    conversation = await add_session(db, tenant_id)
    service = CommandService(backend, session_for(await make_user(tenant_id)), outbox)
    ids = []
    for i in range(7):
        result = await service.enqueue(
            "send_message", {"client_id": conversation["client_id"], "message": f"#{i}"}
        )
        assert result.command is not None
        ids.append(result.command.id)
    await db.execute(
        "update dashboard.bot_commands set status = 'failed', error = 'client blocked the bot' "
        "where id = $1",
        ids[0],
    )
    with pytest.raises(ServiceError, match="only a failed"):
        await service.resend(ids[1])
    again = await service.resend(ids[0])
    assert again.command is not None and again.command.id not in ids
    assert again.command.payload == {
        "client_id": conversation["client_id"],
        "message": "#0",
        "author": service.session.email,  # the one who sends it again
    }

    seen: list[int] = []
    cursor = None
    while True:
        page = await service.history(limit=3, before=cursor)
        seen += [c.id for c in page]
        if len(page) < 3:
            break
        cursor = Cursor(page[-1].created_at, str(page[-1].id))
    assert seen == sorted([*ids, again.command.id], reverse=True)


async def test_history_never_shows_another_tenant(
    backend: Backend,
    db: asyncpg.Connection,
    tenant_id: uuid.UUID,
    other_tenant_id: uuid.UUID,
    make_user: MakeUser,
    outbox: Outbox,
) -> None:
    foreign = await add_session(db, other_tenant_id)
    theirs = CommandService(backend, session_for(await make_user(other_tenant_id)), outbox)
    sent = await theirs.enqueue("pause_bot", {"session_id": str(foreign["id"])})
    assert sent.command is not None
    mine = CommandService(backend, session_for(await make_user(tenant_id)), outbox)
    assert await mine.history() == []
    with pytest.raises(NotFound):
        await mine.get(sent.command.id)


async def test_a_message_queued_with_text_before_the_rename_is_sent_as_message(
    backend: Backend,
    db: asyncpg.Connection,
    tenant_id: uuid.UUID,
    make_user: MakeUser,
    outbox: Outbox,
) -> None:
    from datetime import UTC, datetime

    user = await make_user(tenant_id)
    conversation = await add_session(db, tenant_id)
    # An entry an older dashboard left on disk while the backend was away: `text`, not `message`.
    await outbox.put(
        OutboxEntry(
            "queued-before-the-rename",
            str(tenant_id),
            str(user["id"]),
            "send_message",
            {"client_id": conversation["client_id"], "text": "Ждём вас", "author": "Ольга"},
            datetime.now(UTC),
        )
    )
    service = CommandService(backend, session_for(user), outbox)
    report = await service.flush()
    assert report.refused == [] and len(report.sent) == 1
    stored = await db.fetchval(
        "select payload::text from dashboard.bot_commands where idempotency_key = $1",
        "queued-before-the-rename",
    )
    assert json.loads(stored) == {
        "client_id": conversation["client_id"],
        "message": "Ждём вас",
        "author": "Ольга",
    }
    assert await service.waiting() == 0


async def test_text_is_refused_naming_message_and_nothing_is_written(
    backend: Backend,
    db: asyncpg.Connection,
    tenant_id: uuid.UUID,
    make_user: MakeUser,
    outbox: Outbox,
) -> None:
    conversation = await add_session(db, tenant_id)
    service = CommandService(backend, session_for(await make_user(tenant_id)), outbox)
    with pytest.raises(CommandValidationError, match="'message'"):
        await service.enqueue("send_message", {"client_id": conversation["client_id"], "text": "x"})
    assert await command_count(db, tenant_id) == 0
    assert await service.waiting() == 0


async def test_a_failed_command_from_before_the_rename_is_sent_again_as_message(
    backend: Backend,
    db: asyncpg.Connection,
    tenant_id: uuid.UUID,
    make_user: MakeUser,
    outbox: Outbox,
) -> None:
    user = await make_user(tenant_id)
    conversation = await add_session(db, tenant_id)
    old_id = await db.fetchval(
        "insert into dashboard.bot_commands (tenant_id, command_type, payload, idempotency_key, "
        "created_by, status, error) values ($1, 'send_message', $2::jsonb, 'old', $3, 'failed', "
        "'client blocked the bot') returning id",
        tenant_id,
        json.dumps({"client_id": conversation["client_id"], "text": "Ещё раз"}),
        user["id"],
    )
    service = CommandService(backend, session_for(user), outbox)
    again = await service.resend(old_id)
    assert again.command is not None
    assert again.command.payload["message"] == "Ещё раз" and "text" not in again.command.payload


async def test_a_queued_command_is_refused_when_its_author_was_demoted_meanwhile(
    backend: Backend,
    stack_info: StackInfo,
    db: asyncpg.Connection,
    tenant_id: uuid.UUID,
    make_user: MakeUser,
    outbox: Outbox,
) -> None:
    """An operator queues a message while the backend is down, an admin makes them a viewer,
    and the outbox is flushed by the session they still hold (its account feed never told it):
    the role is read again as the command leaves the outbox. One refusal, nothing written,
    the outbox empty."""
    user = await make_user(tenant_id, "operator")
    conversation = await add_session(db, tenant_id)
    dead = await Backend.open("http://127.0.0.1:9", SecretStr(stack_info.service_key))
    try:
        queued = await CommandService(dead, session_for(user), outbox).enqueue(
            "send_message", {"client_id": conversation["client_id"], "message": "Запись"}
        )
    finally:
        await dead.close()
    assert queued.queued_locally
    await db.execute("update dashboard.users set role = 'viewer' where id = $1", user["id"])

    stale = CommandService(backend, session_for(user), outbox)  # still says operator
    report = await stale.flush()
    assert [entry.idempotency_key for entry, _ in report.refused] == [queued.idempotency_key]
    assert "viewer" in report.refused[0][1]
    assert report.sent == [] and report.waiting == 0
    assert await command_count(db, tenant_id) == 0
    assert await stale.waiting() == 0


async def test_a_read_only_session_writes_nothing_and_keeps_what_waits(
    backend: Backend,
    stack_info: StackInfo,
    db: asyncpg.Connection,
    tenant_id: uuid.UUID,
    make_user: MakeUser,
    outbox: Outbox,
) -> None:
    """`--read-only` held by the services, not only by hidden actions: a direct call writes
    nothing, and what an earlier ordinary session queued is neither sent nor dropped."""
    from services.dashboard import DashboardServices

    user = await make_user(tenant_id, "admin")
    conversation = await add_session(db, tenant_id)
    dead = await Backend.open("http://127.0.0.1:9", SecretStr(stack_info.service_key))
    try:
        await CommandService(dead, session_for(user), outbox).enqueue(
            "pause_bot", {"session_id": str(conversation["id"])}
        )
    finally:
        await dead.close()

    services = DashboardServices(
        backend,
        SecretStr(stack_info.service_key),
        session_for(user),
        outbox.path,
        read_only=True,
    )
    with pytest.raises(PermissionDenied, match="read-only"):
        await services.commands.enqueue(
            "send_message", {"client_id": conversation["client_id"], "message": "Привет"}
        )
    with pytest.raises(PermissionDenied, match="read-only"):
        await services.users.set_role(user["email"], "viewer")
    services.rescope(session_for(user))  # a role change keeps the app read-only
    with pytest.raises(PermissionDenied):
        await services.commands.enqueue("pause_bot", {"session_id": str(conversation["id"])})
    report = await services.commands.flush()
    assert (report.sent, report.refused, report.waiting) == ([], [], 1)
    assert await command_count(db, tenant_id) == 0
    assert await db.fetchval("select role from dashboard.users where id = $1", user["id"]) == (
        "admin"
    )
    assert await services.commands.waiting() == 1
