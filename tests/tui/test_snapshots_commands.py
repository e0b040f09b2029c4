"""Snapshots of the commands tab: an operator at 80×24 and 120×40, a viewer's disabled composer.

The data is fixed (a salon with a fixed name, conversations with fixed ids, commands with fixed
timestamps in final states the bot never touches again) and written once per test run.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from textual.pilot import Pilot

from screens.main import MainScreen
from tests.tui.conftest import AppFactory, StackProcess, create_salon, login
from tests.tui.observed import ObservedApp
from tests.tui.screen_text import screen_text

SALON_NAME = "Салон «CmdSnap»"  # the Latin part makes the users' emails unique
CLIENTS = (
    # conversation id, client id, name (one with markup, shown literally)
    ("00000000-0000-4000-8000-000000000101", "tg:1001", "Мария Иванова"),
    ("00000000-0000-4000-8000-000000000102", "tg:1002", "[bold]Ольга[/bold] К."),
    ("00000000-0000-4000-8000-000000000103", "wa:79120000003", "Светлана"),
)
DAY = datetime(2026, 11, 26, 5, 0, tzinfo=UTC)
COMMANDS: tuple[tuple[timedelta, str, dict[str, Any], str, str | None], ...] = (
    (
        timedelta(days=-1, hours=10),
        "send_message",
        {
            "client_id": "tg:1001",
            "message": "Напоминаем о записи завтра в 10:00",
            "author": "Ольга",
        },
        "done",
        None,
    ),
    (
        timedelta(hours=1),
        "pause_bot",
        {"session_id": CLIENTS[2][0]},
        "done",
        None,
    ),
    (
        timedelta(hours=2),
        "send_message",
        {"client_id": "tg:1002", "message": "Окно на 17:30 свободно", "author": "Ольга"},
        "failed",
        "interrupted: the bot restarted while performing this command; check the conversation",
    ),
    (
        timedelta(hours=3, minutes=15),
        "handoff_to_human",
        {"session_id": CLIENTS[1][0], "note": "Просит скидку"},
        "done",
        None,
    ),
    (
        timedelta(hours=4),
        "send_message",
        {"client_id": "tg:1001", "message": "Мастер ждёт вас в 12:00.\nАдрес: ул. Ленина, 5"},
        "done",
        None,
    ),
)


FIRST_COMMAND_ID = 900_001


async def _prepare(database_url: str) -> dict[str, str]:
    db = await asyncpg.connect(database_url)
    try:
        salon = await create_salon(db, name=SALON_NAME)
        if await db.fetchval(
            "select count(*) from dashboard.bot_commands where tenant_id = $1", salon.tenant_id
        ):
            return salon.users
        for session_id, client_id, name in CLIENTS:
            await salon.add_session(id=uuid.UUID(session_id), client_id=client_id, client_name=name)
        for index, (offset, command_type, payload, status, error) in enumerate(COMMANDS):
            at = DAY + offset
            # Fixed ids: the picture shows them, and the sequence depends on what ran before.
            await db.execute(
                "insert into dashboard.bot_commands (id, tenant_id, command_type, payload, status,"
                " error, created_at, updated_at, processed_at)"
                " values ($8, $1, $2, $3::jsonb, $4, $5, $6, $7, $7)",
                salon.tenant_id,
                command_type,
                json.dumps(payload, ensure_ascii=False),
                status,
                error,
                at,
                at + timedelta(seconds=3),
                FIRST_COMMAND_ID + index,
            )
        return salon.users
    finally:
        await db.close()


@pytest.fixture
def snapshot_salon(tui_stack: StackProcess) -> dict[str, str]:
    """The fixed salon's users by role (the snapshot tests are sync: their own event loop)."""
    return asyncio.run(_prepare(tui_stack.database_url))


def open_commands(email: str) -> Any:
    async def run_before(pilot: Pilot[Any]) -> None:
        app = pilot.app
        assert isinstance(app, ObservedApp)
        await login(pilot, email)
        await pilot.press("3")
        await app.wait_for(
            lambda: isinstance(app.screen, MainScreen) and app.screen.active_tab == "commands"
        )
        # Names of the clients resolve in the background: wait until every row shows one.
        await app.wait_for(
            lambda: all(name[:6] in screen_text(app) for name in ("Светлана", "Мария Иванова"))
        )
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_commands_tab_for_an_operator(
    snap_compare: Any, make_app: AppFactory, snapshot_salon: dict[str, str], size: tuple[int, int]
) -> None:
    app = make_app()
    assert snap_compare(
        app, run_before=open_commands(snapshot_salon["operator"]), terminal_size=size
    )


def test_commands_tab_for_a_viewer_says_why_the_composer_is_disabled(
    snap_compare: Any, make_app: AppFactory, snapshot_salon: dict[str, str]
) -> None:
    app = make_app()
    assert snap_compare(
        app, run_before=open_commands(snapshot_salon["viewer"]), terminal_size=(80, 24)
    )
