"""A worker that raises is never silent (issue 15): one test per worker group.

Each test makes one service call raise an error the worker does not expect (RuntimeError), then
checks the three things tui/worker_failures.py promises: the user reads what failed in plain
words, the state the worker held is reset (the action works again), and the traceback is in
the log file (tui/logs.py, the secret in the error's text masked), not on the screen.

Groups (`group=` of each worker) and their tests: backend and login → connection_and_login;
feeds; outbox; logout; unlock; wishlist-older; wishlist-entry; sessions-list; thread-feed;
commands-resend; commands-older; commands-names → name_lookups; composer-presence → presence;
analytics; analytics-bot → analytics_bot_section; analytics-export; staff-load and staff-change
→ staff; audit-load → audit; own-password; alerts (needs-staff shares its code path);
bot-health; commands-send, which catches every error itself (so does thread-command: tests/
tui/test_outbox_damage.py). The *-stop workers only close a feed on the way out.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest
from pydantic import SecretStr
from textual.widgets import DataTable, Input, Static

import services.tenant_yclients as tenant_yclients
from core.messages import ComposeMessageRequest
from modals.audit import AuditScreen
from modals.change_password import ChangePasswordScreen
from modals.confirm import ConfirmScreen
from modals.staff import StaffScreen
from modals.thread import ThreadScreen
from modals.wishlist_entry import WishlistEntryScreen
from screens.lock import LockScreen
from screens.login import LoginScreen
from screens.main import MainScreen
from services.auth import AuthService
from services.backend import Backend
from services.bot_activity import BotActivityReader
from services.bot_health import BotHealthService
from services.dashboard import DashboardServices
from services.feed_types import FeedState
from tabs.analytics_tab import AnalyticsTab, Phase
from tabs.commands_tab import CommandsTab
from tabs.sessions_tab import SessionsTab
from tabs.wishlist_tab import WishlistTab
from tests.tui.conftest import PASSWORD, AppFactory, Salon, StackProcess, built_tab, login
from tests.tui.screen_text import screen_text
from tests.tui.test_alerts import handed_over
from tests.tui.test_analytics import configure as configure_analytics
from tests.tui.test_commands import insert_command
from tui import live_data, logs, operator_alerts
from widgets.bot_figures import BotFigures
from widgets.command_history import CommandHistory

SECRET_DETAIL = "boom: password=hunter2 in a library's message"


def boom(*args: Any, **kwargs: Any) -> NoReturn:
    raise RuntimeError(SECRET_DETAIL)


async def aboom(*args: Any, **kwargs: Any) -> NoReturn:
    raise RuntimeError(SECRET_DETAIL)


def told(app: Any, what: str) -> int:
    return sum(what in str(notice.message) for notice in app._notifications)


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    """The app's log file, as `agentp` sets it up (tui/logs.py), for the length of a test."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    path = tmp_path / "agentp.log"
    logs.configure(verbose=False, log_file=path)
    try:
        yield path
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
            handler.close()
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)


def assert_logged_not_shown(app: Any, log_file: Path) -> None:
    text = log_file.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in text and "RuntimeError: boom" in text
    assert "hunter2" not in text  # masked even in the log
    shown = screen_text(app)
    assert "Traceback" not in shown and "RuntimeError" not in shown and "hunter2" not in shown
    assert not any("hunter2" in str(notice.message) for notice in app._notifications)


def errors(app: Any) -> list[str]:
    return [str(n.message) for n in app._notifications if n.severity == "error"]


def shown(app: Any, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).content)


def main_of(app: Any) -> MainScreen:
    for screen in app.screen_stack:
        if isinstance(screen, MainScreen):
            return screen
    raise AssertionError("no main screen")


async def test_wishlist_older(make_app: AppFactory, salon: Salon, log_file: Path) -> None:
    await salon.add_wish(client_name="Агата Кристи")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["operator"])
        services = app.ctx.require_services()
        services.wishlist.page = aboom  # type: ignore[method-assign]
        tab = main_of(app).query_one(WishlistTab)
        failure = "Loading the wishlist failed unexpectedly"
        await pilot.press("o")
        await app.wait_for(lambda: told(app, failure) == 1)
        assert not tab.loading_older
        # Not stuck: `o` asks again.
        await pilot.press("o")
        await app.wait_for(lambda: told(app, failure) == 2)
        assert_logged_not_shown(app, log_file)


