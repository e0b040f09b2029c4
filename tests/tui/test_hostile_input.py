"""Hostile input through the app itself: the login form, the wishlist filter, the sessions
search and the composer, and hostile rows in the bot's tables on screen.

The full corpus runs at the services level (tests/hostile/); here a few entries of every
category go through the real widgets. Whatever the input: a clear message or a literal
display, no crash, no raw control character reaching the terminal, nothing written for a
refused input, and a 1 MB paste refused with a message while the app keeps answering.
"""

from __future__ import annotations

import asyncio
import json
import unicodedata
import uuid
from collections.abc import Awaitable, Callable, Iterable
from datetime import timedelta
from typing import Any

import pytest
from textual import events
from textual.widgets import Input

from core.messages import ComposeMessageRequest
from modals.confirm import ConfirmScreen
from modals.thread import ThreadScreen
from screens.login import LoginScreen
from screens.main import MainScreen
from tabs.sessions_tab import FilterScreen, SessionsTab
from tabs.wishlist_tab import WishlistTab
from tests.hostile.corpus import Hostile, representative, storable
from tests.tui.conftest import FIXED_NOW, AppFactory, Salon, built_tab, create_salon, login
from tests.tui.observed import ObservedApp
from tests.tui.screen_text import screen_text
from widgets.command_form import CommandForm
from widgets.command_history import CommandHistory
from widgets.literal import visible
from widgets.message_area import MessageArea
from widgets.session_list import SessionList
from widgets.text_field import TextField
from widgets.wishlist_table import WishlistTable

SAMPLE = representative(2)
MEGABYTE = "я" * 1_048_576
MEGABYTE_SHOWN = "1,048,576"
REFUSALS = (
    "Wrong email or password.",
    "Enter your email.",
    "Enter your password.",
    "That email is too long (at most 320 characters).",
    "Too many failed attempts.",
)
# Where the screen's text may legitimately show a character as itself (not as a stand-in).
PLAIN_CATEGORIES = {"markup", "ansi", "control", "sql", "postgrest", "format", "email", "uuid"}


def raw_controls(text: str) -> list[str]:
    """Control characters that reached the screen as themselves (newlines end rows)."""
    return sorted(
        {
            f"U+{ord(c):04X}"
            for c in text
            if c != "\n" and (unicodedata.category(c) == "Cc" or 0x202A <= ord(c) <= 0x202E)
        }
    )


def first_line(text: str) -> str:
    """What a one-line field keeps of a paste (Input takes the first line)."""
    lines = text.splitlines()
    return lines[0] if lines else ""


def notified(app: ObservedApp, text: str) -> bool:
    return any(text in str(notice.message) for notice in app._notifications)


async def paste(pilot: Any, widget: Any, text: str) -> None:
    """A paste as the terminal delivers it: to the App, which forwards it to the focus.

    (Posted to the widget itself, a paste the widget does not stop bubbles up to the App as if
    it came from the terminal, and is forwarded a second time: the text went in twice.)"""
    widget.focus()
    await pilot.pause()
    app = pilot.app
    app.post_message(events.Paste(text))
    await pilot.pause()
    await app.wait_for(lambda: app.keys.waiting == 0)
    await pilot.pause()


async def each(entries: Iterable[Hostile], check: Callable[[Hostile], Awaitable[None]]) -> None:
    """Run every entry; fail once, naming every entry that failed."""
    problems: list[str] = []
    for entry in entries:
        try:
            await check(entry)
        except (Exception, pytest.fail.Exception) as exc:
            problems.append(f"{entry.name}: {type(exc).__name__}: {str(exc)[:200]}")
    assert not problems, f"{len(problems)} inputs failed:\n" + "\n".join(problems)


def status_text(app: ObservedApp) -> str:
    screen = app.screen
    assert isinstance(screen, LoginScreen)
    return str(screen.query_one("#login-status").render())


