"""The operator's wishlist (issue 13, part 1) end to end against the devstack: the wished-for
day, window and staff; the status filter and its live counts; the sort by day; the overdue
mark; every field of the bot's on the entry screen. No sleeps: waits on app state."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, time, timedelta
from typing import Any

import pytest
from textual.widgets import DataTable

from modals.help import HelpScreen
from modals.wishlist_entry import WishlistEntryScreen
from screens.main import MainScreen
from tabs.wishlist_tab import WishlistTab
from tests.tui.conftest import FIXED_NOW, AppFactory, Salon, login
from tests.tui.screen_text import screen_text
from tui.app import AgentPApp
from widgets.wishlist_table import WishlistTable

# FIXED_NOW is Thursday 26.11.2026, 12:30 in Moscow, the test salons' zone.
TODAY = date(2026, 11, 26)


def tab(app: AgentPApp) -> WishlistTab:
    return app.screen.query_one(WishlistTab)


def table(app: AgentPApp) -> WishlistTable:
    return app.screen.query_one(WishlistTable)


def names(app: AgentPApp) -> list[str | None]:
    return [tab(app).entries[key].client_name for key in table(app).keys]


def line_of(app: AgentPApp, name: str) -> str:
    [line] = [row for row in screen_text(app).splitlines() if name in row]
    return line


def cell(app: AgentPApp, name: str, column: str) -> str:
    """What the row of `name` shows in `column`, read off the screen at the plan's offsets."""
    line = line_of(app, name)
    start = 1  # the overdue mark
    for column_name, width in table(app).plan:
        if column_name == column:
            return line[start + 1 : start + 1 + width].strip()
        start += width + 1
    raise KeyError(column)


def ago(minutes: int) -> Any:
    return FIXED_NOW - timedelta(minutes=minutes)


async def test_the_wanted_day_window_and_staff_appear_in_the_users_language(
    make_app: AppFactory, salon: Salon
) -> None:
    await salon.add_wish(
        client_name="Полная",
        staff_name="Ольга",
        desired_date=date(2026, 12, 2),
        desired_time_from=time(18),
        desired_time_to=time(20),
        created_at=ago(3),
    )
    await salon.add_wish(
        client_name="Только день", desired_date=date(2027, 1, 8), created_at=ago(2)
    )
    await salon.add_wish(client_name="С утра", desired_time_to=time(11), created_at=ago(1))
    await salon.add_wish(client_name="Пустая", created_at=ago(0))
    for language, wednesday, friday, until in [
        ("ru", "ср 02.12 18:00–20:00", "пт 08.01.2027", "до 11:00"),
        ("en", "Wed 02.12 18:00–20:00", "Fri 08.01.2027", "until 11:00"),
    ]:
        app = make_app(language=language)
        async with app.run_test(size=(120, 40)) as pilot:
            await login(pilot, salon.users["operator"])
            await app.wait_for(lambda app=app: table(app).row_count == 4)
            assert cell(app, "Полная", "desired") == wednesday
            assert cell(app, "Полная", "staff") == "Ольга"
            assert cell(app, "Только день", "desired") == friday
            assert cell(app, "С утра", "desired") == until
            assert cell(app, "Пустая", "desired") == "" and cell(app, "Пустая", "staff") == ""
            assert cell(app, "Пустая", "client") == "Пустая", "the offsets are the columns'"
            header = screen_text(app)
            assert ("Когда" if language == "ru" else "Wanted") in header
            assert ("Мастер" if language == "ru" else "Staff") in header


async def test_at_80_columns_the_table_keeps_whole_columns(
    make_app: AppFactory, salon: Salon
) -> None:
    await salon.add_wish(
        client_name="Екатерина Александровна Длиннофамильная",
        staff_name="Светлана Викторовна",
        desired_date=date(2026, 12, 2),
        desired_time_from=time(18),
        desired_time_to=time(20),
        comment="очень длинный комментарий, который не помещается",
    )
    app = make_app(language="ru")
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot, salon.users["operator"])
        await app.wait_for(lambda: table(app).row_count == 1)
        assert table(app).column_names == (
            "time",
            "client",
            "service",
            "desired",
            "staff",
            "status",
        )
        line = line_of(app, "Екатерина")
        assert "ср 02.12 18:00–20:00" in line and "ждёт" in line
        assert "Екатерина Але…" in line and "Светлана…" in line, "cut with an ellipsis, in place"
        assert len(line.rstrip()) <= 80


