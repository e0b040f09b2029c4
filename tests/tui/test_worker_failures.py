"""A worker that raises is never silent (issue 15): one test per worker group.

Each test makes one service call raise an error the worker does not expect (RuntimeError), then
checks the three things tui/worker_failures.py promises: the user reads what failed in plain
words, the state the worker held is reset (the action works again), and the traceback is in
the log, not on the screen.
"""

from __future__ import annotations

import logging
from typing import Any, NoReturn

import pytest
from textual.widgets import Input

import tabs.analytics_tab as analytics_tab
from modals.confirm import ConfirmScreen
from modals.thread import ThreadScreen
from screens.lock import LockScreen
from screens.main import MainScreen
from services.auth import AuthService
from tabs.analytics_tab import AnalyticsTab, Phase
from tabs.commands_tab import CommandsTab
from tabs.sessions_tab import SessionsTab
from tabs.wishlist_tab import WishlistTab
from tests.tui.conftest import PASSWORD, AppFactory, Salon, login
from tests.tui.screen_text import screen_text

SECRET_DETAIL = "boom: password=hunter2 in a library's message"


def boom(*args: Any, **kwargs: Any) -> NoReturn:
    raise RuntimeError(SECRET_DETAIL)


async def aboom(*args: Any, **kwargs: Any) -> NoReturn:
    raise RuntimeError(SECRET_DETAIL)


def told(app: Any, what: str) -> int:
    return sum(what in str(notice.message) for notice in app._notifications)


def logged(caplog: pytest.LogCaptureFixture) -> bool:
    return any(
        record.name == "tui.worker_failures" and record.exc_info is not None
        for record in caplog.records
    )


def main_of(app: Any) -> MainScreen:
    for screen in app.screen_stack:
        if isinstance(screen, MainScreen):
            return screen
    raise AssertionError("no main screen")


def assert_silent_screen(app: Any) -> None:
    text = screen_text(app)
    assert "Traceback" not in text and "hunter2" not in text


async def test_wishlist_older(
    make_app: AppFactory, salon: Salon, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)
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
        assert logged(caplog)
        assert_silent_screen(app)


async def test_commands_resend(
    make_app: AppFactory, salon: Salon, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)
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
        main = main_of(app)
        tab = main.query_one(CommandsTab)
        await pilot.press("3")
        await app.wait_for(lambda: tab.history.selected() is not None)
        await pilot.press("r")
        await app.wait_for(lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await app.wait_for(lambda: told(app, "The commands tab failed unexpectedly") == 1)
        assert not tab.form.busy
        assert logged(caplog)
        assert_silent_screen(app)


async def test_sessions_list(
    make_app: AppFactory, salon: Salon, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["operator"])
        app.ctx.require_services().conversations.list = aboom  # type: ignore[method-assign]
        await pilot.press("2", "slash", *"Анна", "enter")
        await app.wait_for(lambda: told(app, "Loading the conversations failed unexpectedly") >= 1)
        assert not main_of(app).query_one(SessionsTab).loading
        assert logged(caplog)
        assert_silent_screen(app)


async def test_analytics(
    make_app: AppFactory,
    salon: Salon,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.ERROR)
    monkeypatch.setattr(analytics_tab, "load_tenant_yclients", aboom)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["operator"])
        await pilot.press("4", "r")
        tab = main_of(app).query_one(AnalyticsTab)
        await app.wait_for(lambda: told(app, "Loading the analytics failed unexpectedly") >= 1)
        await app.wait_for(lambda: tab.phase == Phase.failed)
        assert logged(caplog)
        assert_silent_screen(app)


async def test_unlock(
    make_app: AppFactory,
    salon: Salon,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.ERROR)
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
        assert logged(caplog)
        assert_silent_screen(app)


async def test_thread_feed(
    make_app: AppFactory, salon: Salon, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)
    await salon.add_session(client_name="Анна Петрова")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["operator"])
        app.ctx.require_services().watch_thread = aboom  # type: ignore[method-assign]
        await pilot.press("2")
        tab = main_of(app).query_one(SessionsTab)
        await app.wait_for(lambda: "Анна Петрова" in screen_text(app) and not tab.loading)
        await pilot.press("enter")
        await app.wait_for(lambda: isinstance(app.screen, ThreadScreen))
        await app.wait_for(lambda: told(app, "The conversation failed unexpectedly") == 1)
        await app.wait_for(lambda: "The conversation" in screen_text(app))
        assert logged(caplog)
        assert_silent_screen(app)