async def test_commands_resend(make_app: AppFactory, salon: Salon, log_file: Path) -> None:
    await salon.db.execute(
        "insert into dashboard.bot_commands (tenant_id, command_type, payload, status, error) "
        "values ($1, 'pause_bot', '{\"session_id\": \"00000000-0000-0000-0000-000000000001\"}', "
        "'failed', 'the bot was down')",
        salon.tenant_id,
    )
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["operator"])
        app.ctx.require_services().commands.resend = aboom  # type: ignore[method-assign]
        await pilot.press("3")
        tab = await built_tab(app, CommandsTab)
        await app.wait_for(lambda: tab.history.selected() is not None)
        await pilot.press("r")
        await app.wait_for(lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await app.wait_for(lambda: told(app, "The commands tab failed unexpectedly") == 1)
        assert not tab.form.busy
        assert_logged_not_shown(app, log_file)


async def test_sessions_list(make_app: AppFactory, salon: Salon, log_file: Path) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["operator"])
        app.ctx.require_services().conversations.list = aboom  # type: ignore[method-assign]
        await pilot.press("2", "slash", *"Анна", "enter")
        await app.wait_for(lambda: told(app, "Loading the conversations failed unexpectedly") >= 1)
        assert not main_of(app).query_one(SessionsTab).loading
        said = "Could not load the conversations: an unexpected error"
        await app.wait_for(lambda: said in screen_text(app))
        assert_logged_not_shown(app, log_file)


async def test_analytics(
    make_app: AppFactory,
    salon: Salon,
    log_file: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The tab's worker imports it when it runs (the YClients side loads with the first load).
    monkeypatch.setattr(tenant_yclients, "load_tenant_yclients", aboom)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["operator"])
        await pilot.press("4", "r")
        tab = await built_tab(app, AnalyticsTab)
        await app.wait_for(lambda: told(app, "Loading the analytics failed unexpectedly") >= 1)
        await app.wait_for(lambda: tab.phase == Phase.failed)
        assert_logged_not_shown(app, log_file)


async def test_unlock(
    make_app: AppFactory,
    salon: Salon,
    log_file: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(AuthService, "confirm_password", aboom)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["operator"])
        await pilot.press("ctrl+l")
        await app.wait_for(lambda: isinstance(app.screen, LockScreen))
        await pilot.press(*PASSWORD, "enter")
        await app.wait_for(lambda: told(app, "Checking the password failed unexpectedly") == 1)
        field = app.screen.query_one(Input)
        await app.wait_for(lambda: not field.disabled)  # the password can be typed again
        assert isinstance(app.screen, LockScreen)
        assert_logged_not_shown(app, log_file)


async def test_thread_feed(make_app: AppFactory, salon: Salon, log_file: Path) -> None:
    await salon.add_session(client_name="Анна Петрова")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["operator"])
        app.ctx.require_services().watch_thread = aboom  # type: ignore[method-assign]
        await pilot.press("2")
        tab = await built_tab(app, SessionsTab)
        await app.wait_for(lambda: "Анна Петрова" in screen_text(app) and not tab.loading)
        await pilot.press("enter")
        await app.wait_for(lambda: isinstance(app.screen, ThreadScreen))
        await app.wait_for(lambda: told(app, "The conversation failed unexpectedly") == 1)
        said = "Could not open the conversation: an unexpected error (details are in the log"
        await app.wait_for(lambda: said in screen_text(app))
        assert len(errors(app)) == 1  # told once, by the one handler
        assert_logged_not_shown(app, log_file)