async def test_each_status_filter_and_the_live_counts_combined_with_the_text_filter(
    make_app: AppFactory, salon: Salon
) -> None:
    for n, status in enumerate(["waiting", "waiting", "offered", "booked", "cancelled"]):
        await salon.add_wish(
            client_name=f"{status} {n}",
            service_title="Стрижка" if n else "Бритьё",
            status=status,
            created_at=ago(10 - n),
        )
    app = make_app(language="ru")
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["operator"])
        await app.wait_for(lambda: table(app).row_count == 3)
        assert names(app) == ["offered 2", "waiting 1", "waiting 0"], "open by default"
        counts = "ждёт 2 · предложено 1 · записан(а) 1 · отменено 1"
        assert f"Открытые 3 · {counts}" in screen_text(app)
        expected = {
            "all": ["cancelled 4", "booked 3", "offered 2", "waiting 1", "waiting 0"],
            "waiting": ["waiting 1", "waiting 0"],
            "offered": ["offered 2"],
            "booked": ["booked 3"],
            "cancelled": ["cancelled 4"],
            "open": ["offered 2", "waiting 1", "waiting 0"],
        }
        heading = {"all": "Все 5", "waiting": "Ждут 2", "offered": "Предложено 1"}
        for choice, shown in expected.items():
            await pilot.press("f")
            await app.wait_for(lambda choice=choice: tab(app).status_filter == choice)
            assert names(app) == shown, choice
            if choice in heading:
                assert f"{heading[choice]} · {counts}" in screen_text(app)

        # Live: the bot books one and adds one; the counts follow without a key press.
        first = next(k for k in tab(app).entries if tab(app).entries[k].client_name == "waiting 0")
        await salon.db.execute(
            "update public.wishlist_v2 set status = 'booked', updated_at = now() where id = $1",
            int(first),
        )
        await salon.add_wish(client_name="Новая", created_at=ago(0))
        await app.wait_for(lambda: names(app) == ["Новая", "offered 2", "waiting 1"])
        assert "Открытые 3 · ждёт 2 · предложено 1 · записан(а) 2 · отменено 1" in screen_text(app)

        # The text filter narrows what the status filter lets through.
        await pilot.press("slash", *"бритьё")
        await app.wait_for(lambda: tab(app).filter_text == "бритьё")
        assert names(app) == [], "Бритьё is booked now: not open"
        await pilot.press("enter", "f")  # all
        await app.wait_for(lambda: names(app) == ["waiting 0"])
        await pilot.press("escape")
        await app.wait_for(lambda: len(names(app)) == 6)


async def test_d_sorts_by_the_wanted_day_and_back_by_creation(
    make_app: AppFactory, salon: Salon
) -> None:
    await salon.add_wish(
        client_name="Через неделю", desired_date=TODAY + timedelta(days=7), created_at=ago(4)
    )
    await salon.add_wish(client_name="Без дня", created_at=ago(3))
    await salon.add_wish(
        client_name="Завтра вечером",
        desired_date=TODAY + timedelta(days=1),
        desired_time_from=time(18),
        created_at=ago(2),
    )
    await salon.add_wish(
        client_name="Завтра утром",
        desired_date=TODAY + timedelta(days=1),
        desired_time_from=time(10),
        created_at=ago(1),
    )
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["operator"])
        await app.wait_for(lambda: table(app).row_count == 4)
        newest = ["Завтра утром", "Завтра вечером", "Без дня", "Через неделю"]
        assert names(app) == newest
        assert "d By day" in screen_text(app), "the footer shows the registry's key"
        await pilot.press("d")
        await app.wait_for(
            lambda: names(app) == ["Завтра утром", "Завтра вечером", "Через неделю", "Без дня"]
        )
        assert "sorted: wanted day" in screen_text(app)
        await pilot.press("d")
        await app.wait_for(lambda: names(app) == newest)
        assert "sorted: newest first" in screen_text(app)


async def test_a_waiting_row_past_its_day_is_marked_with_a_sign_under_no_color(
    make_app: AppFactory, salon: Salon, monkeypatch: pytest.MonkeyPatch
) -> None:
    yesterday = TODAY - timedelta(days=1)
    await salon.add_wish(client_name="Просрочена", desired_date=yesterday, created_at=ago(4))
    await salon.add_wish(
        client_name="Предложено", desired_date=yesterday, status="offered", created_at=ago(3)
    )
    await salon.add_wish(client_name="Сегодня", desired_date=TODAY, created_at=ago(2))
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(language="ru")
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["operator"])
        await app.wait_for(lambda: table(app).row_count == 3)
        assert app.no_color
        assert line_of(app, "Просрочена").startswith("! "), "a sign, not only a colour"
        assert line_of(app, "Предложено").startswith("  "), "offered: someone is on it"
        assert line_of(app, "Сегодня").startswith("  "), "today has not passed"
        assert "! 1 просрочена" in screen_text(app)
        await pilot.press("end", "enter")
        await app.wait_for(
            lambda: isinstance(app.screen, WishlistEntryScreen) and app.screen.loaded
        )
        assert "! день прошёл, а запись всё ещё ждёт" in screen_text(app)