# -- login ------------------------------------------------------------------------------------
@pytest.mark.timeout(300)
async def test_hostile_logins_are_refused_in_plain_words_and_the_form_keeps_working(
    make_app: AppFactory, salon: Salon
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await app.wait_for(lambda: app.ctx.backend is not None, 20)
        screen = app.screen
        assert isinstance(screen, LoginScreen)
        email = screen.query_one("#email", TextField)
        password = screen.query_one("#password", TextField)

        async def attempt(address: str, secret: str) -> None:
            screen.show_info("")
            email.value, password.value = "", ""
            await paste(pilot, email, address)
            await paste(pilot, password, secret)
            await pilot.press("enter")
            await app.wait_for(lambda: any(refusal in status_text(app) for refusal in REFUSALS), 15)
            assert not screen.busy, "the form stayed busy"
            assert not raw_controls(screen_text(app)), raw_controls(screen_text(app))

        async def as_email(entry: Hostile) -> None:
            await attempt(entry.text, "whatever password")

        async def as_password(entry: Hostile) -> None:
            await attempt(salon.users["admin"], entry.text)

        await each(SAMPLE, as_email)
        await each(SAMPLE, as_password)
        # After all that the form still logs in.
        email.value, password.value = "", ""
        await login(pilot, salon.users["operator"])


async def test_a_megabyte_paste_into_a_login_field_is_refused_with_a_message(
    make_app: AppFactory, salon: Salon
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await app.wait_for(lambda: app.ctx.backend is not None, 20)
        for field_id in ("#email", "#password"):
            field = app.screen.query_one(field_id, TextField)
            app.clear_notifications()
            await paste(pilot, field, MEGABYTE)
            await app.wait_for(lambda: notified(app, MEGABYTE_SHOWN))
            assert len(field.value) <= 1024, "the paste was refused or cut to the field's limit"
        app.screen.query_one("#email", TextField).value = ""
        app.screen.query_one("#password", TextField).value = ""
        await login(pilot, salon.users["viewer"])  # and the app still answers


# -- the wishlist ----------------------------------------------------------------------------
def wishlist_tab(app: ObservedApp) -> WishlistTab:
    return app.screen.query_one(WishlistTab)


@pytest.mark.timeout(300)
async def test_hostile_wishes_are_shown_literally_and_the_filter_is_literal(
    make_app: AppFactory, salon: Salon
) -> None:
    names: dict[str, str] = {}
    for i, entry in enumerate(SAMPLE):
        if storable(entry.text):
            row = await salon.add_wish(
                client_name=entry.text,
                comment=entry.text,
                created_at=FIXED_NOW - timedelta(minutes=i + 1),
            )
            names[str(row["id"])] = entry.text
    app = make_app()
    async with app.run_test(size=(200, 60)) as pilot:
        await login(pilot, salon.users["operator"])
        table = app.screen.query_one(WishlistTable)
        await app.wait_for(lambda: table.row_count == len(names))
        shown = screen_text(app)
        assert not raw_controls(shown), raw_controls(shown)
        for entry in SAMPLE:
            if entry.category in PLAIN_CATEGORIES and storable(entry.text) and entry.text:
                assert visible(entry.text, single_line=True)[:12] in shown, entry.name
        assert "␛[31mКРАСНЫЙ␛[0m" in shown and "[bold]Анна[/bold]" in shown

        tab = wishlist_tab(app)

        async def filtered(entry: Hostile) -> None:
            await pilot.press("slash")
            field = tab.filter_field
            field.value = ""
            await paste(pilot, field, entry.text)
            needle = first_line(entry.text).strip().casefold()
            await app.wait_for(lambda: tab.filter_text == first_line(entry.text))
            shown_keys = table.keys
            for key in shown_keys:
                wish = tab.entries[key]
                fields = (wish.client_name, wish.client_phone, wish.service_title, wish.comment)
                assert any(needle in (value or "").casefold() for value in fields) or (
                    wish.client_phone and needle.isdigit()
                )
            exact = [key for key, name in names.items() if name == entry.text]
            assert set(exact) <= set(shown_keys), "the wish holding the text is not shown"
            assert not raw_controls(screen_text(app))
            await pilot.press("escape")
            await app.wait_for(lambda: tab.filter_text == "" and table.row_count == len(names))

        await each(SAMPLE, filtered)


async def test_a_megabyte_paste_into_the_wishlist_filter_is_refused_with_a_message(
    make_app: AppFactory, salon: Salon
) -> None:
    await salon.add_wish(client_name="Анна")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await login(pilot, salon.users["viewer"])
        table = app.screen.query_one(WishlistTable)
        await app.wait_for(lambda: table.row_count == 1)
        await pilot.press("slash")
        await paste(pilot, wishlist_tab(app).filter_field, MEGABYTE)
        await app.wait_for(lambda: notified(app, MEGABYTE_SHOWN))
        assert len(wishlist_tab(app).filter_text) <= 200
        await pilot.press(*"анна")  # still typing, still filtering
        await app.wait_for(lambda: wishlist_tab(app).filter_text.endswith("анна"))


# -- the sessions ----------------------------------------------------------------------------
def sessions_tab(app: ObservedApp) -> SessionsTab:
    return app.screen.query_one("#sessions-view", SessionsTab)


async def open_sessions(pilot: Any, email: str) -> SessionsTab:
    app = pilot.app
    await login(pilot, email)
    await pilot.press("2")
    tab = await built_tab(app, SessionsTab)
    await app.wait_for(lambda: not tab.loading and tab.session_list.summaries != [])
    return tab


@pytest.mark.timeout(300)
async def test_hostile_conversations_are_literal_in_the_list_the_search_and_the_thread(
    make_app: AppFactory, salon: Salon, stack_db: Any
) -> None:
    neighbour = await create_salon(stack_db)
    ids: dict[str, str] = {}
    for i, entry in enumerate(SAMPLE):
        if not storable(entry.text):
            continue
        values = {
            "client_name": entry.text,
            "messages": [{"id": "m1", "role": "client", "text": entry.text}],
            "last_message_at": FIXED_NOW - timedelta(minutes=i + 1),
        }
        row = await salon.add_session(**values)
        await neighbour.add_session(**values)
        ids[str(row["id"])] = entry.text
    app = make_app()
    async with app.run_test(size=(200, 60)) as pilot:
        tab = await open_sessions(pilot, salon.users["operator"])
        listing = app.screen.query_one(SessionList)
        await app.wait_for(lambda: len(listing.summaries) == len(ids))
        shown = screen_text(app)
        assert not raw_controls(shown), raw_controls(shown)
        assert "␛[31mКРАСНЫЙ␛[0m" in shown and "[bold]Анна[/bold]" in shown

        async def searched(entry: Hostile) -> None:
            await pilot.press("slash")
            field = app.screen.query_one("#sessions-search", TextField)
            field.value = ""
            await paste(pilot, field, entry.text)
            await pilot.press("enter")
            await app.wait_for(lambda: not tab.loading)
            found = {item.key for item in listing.summaries}
            assert found <= set(ids), "another salon's conversation in the results"
            needle = first_line(entry.text).strip()
            if needle and storable(needle):
                exact = {key for key, text in ids.items() if text == entry.text}
                assert exact <= found, "the conversation holding the text is not listed"
            assert not raw_controls(screen_text(app))

        await each(SAMPLE, searched)

        # Every hostile thread opens and shows its message literally.
        async def opened(entry: Hostile) -> None:
            key = next((k for k, text in ids.items() if text == entry.text), None)
            if key is None:
                return
            app.push_screen(ThreadScreen(key))
            await app.wait_for(
                lambda: isinstance(app.screen, ThreadScreen) and app.screen.session is not None
            )
            text = screen_text(app)
            assert not raw_controls(text), raw_controls(text)
            if entry.category in PLAIN_CATEGORIES:
                assert visible(entry.text)[:12].split("\n")[0] in text
            await pilot.press("escape")
            await app.wait_for(lambda: isinstance(app.screen, MainScreen))

        await each(SAMPLE, opened)


async def test_hostile_dates_in_the_filter_dialog_are_refused_in_plain_words(
    make_app: AppFactory, salon: Salon
) -> None:
    await salon.add_session(client_name="Анна Петрова")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        tab = await open_sessions(pilot, salon.users["viewer"])

        async def dated(entry: Hostile) -> None:
            await pilot.press("f")
            await app.wait_for(lambda: isinstance(app.screen, FilterScreen))
            dialog = app.screen
            field = dialog.query_one("#filter-from", TextField)
            field.value = ""
            await paste(pilot, field, entry.text)
            await pilot.press("enter")
            blank = not first_line(entry.text).strip()
            if blank:  # no bound: the dialog applies and closes
                await app.wait_for(lambda: isinstance(app.screen, MainScreen))
                assert tab.filters.date_from is None
                return
            error = dialog.query_one("#filter-error")
            await app.wait_for(lambda: error.has_class("-shown"))
            assert "DD.MM.YYYY" in str(error.render())
            assert not raw_controls(screen_text(app))
            await pilot.press("escape")
            await app.wait_for(lambda: isinstance(app.screen, MainScreen))

        await each(SAMPLE, dated)


async def test_a_megabyte_paste_into_the_sessions_search_is_refused_with_a_message(
    make_app: AppFactory, salon: Salon
) -> None:
    await salon.add_session(client_name="Анна Петрова")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        tab = await open_sessions(pilot, salon.users["viewer"])
        await pilot.press("slash")
        field = app.screen.query_one("#sessions-search", TextField)
        await paste(pilot, field, MEGABYTE)
        await app.wait_for(lambda: notified(app, MEGABYTE_SHOWN))
        assert len(field.value) <= 200
        field.value = "анна"
        await pilot.press("enter")
        await app.wait_for(lambda: not tab.loading)
        assert [s.client_name for s in tab.session_list.summaries] == ["Анна Петрова"]


# -- the composer ----------------------------------------------------------------------------
def form(app: ObservedApp) -> CommandForm:
    return app.screen.query_one(CommandForm)


async def command_count(salon: Salon) -> int:
    value: int = await salon.db.fetchval(
        "select count(*) from dashboard.bot_commands where tenant_id = $1", salon.tenant_id
    )
    return value


async def open_composer(pilot: Any, salon: Salon) -> ObservedApp:
    app: ObservedApp = pilot.app
    await login(pilot, salon.users["operator"])
    await pilot.press("3")
    await app.wait_for(
        lambda: isinstance(app.screen, MainScreen) and app.screen.active_tab == "commands"
    )
    return app


@pytest.mark.timeout(300)
async def test_hostile_message_text_is_refused_on_its_field_or_sent_exactly(
    make_app: AppFactory, salon: Salon
) -> None:
    conversation = await salon.add_session()
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_composer(pilot, salon)
        main = app.screen
        assert isinstance(main, MainScreen)

        async def sent(entry: Hostile) -> None:
            await main.compose_message(ComposeMessageRequest(conversation["client_id"], None, None))
            area = app.screen.query_one(MessageArea)
            area.clear()
            await paste(pilot, area, entry.text)
            typed = form(app).draft().message
            before = await command_count(salon)
            shown_before = len(app.screen.query_one(CommandHistory).commands)
            await pilot.press("ctrl+s")
            await app.wait_for(
                lambda: (
                    isinstance(app.screen, ConfirmScreen) or form(app).error_text("message") != ""
                )
            )
            if not isinstance(app.screen, ConfirmScreen):
                assert await command_count(salon) == before, "a refused message was written"
                assert not raw_controls(screen_text(app))
                return
            assert not raw_controls(screen_text(app)), "the confirmation shows raw controls"
            await pilot.press("y")
            await app.wait_for(lambda: not form(app).busy and form(app).draft().message == "")
            # Under load the send may go to the local outbox and be flushed a moment later: wait
            # until the live history holds the new command (it is read from the database).
            history = app.screen.query_one(CommandHistory)
            await app.wait_for(lambda: len(history.commands) > shown_before, limit=30)
            stored = await salon.db.fetchval(
                "select payload ->> 'message' from dashboard.bot_commands where tenant_id = $1"
                " order by id desc limit 1",
                salon.tenant_id,
            )
            assert stored.encode() == typed.encode(), "not stored byte-for-byte"

        await each(SAMPLE, sent)


@pytest.mark.timeout(300)
async def test_hostile_ids_and_notes_in_the_composer_write_nothing(
    make_app: AppFactory, salon: Salon
) -> None:
    await salon.add_session()
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_composer(pilot, salon)
        main = app.screen
        assert isinstance(main, MainScreen)

        async def refused(entry: Hostile) -> None:
            await main.compose_message(ComposeMessageRequest("", None, None))
            client = app.screen.query_one("#field-client_id", TextField)
            session = app.screen.query_one("#field-session_id", TextField)
            client.value, session.value = "", ""
            await paste(pilot, client, entry.text)
            await paste(pilot, session, entry.text)
            app.screen.query_one(MessageArea).load_text("Добрый день")
            await pilot.press("ctrl+s")
            await app.wait_for(
                lambda: (
                    isinstance(app.screen, ConfirmScreen)
                    or any(form(app).error_text(f) for f in ("client_id", "session_id", "form"))
                )
            )
            if isinstance(app.screen, ConfirmScreen):
                await pilot.press("y")  # the service must refuse what validation let through
                await app.wait_for(
                    lambda: (
                        not form(app).busy
                        and any(form(app).error_text(f) for f in ("client_id", "session_id"))
                    )
                )
            assert await command_count(salon) == 0
            assert not raw_controls(screen_text(app))

        await each(SAMPLE, refused)


async def test_a_megabyte_paste_into_a_composer_field_is_refused_with_a_message(
    make_app: AppFactory, salon: Salon
) -> None:
    await salon.add_session()
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_composer(pilot, salon)
        for name in ("client_id", "session_id"):
            field = app.screen.query_one(f"#field-{name}", TextField)
            app.clear_notifications()
            await paste(pilot, field, MEGABYTE)
            await app.wait_for(lambda: notified(app, MEGABYTE_SHOWN))
            assert len(field.value) <= 128
        await pilot.press(*"tg:1")  # the field still takes keys
        await app.wait_for(
            lambda: app.screen.query_one("#field-session_id", TextField).value.endswith("tg:1")
        )
    assert await command_count(salon) == 0


# -- a non-UTF-8 locale ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("lang", "title"),
    [
        ("C", "Agent P — salon dashboard"),
        ("xx_XX.ISO-8859-1", "Agent P — salon dashboard"),
        ("ru_RU.KOI8-R", "Agent P — панель салона"),
    ],
)
async def test_a_legacy_locale_chooses_a_language_and_the_app_works(
    make_app: AppFactory,
    salon: Salon,
    monkeypatch: pytest.MonkeyPatch,
    lang: str,
    title: str,
) -> None:
    for name in ("LC_ALL", "LC_MESSAGES", "LANGUAGE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", lang)
    app = make_app(language=None)
    async with app.run_test(size=(100, 30)) as pilot:
        await app.wait_for(lambda: title in screen_text(app), 20)
        await login(pilot, salon.users["viewer"])
        assert isinstance(app.screen, MainScreen)


# -- toasts --------------------------------------------------------------------------------
async def test_an_error_that_quotes_hostile_input_reaches_the_screen_literally(
    make_app: AppFactory, salon: Salon
) -> None:
    """A thread id the database cannot even parse: a plain 'not found', nothing echoed raw."""
    await salon.add_session()
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["viewer"])
        bad = "\x1b[2J\x1b]0;pwned\x07[bold]x[/bold]" + str(uuid.uuid4())
        app.push_screen(ThreadScreen(bad))
        await app.wait_for(lambda: notified(app, "no such conversation"))
        text = screen_text(app)
        assert not raw_controls(text), raw_controls(text)
        assert "pwned" not in text or "␛]0;pwned␇" in text
        await pilot.press("escape")
        await app.wait_for(lambda: isinstance(app.screen, MainScreen))