async def test_wishlist_entry(make_app: AppFactory, salon: Salon, log_file: Path) -> None:
    await salon.add_wish(client_name="Агата Кристи")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["operator"])
        conversations = app.ctx.require_services().conversations
        latest = conversations.latest_for_client
        conversations.latest_for_client = aboom  # type: ignore[method-assign]
        await app.wait_for(lambda: "Агата Кристи" in screen_text(app))
        await pilot.press("enter")
        await app.wait_for(lambda: isinstance(app.screen, WishlistEntryScreen))
        entry = app.screen
        assert isinstance(entry, WishlistEntryScreen)
        await app.wait_for(lambda: told(app, "The conversation failed unexpectedly") == 1)
        # Not "loading…" for ever: the entry says the conversation could not be loaded.
        await app.wait_for(lambda: entry.loaded)
        await app.wait_for(lambda: "The conversation could not be loaded." in screen_text(app))
        assert len(errors(app)) == 1
        assert_logged_not_shown(app, log_file)
        conversations.latest_for_client = latest  # type: ignore[method-assign]
        await pilot.press("escape")
        await app.wait_for(lambda: isinstance(app.screen, MainScreen))
        await pilot.press("enter")  # opened again, it loads
        await app.wait_for(lambda: isinstance(app.screen, WishlistEntryScreen))
        reopened = app.screen
        assert isinstance(reopened, WishlistEntryScreen)
        await app.wait_for(lambda: reopened.loaded)
        assert "could not be loaded" not in screen_text(app)


async def test_connection_and_login(
    make_app: AppFactory, salon: Salon, log_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Backend, "check", aboom)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await app.wait_for(lambda: told(app, "Connecting to the backend failed unexpectedly") == 1)
        assert app.ctx.backend is None
        # Reset as a refused connection: the login screen says so and offers the retry.
        await app.wait_for(lambda: "F5" in screen_text(app) and "unreachable" in screen_text(app))
        assert_logged_not_shown(app, log_file)
        monkeypatch.undo()
        await pilot.press("f5")
        await app.wait_for(lambda: app.ctx.backend is not None)

        # A login whose check raises: the form says so in words and takes the next try.
        monkeypatch.setattr(AuthService, "authenticate", aboom)
        app.screen.query_one("#email").focus()
        await pilot.press(*salon.users["operator"], "tab", *PASSWORD, "enter")
        await app.wait_for(lambda: "the login could not be checked" in screen_text(app))
        assert isinstance(app.screen, LoginScreen)
        assert_logged_not_shown(app, log_file)
        monkeypatch.undo()
        app.screen.query_one("#email", Input).value = ""
        await login(pilot, salon.users["operator"])


