"""Alerts once per event and user, through the real client: hand-offs, failed commands."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
from pydantic import SecretStr

from devstack.stack import DevStack
from services.alerts import AlertService, BotEvent
from services.backend import Backend
from services.dashboard import DashboardServices
from services.feeds import FeedState
from services.models import BotCommand
from tests.services.conftest import MakeUser, add_session, session_for
from tests.services.test_feeds import FAST, Recorder


async def events_of(db: asyncpg.Connection, tenant_id: uuid.UUID) -> list[BotEvent]:
    rows = await db.fetch(
        "select * from dashboard.bot_events where tenant_id = $1 order by id", tenant_id
    )
    return [BotEvent.model_validate(dict(row)) for row in rows]


async def hand_over(db: asyncpg.Connection, session_id: object) -> None:
    await db.execute(
        "update public.conversation_sessions_v2 set status = 'waiting_human' where id = $1",
        session_id,
    )


async def test_a_handoff_alerts_once_across_sessions_restarts_and_replays(
    backend: Backend, db: asyncpg.Connection, tenant_id: uuid.UUID, make_user: MakeUser
) -> None:
    user = await make_user(tenant_id)
    conversation = await add_session(
        db,
        tenant_id,
        client_name="Анна Петрова",
        messages=[{"id": "m1", "role": "client", "text": "Позовите человека"}],
    )
    await hand_over(db, conversation["id"])
    events = await events_of(db, tenant_id)
    now = datetime.now(UTC)
    first, second = (
        AlertService(backend, session_for(user)),
        AlertService(backend, session_for(user)),
    )
    (alert,) = await first.handoffs(events, now)
    assert alert.client_name == "Анна Петрова" and alert.last_message == "Позовите человека"
    assert alert.session_id == str(conversation["id"])
    # The same user's second terminal, the same app after a reconnect, after a restart:
    assert await second.handoffs(events, now) == []
    assert await first.handoffs(events, now) == []
    assert await AlertService(backend, session_for(user)).handoffs(events, now) == []
    # Another user of the salon has an alert of their own.
    colleague = await make_user(tenant_id)
    assert len(await AlertService(backend, session_for(colleague)).handoffs(events, now)) == 1


async def test_a_handoff_seen_late_is_receipted_without_a_sound(
    backend: Backend, db: asyncpg.Connection, tenant_id: uuid.UUID, make_user: MakeUser
) -> None:
    service = AlertService(backend, session_for(await make_user(tenant_id)))
    conversation = await add_session(db, tenant_id)
    await hand_over(db, conversation["id"])
    events = await events_of(db, tenant_id)
    later = datetime.now(UTC) + timedelta(hours=2)  # the app was closed when it happened
    assert await service.handoffs(events, later) == []
    assert await service.handoffs(events, datetime.now(UTC)) == []  # receipted all the same


async def test_another_salons_events_never_alert(
    backend: Backend,
    db: asyncpg.Connection,
    tenant_id: uuid.UUID,
    other_tenant_id: uuid.UUID,
    make_user: MakeUser,
) -> None:
    service = AlertService(backend, session_for(await make_user(tenant_id)))
    theirs = await add_session(db, other_tenant_id)
    await hand_over(db, theirs["id"])
    assert await service.handoffs(await events_of(db, other_tenant_id), datetime.now(UTC)) == []


async def test_a_failed_command_alerts_its_author_once_naming_the_client(
    backend: Backend, db: asyncpg.Connection, tenant_id: uuid.UUID, make_user: MakeUser
) -> None:
    author, colleague = await make_user(tenant_id), await make_user(tenant_id)
    await add_session(db, tenant_id, client_id="tg:42", client_name="Мария Иванова")
    row = await db.fetchrow(
        "insert into dashboard.bot_commands (tenant_id, command_type, payload, created_by, "
        "status, error) values ($1, 'send_message', $2::jsonb, $3, 'failed', $4) returning *",
        tenant_id,
        json.dumps({"client_id": "tg:42", "message": "Здравствуйте"}),
        author["id"],
        "the client blocked the bot",
    )
    command = BotCommand.model_validate({**row, "payload": json.loads(row["payload"])})
    (alert,) = await AlertService(backend, session_for(author)).failed_commands([command])
    assert (alert.client, alert.error) == ("Мария Иванова", "the client blocked the bot")
    assert await AlertService(backend, session_for(author)).failed_commands([command]) == []
    assert await AlertService(backend, session_for(colleague)).failed_commands([command]) == []


async def test_needs_staff_oldest_first_until_a_staff_message_or_the_status_changes(
    backend: Backend, db: asyncpg.Connection, tenant_id: uuid.UUID, make_user: MakeUser
) -> None:
    service = AlertService(backend, session_for(await make_user(tenant_id)))
    older = await add_session(db, tenant_id, client_name="Первая")
    newer = await add_session(db, tenant_id, client_name="Вторая")
    await hand_over(db, older["id"])
    await hand_over(db, newer["id"])
    waiting = await service.needs_staff()
    assert [n.session.client_name for n in waiting] == ["Первая", "Вторая"]
    staff = {
        "id": "cmd-1",
        "role": "staff",
        "text": "Уже здесь",
        "at": datetime.now(UTC).isoformat(),
    }
    await db.execute(
        "update public.conversation_sessions_v2 set messages = messages || $2::jsonb where id = $1",
        older["id"],
        json.dumps([staff]),
    )
    assert [n.session.client_name for n in await service.needs_staff()] == ["Вторая"]
    await db.execute(
        "update public.conversation_sessions_v2 set status = 'active' where id = $1", newer["id"]
    )
    assert await service.needs_staff() == []


async def test_the_events_feed_delivers_handoffs_live(
    devstack: DevStack,
    backend: Backend,
    db: asyncpg.Connection,
    tenant_id: uuid.UUID,
    make_user: MakeUser,
    tmp_path: Path,
) -> None:
    services = DashboardServices(
        backend=backend,
        key=SecretStr(devstack.info.service_key),
        session=session_for(await make_user(tenant_id)),
        outbox_path=tmp_path / "outbox.sqlite3",
        tuning=FAST,
    )
    seen = Recorder()
    feed = await services.watch_events(seen.on_batch, seen.on_status)
    try:
        await seen.wait_for(lambda: FeedState.live in seen.states)
        conversation = await add_session(db, tenant_id)
        await hand_over(db, conversation["id"])
        await seen.wait_for(
            lambda: any(
                e.status == "waiting_human" and e.row_id == str(conversation["id"])
                for e in seen.latest.values()
            )
        )
    finally:
        await services.close()
        await feed.stop()
