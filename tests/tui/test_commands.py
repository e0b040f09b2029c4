"""The commands tab end to end: compose, validate, confirm, send, watch the status go live,
re-send a failed command, viewers, the local outbox, refusals and hostile text."""

from __future__ import annotations

import json
import uuid
from typing import Any

import asyncpg
import pytest
from pydantic import SecretStr
from textual import events
from textual.widgets import DataTable, Static

import tui.live_data as live_data
from core.messages import ComposeMessageRequest, FeedStatusChanged
from modals.confirm import ConfirmScreen
from screens.main import MainScreen
from services.backend import Backend
from services.feeds import FeedState, FeedStatus
from tabs.commands_tab import CommandsTab
from tests.tui.conftest import FIXED_NOW, AppFactory, Salon, StackProcess, create_salon, login
from tests.tui.observed import ObservedApp
from tests.tui.screen_text import screen_text
from widgets.command_form import CommandForm
from widgets.command_history import CommandHistory
from widgets.message_area import MessageArea
from widgets.text_field import TextField

HOSTILE_NAME = "[bold]Вера[/bold] \x1b[31mred"
HOSTILE_SHOWN = "[bold]Вера[/bold] ␛[31mred"


def tab(app: ObservedApp) -> CommandsTab:
    return app.screen.query_one(CommandsTab)


def form(app: ObservedApp) -> CommandForm:
    return app.screen.query_one(CommandForm)


