"""The bot's health from the command queue (and a heartbeat where the bot writes one)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from services.backend import Backend
from services.bot_health import BotHealthService, BotState, judge
from tests.services.conftest import MakeUser, session_for

NOW = datetime(2026, 12, 6, 14, 0, tzinfo=UTC)


def ago(seconds: float) -> datetime:
    return NOW - timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("oldest_pending", "heartbeat", "state"),
    [
        (None, None, BotState.ok),  # an idle queue and no heartbeat: nothing to worry about
        (ago(3), None, BotState.ok),  # waiting for the next poll
        (ago(15), None, BotState.slow),
        (ago(59.9), None, BotState.slow),
        (ago(60), None, BotState.stalled),
        (ago(600), ago(1), BotState.stalled),  # alive but not taking commands
        (None, ago(30), BotState.ok),
        (None, ago(60), BotState.silent),
    ],
)
def test_the_state_at_each_boundary(
    oldest_pending: datetime | None, heartbeat: datetime | None, state: BotState
) -> None:
    assert judge(now=NOW, oldest_pending=oldest_pending, heartbeat=heartbeat).state == state


def test_stalled_says_since_when_and_is_not_taking_commands() -> None:
    health = judge(now=NOW, oldest_pending=ago(300), heartbeat=None)
    assert health.since == ago(300) and not health.taking_commands
    assert judge(now=NOW, oldest_pending=ago(20), heartbeat=None).taking_commands


def test_the_threshold_comes_from_the_settings() -> None:
    assert judge(now=NOW, oldest_pending=ago(90), heartbeat=None, threshold=120).state == (
        BotState.slow
    )


async def test_read_from_the_queue_and_the_heartbeat_through_the_real_client(
    backend: Backend,
    db: asyncpg.Connection,
    tenant_id: uuid.UUID,
    other_tenant_id: uuid.UUID,
    make_user: MakeUser,
) -> None:
    session = session_for(await make_user(tenant_id, "viewer"))
    service = BotHealthService(backend, session)
    now = datetime.now(UTC)
    assert (await service.check(now)).state == BotState.ok
    # Another salon's stuck command says nothing about this salon's bot.
    await db.execute(
        "insert into dashboard.bot_commands (tenant_id, command_type, payload, created_at) "
        "values ($1, 'pause_bot', '{}', now() - interval '1 hour')",
        other_tenant_id,
    )
    assert (await service.check(now)).state == BotState.ok
    await db.execute(
        "insert into dashboard.bot_commands (tenant_id, command_type, payload, created_at) "
        "values ($1, 'pause_bot', '{}', now() - interval '2 minutes')",
        tenant_id,
    )
    health = await service.check(now)
    assert health.state == BotState.stalled and health.since is not None
    await db.execute(
        "update dashboard.bot_commands set status = 'processing' where tenant_id = $1", tenant_id
    )
    await db.execute(
        "insert into dashboard.bot_heartbeat (tenant_id, at) "
        "values ($1, now() - interval '5 minutes')",
        tenant_id,
    )
    assert (await service.check(now)).state == BotState.silent
    await db.execute(
        "update dashboard.bot_heartbeat set at = now() where tenant_id = $1", tenant_id
    )
    assert (await service.check(datetime.now(UTC))).state == BotState.ok
