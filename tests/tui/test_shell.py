"""The shell of the app: login, lock, logout, account changes, help, languages."""

from __future__ import annotations

import pytest
from textual.command import CommandPalette
from textual.widgets import DataTable, Input, Static

import tui.session_lifecycle as session_lifecycle
from core.i18n import set_language
from modals.help import HelpScreen
from screens.lock import LockScreen
from screens.login import LoginScreen
from screens.main import MainScreen
from services.feeds import FeedState, FeedStatus
from tests.tui.conftest import FIXED_NOW, AppFactory, Salon, StackProcess, login
from tests.tui.observed import ObservedApp
from tests.tui.screen_text import screen_text
from widgets.status_bar import StatusInfo, render_status


async def test_operator_logs_in_and_sees_a_new_wish_without_pressing_a_key(
    make_app: AppFactory, salon: Salon
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["operator"])
        text = screen_text(app)
        assert "operator" in text and salon.name in text
        await app.wait_for(lambda: screen_text(app).count("● live  ") == 1)
        await salon.add_wish(client_name="Новая Клиентка", service_title="Педикюр")
        await app.wait_for(lambda: "Новая Клиентка" in screen_text(app))


async def test_wrong_password_stays_on_login_with_a_plain_message(
    make_app: AppFactory, salon: Salon
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await app.wait_for(
            lambda: app.ctx.backend is not None and isinstance(app.screen, LoginScreen)
        )
        app.screen.query_one("#email").focus()
        await pilot.press(*salon.users["viewer"], "tab", *"nope nope", "enter")
        await app.wait_for(lambda: "Wrong email or password." in screen_text(app))
        assert isinstance(app.screen, LoginScreen)
        assert app.screen.query_one("#password").value == ""  # type: ignore[attr-defined]


async def test_an_unexpected_error_while_checking_keeps_the_form_usable(
    make_app: AppFactory, salon: Salon, monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.auth import AuthService

    async def broken(self: AuthService, email: str, password: str) -> None:
        raise RuntimeError("secret-token-123 leaked into an exception")

    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await app.wait_for(
            lambda: app.ctx.backend is not None and isinstance(app.screen, LoginScreen)
        )
        monkeypatch.setattr(AuthService, "authenticate", broken)
        app.screen.query_one("#email").focus()
        await pilot.press(*salon.users["viewer"], "tab", *"whatever1", "enter")
        await app.wait_for(lambda: "the login could not be checked" in screen_text(app))
        assert "secret-token-123" not in screen_text(app)
        assert "Traceback" not in screen_text(app)
        monkeypatch.undo()
        # The form is usable again: the right password now logs in.
        app.screen.query_one("#email", Input).value = ""
        await login(pilot, salon.users["viewer"])
        assert isinstance(app.screen, MainScreen)


async def test_lockout_says_until_when(make_app: AppFactory, salon: Salon) -> None:
    app = make_app(clock=None)
    async with app.run_test(size=(100, 30)) as pilot:
        await app.wait_for(
            lambda: app.ctx.backend is not None and isinstance(app.screen, LoginScreen)
        )
        for _ in range(5):
            app.screen.query_one("#email").focus()
            app.screen.query_one("#email").value = salon.users["viewer"]  # type: ignore[attr-defined]
            app.screen.query_one("#password").focus()
            await pilot.press(*"wrong pass", "enter")
            await app.wait_for(lambda: not app.screen.busy)  # type: ignore[attr-defined]
        assert "Too many failed attempts. Try again after" in screen_text(app)


async def test_unreachable_backend_is_named_on_the_login_screen(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    app.ctx.settings.supabase_url = "http://127.0.0.1:9"
    async with app.run_test(size=(100, 30)):
        await app.wait_for(lambda: "unreachable" in screen_text(app))
        status = str(app.screen.query_one("#login-status", Static).render())
        assert "cannot reach the backend at 127.0.0.1:9" in status
        assert "Trying again in 2 s; F5 tries now." in status


async def test_the_login_screen_reconnects_on_its_own_when_the_backend_returns(
    make_app: AppFactory, salon: Salon, tui_stack: StackProcess
) -> None:
    app = make_app()
    app.ctx.settings.supabase_url = "http://127.0.0.1:9"
    async with app.run_test(size=(100, 30)) as pilot:
        await app.wait_for(lambda: "unreachable" in screen_text(app))
        app.ctx.settings.supabase_url = tui_stack.url  # the network is back
        await app.wait_for(lambda: app.ctx.backend is not None)  # no key pressed
        await login(pilot, salon.users["viewer"])
        assert isinstance(app.screen, MainScreen)


async def test_lock_hides_the_data_and_only_the_password_opens_it(
    make_app: AppFactory, salon: Salon, monkeypatch: pytest.MonkeyPatch
) -> None:
    await salon.add_wish(client_name="Тайна Т.")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["operator"])
        await app.wait_for(lambda: "Тайна Т." in screen_text(app))
        await pilot.press("ctrl+l")
        await app.wait_for(lambda: isinstance(app.screen, LockScreen))
        assert "Тайна Т." not in screen_text(app)
        await pilot.press("2", "3")  # tab keys do nothing behind the lock
        assert isinstance(app.screen, LockScreen)
        await pilot.press(*"wrong password", "enter")
        await app.wait_for(lambda: "Wrong password." in screen_text(app))
        await pilot.press(*"correct horse battery", "enter")
        await app.wait_for(lambda: isinstance(app.screen, MainScreen))
        assert "Тайна Т." in screen_text(app)


async def test_idle_time_locks_the_app(
    make_app: AppFactory, salon: Salon, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(session_lifecycle, "IDLE_UNIT_SECONDS", 0.2)
    app = make_app(idle_lock_minutes=1)
    async with app.run_test(size=(120, 40)) as pilot:
        # The lock may come before the feeds are live, so no login() helper: type and wait.
        await app.wait_for(
            lambda: app.ctx.backend is not None and isinstance(app.screen, LoginScreen)
        )
        app.screen.query_one("#email").focus()
        await pilot.press(*salon.users["viewer"], "tab", *"correct horse battery", "enter")
        await app.wait_for(lambda: isinstance(app.screen, LockScreen), 20)
        assert app.ctx.session is not None and app.locked


async def test_logout_returns_to_login_and_stops_the_feeds(
    make_app: AppFactory, salon: Salon
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["admin"])
        services = app.ctx.services
        assert services is not None
        # The login screen stays under the main screen, without the password typed into it.
        assert all(
            screen.query_one("#password", Input).value == ""
            for screen in app.screen_stack
            if isinstance(screen, LoginScreen)
        )
        await pilot.press("ctrl+o")
        await app.wait_for(lambda: isinstance(app.screen, LoginScreen))
        assert app.ctx.session is None and app.ctx.services is None
        assert services._feeds == []
        assert len(app.screen_stack) == 1  # nothing of the session is left on the stack
        await app.wait_for(lambda: app.focused is app.screen.query_one("#email", Input))
        # And it works for the next person.
        app.screen.query_one("#email", Input).value = ""
        await login(pilot, salon.users["viewer"])
        assert isinstance(app.screen, MainScreen) and app.ctx.session is not None
        assert app.ctx.session.email == salon.users["viewer"]
        count = await salon.db.fetchval(
            "select count(*) from dashboard.audit_log where email = $1 and action = 'logout'",
            salon.users["admin"],
        )
        assert count == 1


async def test_deactivation_signs_the_user_out_within_seconds(
    make_app: AppFactory, salon: Salon
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["operator"])
        await salon.db.execute(
            "update dashboard.users set active = false where email = $1", salon.users["operator"]
        )
        await app.wait_for(lambda: isinstance(app.screen, LoginScreen), 10)


async def test_role_change_rescopes_the_session(make_app: AppFactory, salon: Salon) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["operator"])
        assert app.ctx.can_write()
        await salon.db.execute(
            "update dashboard.users set role = 'viewer' where email = $1", salon.users["operator"]
        )
        await app.wait_for(lambda: not app.ctx.can_write(), 10)
        assert app.ctx.services is not None
        assert app.ctx.services.commands.session.role.value == "viewer"


async def test_help_lists_every_action_with_its_key(make_app: AppFactory, salon: Salon) -> None:
    app = make_app(keymap={"tab.sessions": "f2"})
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["admin"])
        await pilot.press("question_mark")
        await app.wait_for(lambda: isinstance(app.screen, HelpScreen))
        text = screen_text(app)
        assert "Help" in text and "Lock" in text and "Log out" in text
        assert "F2" in text, "remapped keys are shown as remapped"
        table = app.screen.query_one(DataTable)
        marks = {str(table.get_row_at(row)[0]) for row in range(table.row_count)}
        assert {"●", "↻", "◐", "✉", "✓", "✗"} <= marks, "every mark used for a word is explained"
        await pilot.press("escape")
        await pilot.press("f2")
        await app.wait_for(
            lambda: isinstance(app.screen, MainScreen) and app.screen.active_tab == "sessions"
        )


async def test_russian_ui_from_the_setting(make_app: AppFactory) -> None:
    app = make_app(language="ru")
    async with app.run_test(size=(100, 30)):
        await app.wait_for(lambda: "Agent P — панель салона" in screen_text(app))
        assert "Enter — войти" in screen_text(app)


def test_the_status_line_groups_feeds_by_state_and_names_each_one() -> None:
    set_language("en")
    info = StatusInfo(
        email="op@salon.test",
        role="operator",
        tenant="Лотос",
        timezone="Europe/Moscow",
        feeds={
            "sessions": FeedStatus(FeedState.live, since=FIXED_NOW),
            "commands": FeedStatus(FeedState.reconnecting, since=FIXED_NOW),
            "wishlist": FeedStatus(FeedState.live, since=FIXED_NOW),
        },
        outbox=2,
    )
    text = render_status(info).plain
    # The worst state first, the time it began in the salon's timezone (09:30 UTC in Moscow).
    assert text.startswith("↻ 12:30 commands ● wishlist, sessions  ✉ 2 commands waiting")
    assert text.endswith("operator · Лотос")
    assert "op@salon.test" not in text


async def test_texts_that_name_a_key_show_it_as_remapped(
    make_app: AppFactory, salon: Salon
) -> None:
    await salon.add_wish(client_name="Анна", service_title="Стрижка")
    app = make_app(language="ru", keymap={"wishlist.older": "f3", "session.logout": "f9"})
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot, salon.users["operator"])
        await app.wait_for(lambda: "F3 — более ранние" in screen_text(app))
        assert "o — более ранние" not in screen_text(app)
        await pilot.press("ctrl+l")
        await app.wait_for(lambda: "F9 — сменить пользователя" in screen_text(app))