async def command_rows(db: asyncpg.Connection, tenant_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = await db.fetch(
        "select * from dashboard.bot_commands where tenant_id = $1 order by id", tenant_id
    )
    return [dict(row) for row in rows]


async def insert_command(salon: Salon, **fields: Any) -> int:
    values = {"command_type": "send_message", "status": "done", **fields}
    values["payload"] = json.dumps(values.get("payload", {}), ensure_ascii=False)
    columns = ", ".join(["tenant_id", *values])
    marks = ", ".join(
        f"${i}::jsonb" if name == "payload" else f"${i}"
        for i, name in enumerate(["tenant_id", *values], start=1)
    )
    command_id: int = await salon.db.fetchval(
        f"insert into dashboard.bot_commands ({columns}) values ({marks}) returning id",
        salon.tenant_id,
        *values.values(),
    )
    return command_id


async def shows(app: ObservedApp, *texts: str) -> None:
    """Until every text is on screen (after the repaint that follows a state change)."""
    await app.wait_for(lambda: all(text in screen_text(app) for text in texts))


def notified(app: ObservedApp, text: str) -> bool:
    return any(text in notification.message for notification in app._notifications)


async def open_tab(pilot: Any, salon: Salon, role: str = "operator") -> ObservedApp:
    app = pilot.app
    await login(pilot, salon.users[role])
    await pilot.press("3")
    await app.wait_for(
        lambda: isinstance(app.screen, MainScreen) and app.screen.active_tab == "commands"
    )
    return app  # type: ignore[no-any-return]


async def test_compose_validate_confirm_send_and_watch_it_reach_done(
    make_app: AppFactory, salon: Salon
) -> None:
    conversation = await salon.add_session(client_name=HOSTILE_NAME)
    client_id = conversation["client_id"]
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await open_tab(pilot, salon)
        statuses: list[str] = []
        history = app.screen.query_one(CommandHistory)
        original = history._status_cell

        def spy(command: Any) -> Any:  # what the history puts on screen, in order
            statuses.append(command.status)
            return original(command)

        history._status_cell = spy  # type: ignore[method-assign]

        app.post_message(ComposeMessageRequest(client_id, HOSTILE_NAME, None))
        await app.wait_for(lambda: HOSTILE_SHOWN in screen_text(app))  # literally, as typed
        assert form(app).draft().client_id == client_id
        assert app.focused is app.screen.query_one(MessageArea)

        await pilot.press("ctrl+s")  # empty text: the message sits on the text field
        await shows(app, "Write the message first")
        assert form(app).error_text("message") == "Write the message first: it is empty."
        assert not isinstance(app.screen, ConfirmScreen)
        assert await command_rows(salon.db, salon.tenant_id) == []

        await pilot.press(*"Ждём вас в 15:00")
        assert form(app).error_text("message") == "", "typing clears the error"
        await pilot.press("ctrl+s")
        await app.wait_for(lambda: isinstance(app.screen, ConfirmScreen))
        question = screen_text(app)
        assert HOSTILE_SHOWN in question and "Ждём вас в 15:00" in question
        await pilot.press("y")

        await app.wait_for(lambda: "done" in screen_text(app))
        assert statuses[0] == "pending" and statuses[-1] == "done"
        assert form(app).draft().message == "", "the form is cleared after sending"
        rows = await command_rows(salon.db, salon.tenant_id)
        assert len(rows) == 1 and rows[0]["status"] == "done"
        assert json.loads(rows[0]["payload"])["message"] == "Ждём вас в 15:00"
        assert HOSTILE_SHOWN in screen_text(app), "the history shows the name literally"


async def test_cancel_at_the_confirmation_writes_nothing_and_keeps_the_text(
    make_app: AppFactory, salon: Salon
) -> None:
    conversation = await salon.add_session()
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_tab(pilot, salon)
        app.screen.compose_message(ComposeMessageRequest(conversation["client_id"], "Анна", None))
        await pilot.press(*"Перенесём?", "ctrl+s")
        await app.wait_for(lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        await app.wait_for(lambda: isinstance(app.screen, MainScreen))
        assert form(app).draft().message == "Перенесём?"
        assert await command_rows(salon.db, salon.tenant_id) == []


async def test_message_from_elsewhere_lands_on_the_tab_with_the_client_filled(
    make_app: AppFactory, salon: Salon
) -> None:
    conversation = await salon.add_session(client_name="Ольга Смирнова")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["operator"])
        main = app.screen
        assert isinstance(main, MainScreen) and main.active_tab == "wishlist"
        main.compose_message(
            ComposeMessageRequest(
                conversation["client_id"], "Ольга Смирнова", str(conversation["id"])
            )
        )
        await app.wait_for(lambda: main.active_tab == "commands")
        draft = form(app).draft()
        assert draft.command_type == "send_message"
        assert draft.client_id == conversation["client_id"]
        assert draft.session_id == str(conversation["id"])
        await shows(app, "Ольга Смирнова")
        assert app.focused is app.screen.query_one(MessageArea)


async def test_viewer_sees_the_history_but_cannot_send(make_app: AppFactory, salon: Salon) -> None:
    conversation = await salon.add_session(client_name="Клиентка Истории")
    await insert_command(
        salon, payload={"client_id": conversation["client_id"], "message": "Привет"}
    )
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_tab(pilot, salon, "viewer")
        await shows(app, "Клиентка Истории", "Your role (viewer) lets you read the history")
        text = screen_text(app)
        assert "^s Send" not in text and "r Re-send" not in text
        assert app.screen.query_one("#composer-fields").disabled
        app.screen.compose_message(ComposeMessageRequest(conversation["client_id"], None, None))
        await pilot.press(*"hello", "ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen)
        assert len(await command_rows(salon.db, salon.tenant_id)) == 1


async def test_read_only_mode_says_why_and_role_changes_are_followed(
    make_app: AppFactory, salon: Salon
) -> None:
    app = make_app(read_only=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_tab(pilot, salon)
        await shows(app, "read-only (--read-only)")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await open_tab(pilot, salon)
        assert not app.screen.query_one("#composer-fields").disabled
        await salon.db.execute(
            "update dashboard.users set role = 'viewer' where email = $1", salon.users["operator"]
        )
        await app.wait_for(lambda: app.screen.query_one("#composer-fields").disabled, 10)
        await shows(app, "Your role (viewer)")


async def test_a_failed_command_shows_its_error_and_r_sends_it_again(
    make_app: AppFactory, salon: Salon
) -> None:
    conversation = await salon.add_session(client_name="Жанна")
    failed_id = await insert_command(
        salon,
        status="failed",
        error="interrupted: the bot restarted while performing this command",
        payload={"client_id": conversation["client_id"], "message": "Ваша запись подтверждена"},
    )
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_tab(pilot, salon)
        await app.wait_for(lambda: "interrupted: the bot restarted" in screen_text(app))
        assert app.focused is app.screen.query_one("#history-table", DataTable)
        await pilot.press("r")
        await app.wait_for(lambda: isinstance(app.screen, ConfirmScreen))
        assert f"Send command #{failed_id}" in screen_text(app)
        await pilot.press("y")
        await app.wait_for(lambda: len(app.screen.query_one(CommandHistory).commands) == 2)
        history = app.screen.query_one(CommandHistory)
        await app.wait_for(lambda: any(c.status == "done" for c in history.commands.values()))
        # The row shows the status as a mark (the word would cut the client's name at 80).
        done = next(c for c in history.commands.values() if c.status == "done")
        assert str(history.table.get_cell(done.key, "status")) == "✓"
        rows = await command_rows(salon.db, salon.tenant_id)
        assert [row["status"] for row in rows] == ["failed", "done"]
        assert json.loads(rows[1]["payload"])["message"] == "Ваша запись подтверждена"


@pytest.mark.parametrize("back_online", ["a feed batch", "a feed live again"])
async def test_offline_send_waits_locally_and_reaches_the_database_once(
    make_app: AppFactory,
    salon: Salon,
    tui_stack: StackProcess,
    back_online: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # No periodic retry within the test: only the sign of the backend's return may send.
    monkeypatch.setattr(live_data, "OUTBOX_RETRY_SECONDS", 3600.0)
    conversation = await salon.add_session()
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_tab(pilot, salon)
        services = app.ctx.require_services()
        online = services.commands.backend
        # A backend nobody listens on: the network fails like a dropped Wi-Fi.
        dead = await Backend.open("http://127.0.0.1:9", SecretStr(tui_stack.service_key))
        services.commands.backend = dead
        try:
            app.screen.compose_message(
                ComposeMessageRequest(conversation["client_id"], "Анна", None)
            )
            await pilot.press(*"Сообщение без сети", "ctrl+s")
            await app.wait_for(lambda: isinstance(app.screen, ConfirmScreen))
            await pilot.press("y")
            await shows(app, "1 command waiting")
            assert notified(app, "waits on this computer and will be sent automatically")
            assert form(app).draft().message == ""
            assert await command_rows(salon.db, salon.tenant_id) == []
        finally:
            services.commands.backend = online
            await dead.close()
        # Either sign that the backend answers makes the app send what waited, at once.
        if back_online == "a feed batch":
            await salon.add_wish()
        else:
            live = FeedStatus(FeedState.live, since=FIXED_NOW)
            app.post_message(FeedStatusChanged("wishlist", live))
        await app.wait_for(lambda: "✉" not in screen_text(app))
        await app.wait_for(lambda: "Сообщение без сети" in screen_text(app))
        rows = await command_rows(salon.db, salon.tenant_id)
        assert len(rows) == 1
        assert (await services.commands.flush()).sent == []
        assert len(await command_rows(salon.db, salon.tenant_id)) == 1


async def test_another_salons_client_is_refused_on_the_field_and_nothing_is_written(
    make_app: AppFactory, salon: Salon
) -> None:
    other = await create_salon(salon.db)
    theirs = await other.add_session()
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await open_tab(pilot, salon)
        app.screen.compose_message(ComposeMessageRequest(theirs["client_id"], None, None))
        await pilot.press(*"Чужой клиент", "ctrl+s")
        await app.wait_for(lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await app.wait_for(lambda: form(app).error_text("client_id") != "")
        assert (
            form(app).error_text("client_id") == "No conversation with this client in your salon."
        )
        await shows(app, "No conversation with")
        assert form(app).draft().message == "Чужой клиент", "nothing typed is lost"
    assert await command_rows(salon.db, salon.tenant_id) == []
    assert await command_rows(salon.db, other.tenant_id) == []


async def test_a_megabyte_paste_and_bad_fields_get_messages_and_nothing_is_sent(
    make_app: AppFactory, salon: Salon
) -> None:
    conversation = await salon.add_session()
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_tab(pilot, salon)
        app.screen.compose_message(ComposeMessageRequest(conversation["client_id"], None, None))
        area = app.screen.query_one(MessageArea)
        area.post_message(events.Paste("я" * 1_048_576))
        await app.wait_for(lambda: form(app).error_text("message") != "")
        assert "1,048,576 characters" in form(app).error_text("message")
        assert area.text == ""
        area.load_text("x" * 4097)
        await pilot.press("ctrl+s")
        await app.wait_for(lambda: "4,097 characters" in form(app).error_text("message"))
        area.load_text("ok")
        app.screen.query_one("#field-session_id", TextField).value = "not-a-uuid"
        await pilot.press("ctrl+s")
        await app.wait_for(lambda: "expected a UUID" in form(app).error_text("session_id"))
        assert not isinstance(app.screen, ConfirmScreen)
    assert await command_rows(salon.db, salon.tenant_id) == []


async def test_the_counter_changes_in_the_call_that_edits_the_text(
    make_app: AppFactory, salon: Salon
) -> None:
    # So it is drawn in the same frame as the character; a Changed message ran after it.
    conversation = await salon.add_session()
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_tab(pilot, salon)
        app.screen.compose_message(ComposeMessageRequest(conversation["client_id"], None, None))
        await pilot.pause()
        area = app.screen.query_one(MessageArea)
        counter = app.screen.query_one("#message-counter", Static)
        area.insert("ab")
        assert str(counter.content) == "2 / 4,096"
        area.action_delete_left()
        assert str(counter.content) == "1 / 4,096"


async def test_older_commands_are_paged_in_at_the_end_of_the_history(
    make_app: AppFactory, salon: Salon
) -> None:
    await salon.db.execute(
        "insert into dashboard.bot_commands"
        " (tenant_id, command_type, payload, status, created_at, updated_at)"
        " select $1, 'pause_bot', jsonb_build_object('session_id', gen_random_uuid()::text),"
        " 'done', now() - make_interval(hours => g), now() - make_interval(hours => g)"
        " from generate_series(1, 230) g",
        salon.tenant_id,
    )
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await open_tab(pilot, salon)
        history = app.screen.query_one(CommandHistory)
        await app.wait_for(lambda: len(history.commands) == 200)
        assert history.paging == "more"
        await pilot.press("ctrl+end")  # DataTable: the cursor to the last row
        await app.wait_for(lambda: len(history.commands) == 230)
        await shows(app, "230 in all")