@pytest.fixture
async def extra_columns(salon: Salon) -> AsyncIterator[None]:
    """Columns the dashboard does not know, on the bot's table for this test only."""
    await salon.db.execute(
        'alter table public.wishlist_v2 add column if not exists "[b]source[/b]" text, '
        "add column if not exists loyalty jsonb"
    )
    await salon.db.execute("notify pgrst, 'reload schema'")
    try:
        yield
    finally:
        await salon.db.execute(
            'alter table public.wishlist_v2 drop column if exists "[b]source[/b]", '
            "drop column if exists loyalty"
        )
        await salon.db.execute("notify pgrst, 'reload schema'")


async def test_the_entry_shows_every_field_and_the_unknown_columns_literally(
    make_app: AppFactory, salon: Salon, extra_columns: None
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["operator"])
        # Written once the app is live: it arrives through Realtime, as the bot's rows do.
        row = await salon.db.fetchrow(
            "insert into public.wishlist_v2 (tenant_id, client_id, client_name, client_phone, "
            "staff_name, desired_date, desired_time_from, desired_time_to, comment, "
            '"[b]source[/b]", loyalty) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) '
            "returning id",
            salon.tenant_id,
            "tg:vera",
            "Вера",
            "+7 (912) 000-00-01",
            "[i]Ольга[/i]",
            date(2026, 12, 2),
            time(18),
            time(20),
            "после 18:00",
            "\x1b[31mреклама",
            '{"level": "[bold]gold[/bold]", "visits": 12}',
        )
        await app.wait_for(lambda: table(app).row_count == 1)
        await pilot.press("enter")
        await app.wait_for(
            lambda: isinstance(app.screen, WishlistEntryScreen) and app.screen.loaded
        )
        text = screen_text(app)
        for shown in (
            str(row["id"]),
            "Вера",
            "+7 (912) 000-00-01",
            "[i]Ольга[/i]",
            "Wed 02.12 18:00–20:00",
            "waiting",
            "после 18:00",
            "More from the bot",
            "[b]source[/b]",
            "␛[31mреклама",
            "loyalty",
            '{"level": "[bold]gold[/bold]", "visits": 12}',
        ):
            assert shown in text, shown
        await pilot.press("escape")
        await app.wait_for(lambda: isinstance(app.screen, MainScreen))


async def test_keys_and_clicks_move_the_cursor_and_a_second_click_opens_the_entry(
    make_app: AppFactory, salon: Salon
) -> None:
    for n in range(30):
        await salon.add_wish(client_name=f"Клиент {n}", created_at=ago(100 - n))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot, salon.users["operator"])
        await app.wait_for(lambda: table(app).row_count == 30)
        await pilot.press("end")
        assert table(app).entry_at_cursor().client_name == "Клиент 0"  # type: ignore[union-attr]
        assert "Клиент 0" in screen_text(app), "the table scrolled to the cursor"
        await pilot.press("home", "down", "pagedown", "up")
        page = table(app).page_rows
        assert table(app).cursor_row == page
        await pilot.press("home")
        # Row 3 of the table is the screen's line 3 below the header line (y=1 in the table).
        await pilot.click(WishlistTable, offset=(5, 3))
        assert table(app).entry_at_cursor().client_name == "Клиент 27"  # type: ignore[union-attr]
        assert isinstance(app.screen, MainScreen)
        await pilot.click(WishlistTable, offset=(5, 3))
        await app.wait_for(
            lambda: isinstance(app.screen, WishlistEntryScreen) and app.screen.loaded
        )
        assert "Клиент 27" in screen_text(app)
        await pilot.press("escape", "question_mark")
        await app.wait_for(lambda: isinstance(app.screen, HelpScreen))
        help_rows = app.screen.query_one(DataTable)
        for action in ("wishlist.status", "wishlist.by_day"):
            assert action in help_rows.rows, "help lists the registry's actions"
        assert help_rows.get_row("wishlist.by_day")[1].plain == "By day"