async def test_feeds(
    make_app: AppFactory, salon: Salon, log_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(DashboardServices, "watch_commands", aboom)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await app.wait_for(lambda: app.ctx.backend is not None)
        app.screen.query_one("#email").focus()
        await pilot.press(*salon.users["operator"], "tab", *PASSWORD, "enter")
        await app.wait_for(lambda: told(app, "Starting the live updates failed unexpectedly") == 1)
        # The feeds that never started show as stopped, not left out as if all were well.
        await app.wait_for(lambda: "○ commands, sessions" in screen_text(app))
        assert app.ctx.feed_status["commands"].state == FeedState.stopped
        assert_logged_not_shown(app, log_file)
        monkeypatch.undo()
        await pilot.press("ctrl+o")
        await app.wait_for(lambda: isinstance(app.screen, LoginScreen))
        app.screen.query_one("#email", Input).value = ""
        await login(pilot, salon.users["operator"])  # every feed live again


async def test_outbox(
    make_app: AppFactory,
    salon: Salon,
    tui_stack: StackProcess,
    log_file: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(live_data, "OUTBOX_RETRY_SECONDS", 3600.0)  # only feed batches kick it
    conversation = await salon.add_session()
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["operator"])
        await pilot.press("3")
        services = app.ctx.require_services()
        # Sent while the network is down, it waits in the outbox.
        online = services.commands.backend
        dead = await Backend.open("http://127.0.0.1:9", SecretStr(tui_stack.service_key))
        services.commands.backend = dead
        try:
            main_of(app).post_message(
                ComposeMessageRequest(conversation["client_id"], "Анна", None)
            )
            await pilot.press(*"Из очереди", "ctrl+s")
            await app.wait_for(lambda: isinstance(app.screen, ConfirmScreen))
            await pilot.press("y")
            await app.wait_for(lambda: "1 command waiting" in screen_text(app))
        finally:
            services.commands.backend = online
            await dead.close()
        flush = services.commands.flush
        services.commands.flush = aboom  # type: ignore[method-assign]
        await salon.add_wish()  # a feed batch: the backend answers, so the outbox is sent
        failure = "Sending the queued commands failed unexpectedly"
        await app.wait_for(lambda: told(app, failure) == 1)
        assert app.ctx.outbox_waiting == 1 and "1 command waiting" in screen_text(app)
        assert_logged_not_shown(app, log_file)
        services.commands.flush = flush  # type: ignore[method-assign]
        await salon.add_wish()  # the next batch sends it
        await app.wait_for(lambda: app.ctx.outbox_waiting == 0)
        await app.wait_for(lambda: "Из очереди" in screen_text(app))


async def test_logout(
    make_app: AppFactory, salon: Salon, log_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["operator"])
        monkeypatch.setattr(AuthService, "logout", aboom)
        await pilot.press("ctrl+o")
        await app.wait_for(lambda: told(app, "Logging out failed unexpectedly") == 1)
        # The session was dropped before the error: the way out ends at the login screen.
        await app.wait_for(lambda: isinstance(app.screen, LoginScreen))
        assert app.ctx.session is None and len(app.screen_stack) == 1
        assert_logged_not_shown(app, log_file)
        monkeypatch.undo()
        app.screen.query_one("#email", Input).value = ""
        await login(pilot, salon.users["operator"])


async def test_staff(make_app: AppFactory, salon: Salon, log_file: Path) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["admin"])
        users = app.ctx.require_services().users
        staff = users.staff
        users.staff = aboom  # type: ignore[method-assign]
        await pilot.press("f7")
        failure = "The staff list failed unexpectedly"
        await app.wait_for(lambda: told(app, failure) == 1)
        # Not "Loading…" for ever: the screen says it failed.
        await app.wait_for(lambda: failure in shown(app, "#staff-info"))
        assert_logged_not_shown(app, log_file)
        users.staff = staff  # type: ignore[method-assign]
        await pilot.press("escape")
        await app.wait_for(lambda: isinstance(app.screen, MainScreen))
        await pilot.press("f7")
        await app.wait_for(lambda: isinstance(app.screen, StaffScreen) and app.screen.loaded)
        screen = app.screen
        assert isinstance(screen, StaffScreen)

        # A change that raises after it was made: the list is read again and shows it.
        set_active = users.set_active

        async def half_done(email: str, active: bool) -> NoReturn:
            await set_active(email, active)
            raise RuntimeError(SECRET_DETAIL)

        users.set_active = half_done  # type: ignore[method-assign]
        viewer = salon.users["viewer"]
        row = next(i for i, m in enumerate(screen.members) if m.user.email == viewer)
        screen.query_one(DataTable).move_cursor(row=row)
        await pilot.press("d")
        await app.wait_for(lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await app.wait_for(lambda: told(app, failure) == 2)
        await app.wait_for(
            lambda: any(m.user.email == viewer and not m.user.active for m in screen.members)
        )
        assert_logged_not_shown(app, log_file)


async def test_audit(make_app: AppFactory, salon: Salon, log_file: Path) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["admin"])
        audit = app.ctx.require_services().audit
        page = audit.page
        audit.page = aboom  # type: ignore[method-assign]
        await pilot.press("f8")
        failure = "The audit log failed unexpectedly"
        await app.wait_for(lambda: told(app, failure) == 1)
        await app.wait_for(lambda: failure in shown(app, "#audit-info"))
        screen = app.screen
        assert isinstance(screen, AuditScreen) and not screen.loaded
        assert_logged_not_shown(app, log_file)
        audit.page = page  # type: ignore[method-assign]
        await pilot.press("g")  # asks again
        await app.wait_for(lambda: screen.loaded and "page 1" in shown(app, "#audit-info"))
        assert screen.entries  # the admin's own login, at least