async def test_the_palette_speaks_russian(make_app: AppFactory, salon: Salon) -> None:
    app = make_app(language="ru")
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot, salon.users["operator"])
        await pilot.press("ctrl+p")
        await app.wait_for(lambda: "Найти действие…" in screen_text(app))
        await pilot.press(*"тем")
        await app.wait_for(lambda: "Тема оформления" in screen_text(app))
        assert "Theme" not in screen_text(app)
        await pilot.press(*["backspace"] * 3, *"блок")
        await app.wait_for(lambda: "Блокировка" in screen_text(app))
        await pilot.press(*["backspace"] * 4, *"щщщ")
        await nothing_matches_in_russian(app, "Подходящих действий нет")
        # The theme picker the palette opens has its own list, in Russian too.
        await pilot.press(*["backspace"] * 3, *"тем")
        await app.wait_for(lambda: "Тема оформления" in screen_text(app))
        await pilot.press("enter")
        await app.wait_for(lambda: "Найти тему…" in screen_text(app))
        await pilot.press(*"щщщ")
        await nothing_matches_in_russian(app, "Подходящих тем нет")
        await pilot.press(*["backspace"] * 3, *"nord", "enter")
        await app.wait_for(lambda: app.theme == "nord")


async def nothing_matches_in_russian(app: ObservedApp, text: str) -> None:
    await app.wait_for(lambda: text in screen_text(app))
    assert isinstance(app.screen, CommandPalette)
    # Textual's English "No matches found" comes only after a search that listed nothing, so
    # with this line in the list it never follows.
    assert "No matches" not in screen_text(app)


@pytest.mark.parametrize("language", ["ru", "en"])
async def test_footer_at_80_columns_starts_with_help_and_cuts_no_word(
    make_app: AppFactory, salon: Salon, language: str
) -> None:
    from core.actions import ACTIONS
    from core.i18n import set_language, t

    app = make_app(language=language)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot, salon.users["admin"])
        labels = {t(spec.label) for spec in ACTIONS}
        for tab in "1234":
            await pilot.press(tab)
            await pilot.pause()
            footer = screen_text(app).rstrip("\n").splitlines()[-1].strip()
            assert footer.startswith("? " + t("action.help")), footer
            for chunk in footer.split("  "):
                assert chunk.split(" ", 1)[1] in labels, (tab, chunk)
    set_language("en")