async def test_hostile_rows_arriving_live_keep_the_app_responsive(
    make_app: AppFactory, salon: Salon
) -> None:
    """A burst of hostile rows, JSON of the wrong shape included, while the user works."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["operator"])
        table = app.screen.query_one(WishlistTable)
        for entry in SAMPLE:
            if storable(entry.text):
                await salon.add_wish(client_name=entry.text, service_title=entry.text)
        await salon.db.execute(
            "insert into public.conversation_sessions_v2 (tenant_id, client_id, messages)"
            " values ($1, 'tg:odd', $2::jsonb)",
            salon.tenant_id,
            json.dumps([None, 1, {"text": {"a": 1}}, {"at": "never", "text": "x"}]),
        )
        expected = sum(1 for e in SAMPLE if storable(e.text))
        # Arriving live into a list: shown, or held above it until Home.
        await app.wait_for(lambda: len(table.all_keys) == expected, 30)
        await pilot.press("2")
        tab = sessions_tab(app)
        await app.wait_for(lambda: not tab.loading and len(tab.session_list.summaries) == 1)
        await pilot.press("enter")
        await app.wait_for(
            lambda: isinstance(app.screen, ThreadScreen) and app.screen.session is not None
        )
        await app.wait_for(lambda: "x" in screen_text(app))
        assert not raw_controls(screen_text(app))
        await asyncio.wait_for(pilot.press("escape"), 10)
        await app.wait_for(lambda: isinstance(app.screen, MainScreen))
        assert isinstance(app.screen.query_one("#sessions-search"), Input)