async def test_own_password(make_app: AppFactory, salon: Salon, log_file: Path) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["operator"])
        services = app.ctx.require_services()
        change = services.change_own_password
        services.change_own_password = aboom  # type: ignore[method-assign]
        await pilot.press("f6")
        await app.wait_for(lambda: isinstance(app.screen, ChangePasswordScreen))
        form = app.screen
        assert isinstance(form, ChangePasswordScreen)
        await pilot.press(*PASSWORD, "enter", *"новый пароль 1", "enter", *"новый пароль 1")
        await pilot.press("ctrl+s")
        failure = "Changing your password failed unexpectedly"
        await app.wait_for(lambda: told(app, failure) == 1)
        # Not stuck on "Saving…": the form says what failed and Ctrl+S saves again.
        await app.wait_for(lambda: not form.busy and failure in form.error)
        assert "Saving…" not in screen_text(app)
        assert_logged_not_shown(app, log_file)
        services.change_own_password = change  # type: ignore[method-assign]
        await pilot.press("ctrl+s")
        await app.wait_for(lambda: isinstance(app.screen, MainScreen))
        await app.wait_for(lambda: told(app, "Password changed.") == 1)


async def test_presence(make_app: AppFactory, salon: Salon, log_file: Path) -> None:
    conversation = await salon.add_session()
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["operator"])
        services = app.ctx.require_services()
        services.watch_presence = aboom  # type: ignore[method-assign]
        main_of(app).post_message(
            ComposeMessageRequest(conversation["client_id"], "Анна", str(conversation["id"]))
        )
        failure = "Showing who else has the conversation open failed unexpectedly"
        await app.wait_for(lambda: told(app, failure) == 1)
        assert_logged_not_shown(app, log_file)
        # Who else looks is a nicety: the message is still written and sent.
        await pilot.press(*"Всё равно отправлено", "ctrl+s")
        await app.wait_for(lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await app.wait_for(lambda: "Всё равно отправлено" in screen_text(app))
        tab = main_of(app).query_one(CommandsTab)
        await app.wait_for(lambda: not tab.form.busy)


async def test_name_lookups(make_app: AppFactory, salon: Salon, log_file: Path) -> None:
    conversation = await salon.add_session(client_name="Анна Петрова")
    client = conversation["client_id"]
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["operator"])
        await pilot.press("3")
        conversations = app.ctx.require_services().conversations
        names = conversations.names
        conversations.names = aboom  # type: ignore[method-assign]
        await insert_command(salon, payload={"client_id": client, "message": "Первое"})
        await app.wait_for(lambda: told(app, "The commands tab failed unexpectedly") == 1)
        await app.wait_for(lambda: client in screen_text(app))  # the id, for now
        assert_logged_not_shown(app, log_file)
        conversations.names = names  # type: ignore[method-assign]
        # Not marked as asked for ever: the next batch asks again, and the name shows.
        await insert_command(salon, payload={"client_id": client, "message": "Второе"})
        await app.wait_for(lambda: "Анна Петрова" in screen_text(app))


async def test_analytics_export(make_app: AppFactory, salon: Salon, log_file: Path) -> None:
    await configure_analytics(salon)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["viewer"])
        await pilot.press("4")
        tab = await built_tab(app, AnalyticsTab)
        await app.wait_for(lambda: tab.phase == Phase.ready)
        # tabs/analytics_export.py imports it when it exports (the YClients side loads lazily).
        original = tenant_yclients.export_csv
        tenant_yclients.export_csv = boom  # type: ignore[assignment]
        try:
            await pilot.press("e")
            await app.wait_for(lambda: told(app, "Exporting the figures failed unexpectedly") == 1)
        finally:
            tenant_yclients.export_csv = original
        assert tab.last_export is None
        assert_logged_not_shown(app, log_file)
        await pilot.press("e")  # nothing held: the next export works
        await app.wait_for(lambda: tab.last_export is not None)


async def test_alerts(make_app: AppFactory, salon: Salon, log_file: Path) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["operator"])
        alerts = app.ctx.require_services().alerts
        handoffs = alerts.handoffs
        alerts.handoffs = aboom  # type: ignore[method-assign]
        await handed_over(app, salon, client_name="Вера")
        failure = "Checking for conversations handed to staff failed unexpectedly"
        await app.wait_for(lambda: told(app, failure) == 1)
        assert_logged_not_shown(app, log_file)
        alerts.handoffs = handoffs  # type: ignore[method-assign]
        await handed_over(app, salon, client_name="Зоя")
        await app.wait_for(lambda: any(n.message.startswith("Зоя") for n in app._notifications))


