"""The operator's alerts in the app: hand-offs, failed commands, the bot's health."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from textual.widgets import TabbedContent

from screens.main import MainScreen
from services.bot_health import BotState
from services.feeds import FeedState
from tabs.sessions_tab import SessionsTab
from tests.chaos.faults import FaultInjector
from tests.tui.conftest import AppFactory, Salon, StackProcess, built_tab, login
from tests.tui.observed import ObservedApp


class Seen:
    """The bell and notifications of an app under test."""

    def __init__(self, app: ObservedApp, monkeypatch: pytest.MonkeyPatch) -> None:
        self.rings = 0
        self.notes: list[tuple[str, str]] = []
        app.ctx.settings.bell = True

        def bell() -> None:
            self.rings += 1

        def notify(message: str, *, title: str = "", **_: Any) -> None:
            self.notes.append((title, message))

        monkeypatch.setattr(app, "bell", bell)
        monkeypatch.setattr(app, "notify", notify)


def badge(app: ObservedApp) -> str:
    return app.screen.query_one(TabbedContent).get_tab("sessions").label.plain


async def handed_over(app: ObservedApp, salon: Salon, **fields: Any) -> dict[str, Any]:
    await app.wait_for(lambda: app.live.alerts.events_live, 20)
    conversation = await salon.add_session(**fields)
    await salon.db.execute(
        "update public.conversation_sessions_v2 set status = 'waiting_human' where id = $1",
        conversation["id"],
    )
    return conversation


async def test_a_handoff_rings_once_and_not_again_after_a_forced_reconnect(
    make_app: AppFactory, salon: Salon, tui_stack: StackProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    seen = Seen(app, monkeypatch)
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["operator"])
        await handed_over(
            app,
            salon,
            client_name="[bold]Анна[/bold]",
            messages=[{"id": "m1", "role": "client", "text": "Позовите администратора"}],
        )
        await app.wait_for(lambda: seen.rings == 1 and seen.notes, 20)
        title, text = seen.notes[0]
        assert title == "A client is waiting for staff"
        assert text == "[bold]Анна[/bold]: Позовите администратора"  # literal, never markup
        await app.wait_for(lambda: badge(app) == "Sessions ●1", 20)

        faults = FaultInjector(tui_stack.url, tui_stack.service_key)
        try:
            await faults.inject("drop-sockets")
        finally:
            await faults.aclose()
        await app.wait_for(lambda: app.ctx.feed_status["sessions"].state != FeedState.live, 20)
        await app.wait_for(
            lambda: (
                app.live.alerts.events_live
                and all(s.state == FeedState.live for s in app.ctx.feed_status.values())
            ),
            30,
        )
        # A second hand-off after the reconnect proves the events flow again; the first one,
        # replayed by the catch-up, stays quiet.
        await handed_over(app, salon, client_name="Вера")
        await app.wait_for(lambda: seen.rings == 2, 20)
        await app.wait_for(lambda: badge(app) == "Sessions ●2", 20)
        assert [note[1].split(":")[0] for note in seen.notes] == ["[bold]Анна[/bold]", "Вера"]


async def test_the_badge_and_the_needs_staff_list_clear_on_a_staff_message(
    make_app: AppFactory, salon: Salon, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    Seen(app, monkeypatch)
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["operator"])
        conversation = await handed_over(app, salon, client_name="Ольга")
        await app.wait_for(lambda: badge(app) == "Sessions ●1", 20)
        await pilot.press("2", "n")
        tab = await built_tab(app, SessionsTab)
        await app.wait_for(lambda: [s.client_name for s in tab.session_list.summaries] == ["Ольга"])
        assert "waits 0 min" in str(tab.session_list.get_option_at_index(0).prompt)
        answer = {
            "id": "cmd-9",
            "role": "staff",
            "text": "Здравствуйте!",
            "at": datetime.now(UTC).isoformat(),
        }
        await salon.db.execute(
            "update public.conversation_sessions_v2 set messages = messages || $2::jsonb, "
            "last_message_at = now() where id = $1",
            conversation["id"],
            json.dumps([answer]),
        )
        await app.wait_for(lambda: badge(app) == "Sessions", 20)
        await app.wait_for(lambda: tab.session_list.summaries == [])


async def test_a_failed_command_notifies_its_author_naming_the_client(
    make_app: AppFactory, salon: Salon, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    seen = Seen(app, monkeypatch)
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["operator"])
        await salon.add_session(client_id="tg:77", client_name="Мария Иванова")
        author = await salon.db.fetchval(
            "select id from dashboard.users where email = $1", salon.users["operator"]
        )
        command = await salon.db.fetchval(
            "insert into dashboard.bot_commands (tenant_id, command_type, payload, created_by) "
            "values ($1, 'send_message', $2::jsonb, $3) returning id",
            salon.tenant_id,
            json.dumps({"client_id": "tg:77", "message": "Ждём вас"}),
            author,
        )
        await salon.db.execute(
            "update dashboard.bot_commands set status = 'failed', error = $2 where id = $1",
            command,
            "the client blocked the bot",
        )
        await app.wait_for(lambda: any(t == "Your command failed" for t, _ in seen.notes), 20)
        assert ("Your command failed", "To Мария Иванова: the client blocked the bot") in seen.notes


async def test_the_bot_health_segment_follows_the_bot_stopping_and_starting(
    make_app: AppFactory, salon: Salon, tui_stack: StackProcess
) -> None:
    app = make_app()
    app.ctx.settings.bot_pickup_seconds = 5
    faults = FaultInjector(tui_stack.url, tui_stack.service_key)

    def state() -> BotState | None:
        return app.ctx.bot_health.state if app.ctx.bot_health is not None else None

    def status_bar() -> str:
        return str(app.screen.query_one("#status").render())

    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["operator"])
        alerts = app.live.alerts
        await app.wait_for(lambda: state() == BotState.ok, 20)
        await app.wait_for(lambda: "bot ✓" in status_bar())
        try:
            await faults.inject("stop-bot")
            # The stack's bot is stopped: a command queued 10 s ago is still pending.
            conversation = await salon.add_session()
            command = await salon.db.fetchval(
                "insert into dashboard.bot_commands (tenant_id, command_type, payload, "
                "created_at) values ($1, 'pause_bot', $2::jsonb, now() - interval '10 seconds') "
                "returning id",
                salon.tenant_id,
                json.dumps({"session_id": str(conversation["id"])}),
            )
            alerts.check_health()
            await app.wait_for(lambda: state() == BotState.stalled, 20)
            assert "bot not taking commands since" in status_bar()
        finally:
            await faults.inject("start-bot")
            await faults.aclose()
        # The bot is back: it takes the command, and the next check says so.
        await app.wait_for(
            lambda: any(c.id == command and c.status != "pending" for c in commands_seen(app)),
            30,
        )
        alerts.check_health()
        await app.wait_for(lambda: state() == BotState.ok, 20)
        await app.wait_for(lambda: "bot ✓" in status_bar())


def commands_seen(app: ObservedApp) -> list[Any]:
    from tabs.commands_tab import CommandsTab

    main = app.screen
    assert isinstance(main, MainScreen)
    tab = main.tab_view("commands")
    if tab is None:  # not shown yet: the feed's batches wait in its slot (tabs/tab_slot.py)
        return [row for batch in main.slot("commands")._early_batches for row in batch.upserts]
    assert isinstance(tab, CommandsTab)
    return list(tab.history.commands.values())


async def test_an_unchanged_bot_health_redraws_nothing(
    make_app: AppFactory, salon: Salon, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The health check runs every 15 s; an idle app writes nothing to the terminal."""
    from datetime import UTC, datetime

    from core.messages import BotHealthChanged
    from screens.main import MainScreen
    from services.bot_health import BotHealth

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["operator"])
        await app.wait_for(lambda: app.ctx.bot_health is not None, 20)
        main = app.screen
        assert isinstance(main, MainScreen)
        redraws: list[None] = []
        monkeypatch.setattr(main, "refresh_status", lambda: redraws.append(None))
        same = BotHealth(BotState.ok)
        app.post_message(BotHealthChanged(same))
        await app.wait_for(lambda: app.ctx.bot_health is same)
        assert redraws == []
        stalled = BotHealth(BotState.stalled, 90.0, datetime.now(UTC))
        app.post_message(BotHealthChanged(stalled))
        await app.wait_for(lambda: app.ctx.bot_health is stalled)
        assert redraws == [None]


async def test_clients_already_waiting_at_login_badge_without_a_notification_each(
    make_app: AppFactory, salon: Salon, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A login must not bury the screen under one notification per waiting client."""
    for name in ("Первая", "Вторая", "Третья"):
        conversation = await salon.add_session(client_name=name)
        await salon.db.execute(
            "update public.conversation_sessions_v2 set status = 'waiting_human' where id = $1",
            conversation["id"],
        )
    app = make_app()
    seen = Seen(app, monkeypatch)
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["operator"])
        await app.wait_for(lambda: badge(app) == "Sessions ●3", 20)
        await app.wait_for(lambda: app.live.alerts.events_live, 20)
        # One more after login rings: the first page was receipted, not lost.
        await handed_over(app, salon, client_name="Четвёртая")
        await app.wait_for(lambda: seen.rings == 1, 20)
        assert [n[1].split(":")[0] for n in seen.notes] == ["Четвёртая"]
