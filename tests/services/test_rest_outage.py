"""The REST side answering 503 (the API gateway's, with no PostgREST code): reads say "not
available right now", and a command waits in the outbox and later reaches the table once."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from devstack.control import apply_fault
from devstack.stack import DevStack
from services.backend import Backend
from services.commands.outbox import Outbox
from services.commands.service import CommandService
from services.errors import BackendUnavailable
from tests.services.conftest import MakeUser, add_session, session_for


@pytest.fixture
async def outage(devstack: DevStack) -> AsyncIterator[None]:
    await apply_fault(devstack, "rest-unavailable", 120)
    try:
        yield
    finally:
        await apply_fault(devstack, "rest-unavailable", 0)


async def test_a_read_during_the_outage_is_unavailable_not_refused(
    backend: Backend, outage: None
) -> None:
    with pytest.raises(BackendUnavailable) as err:
        await backend.run(
            backend.table("dashboard", "tenants").select("id").limit(1), context="dashboard.tenants"
        )
    assert "not available right now" in str(err.value)
    assert "503" in str(err.value)


async def test_a_command_sent_during_the_outage_waits_and_is_stored_once_after_it(
    backend: Backend,
    devstack: DevStack,
    db: asyncpg.Connection,
    tenant_id: uuid.UUID,
    make_user: MakeUser,
    tmp_path: Path,
) -> None:
    user = await make_user(tenant_id)
    conversation = await add_session(db, tenant_id)
    service = CommandService(backend, session_for(user), Outbox(tmp_path / "outbox.sqlite"))
    await apply_fault(devstack, "rest-unavailable", 120)
    try:
        result = await service.enqueue(
            "send_message", {"client_id": conversation["client_id"], "message": "Во время сбоя"}
        )
        assert result.queued_locally, "a 503 is an outage: the command must wait, not fail"
        assert await service.waiting() == 1
        report = await service.flush()
        assert report.waiting == 1 and not report.sent and not report.refused
    finally:
        await apply_fault(devstack, "rest-unavailable", 0)

    report = await service.flush()
    assert [c.idempotency_key for c in report.sent] == [result.idempotency_key]
    assert await service.waiting() == 0
    keys = await db.fetch(
        "select idempotency_key from dashboard.bot_commands where tenant_id = $1", tenant_id
    )
    assert [row["idempotency_key"] for row in keys] == [result.idempotency_key]