async def test_bot_health(
    make_app: AppFactory, salon: Salon, log_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(operator_alerts, "HEALTH_EVERY_SECONDS", 0.2)
    monkeypatch.setattr(BotHealthService, "check", aboom)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["operator"])
        failure = "Checking that the bot takes commands failed unexpectedly"
        await app.wait_for(lambda: told(app, failure) >= 1)
        assert app.ctx.bot_health is None
        # It fails at every check: logged each time, told once (not every 15 s all day).
        await app.wait_for(lambda: log_file.read_text().count("group 'bot-health'") >= 3)
        assert told(app, failure) == 1
        assert_logged_not_shown(app, log_file)
        monkeypatch.undo()
        # The next check is not held back by the one that raised.
        await app.wait_for(lambda: app.ctx.bot_health is not None)
        await app.wait_for(lambda: "bot ✓" in screen_text(app))


async def test_commands_older(make_app: AppFactory, salon: Salon, log_file: Path) -> None:
    await salon.db.execute(
        "insert into dashboard.bot_commands"
        " (tenant_id, command_type, payload, status, created_at, updated_at)"
        " select $1, 'pause_bot', jsonb_build_object('session_id', gen_random_uuid()::text),"
        " 'done', now() - make_interval(hours => g), now() - make_interval(hours => g)"
        " from generate_series(1, 210) g",
        salon.tenant_id,
    )
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await login(pilot, salon.users["operator"])
        await pilot.press("3")
        history = main_of(app).query_one(CommandHistory)
        await app.wait_for(lambda: len(history.commands) == 200 and history.paging == "more")
        commands = app.ctx.require_services().commands
        page = commands.history
        commands.history = aboom  # type: ignore[method-assign]
        history.table.focus()
        await pilot.press("ctrl+end")  # the last row asks for older ones
        await app.wait_for(lambda: told(app, "The commands tab failed unexpectedly") == 1)
        await app.wait_for(lambda: history.paging == "more")  # not "loading" for ever
        assert_logged_not_shown(app, log_file)
        commands.history = page  # type: ignore[method-assign]
        await pilot.press("up", "ctrl+end")
        await app.wait_for(lambda: len(history.commands) == 210)


async def test_analytics_bot_section(
    make_app: AppFactory, salon: Salon, log_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(BotActivityReader, "report", aboom)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["viewer"])
        await pilot.press("4")
        section = main_of(app).query_one(BotFigures)
        failure = "Loading the analytics failed unexpectedly"
        await app.wait_for(lambda: told(app, failure) == 1)
        await app.wait_for(lambda: failure in str(section.render()))  # not "loading…"
        assert_logged_not_shown(app, log_file)
        monkeypatch.undo()
        await pilot.press("r")
        await app.wait_for(lambda: section.report is not None)


async def test_commands_send(make_app: AppFactory, salon: Salon, log_file: Path) -> None:
    conversation = await salon.add_session()
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["operator"])
        await pilot.press("3")
        commands = app.ctx.require_services().commands
        enqueue = commands.enqueue
        commands.enqueue = aboom  # type: ignore[method-assign]
        main_of(app).post_message(ComposeMessageRequest(conversation["client_id"], "Анна", None))
        await pilot.press(*"Не потеряется", "ctrl+s")
        await app.wait_for(lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        # The send catches it itself: plain words, the text kept, the form not "Sending…".
        await app.wait_for(lambda: told(app, "Could not send: an unexpected error (details") == 1)
        tab = main_of(app).query_one(CommandsTab)
        await app.wait_for(lambda: not tab.form.busy)
        assert tab.form.draft().message == "Не потеряется"
        assert_logged_not_shown(app, log_file)
        commands.enqueue = enqueue  # type: ignore[method-assign]
        await pilot.press("ctrl+s")
        await app.wait_for(lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await app.wait_for(lambda: tab.form.draft().message == "" and not tab.form.busy)
