"""The live wishlist tab, end to end against the devstack: no sleeps, waits on app state."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from textual import events
from textual.message import Message
from textual.widgets import Static

from core.messages import ComposeMessageRequest
from modals.wishlist_entry import WishlistEntryScreen
from screens.main import MainScreen
from tabs.wishlist_tab import WishlistTab
from tests.tui.conftest import FIXED_NOW, AppFactory, Salon, login
from tests.tui.observed import ObservedApp
from tests.tui.screen_text import screen_text
from widgets.wishlist_table import WishlistTable


def tab(app: ObservedApp) -> WishlistTab:
    return app.screen.query_one(WishlistTab)


def table(app: ObservedApp) -> WishlistTable:
    return app.screen.query_one(WishlistTable)


def names(app: ObservedApp, keys: list[str] | tuple[str, ...]) -> list[str | None]:
    return [tab(app).entries[key].client_name for key in keys]


def compose_requests(seen: list[Message]) -> list[ComposeMessageRequest]:
    """Each request once (the hook sees a message again at every parent it bubbles to)."""
    unique = {id(m): m for m in seen if isinstance(m, ComposeMessageRequest)}
    return list(unique.values())


def ago(minutes: int) -> Any:
    return FIXED_NOW - timedelta(minutes=minutes)


async def test_a_new_row_appears_without_input_newest_first_and_highlighted(
    make_app: AppFactory, salon: Salon
) -> None:
    # A short list (it moves at most SHORT_LIST rows on screen): shown at once. A long one:
    # test_in_a_long_list_a_new_row_waits_above_named_on_the_info_line_until_home.
    await salon.add_wish(client_name="Старая", created_at=ago(90))
    await salon.add_wish(client_name="Вчерашняя", created_at=ago(60 * 24))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot, salon.users["operator"])
        await app.wait_for(lambda: table(app).row_count == 2)
        assert not table(app).fresh_keys, "what was there at login is not news"
        row = await salon.add_wish(
            client_name="Новая Клиентка", service_title="Педикюр", created_at=ago(0)
        )
        key = str(row["id"])
        await app.wait_for(lambda: table(app).keys[:1] == [key])
        assert key in table(app).fresh_keys
        assert not table(app).held_keys
        text = screen_text(app)
        assert "Новая Клиентка" in text and "Педикюр" in text
        assert text.index("Новая Клиентка") < text.index("Старая")
        assert "25.11 12:30" in text, "older days show the date, in Moscow time"
        assert "11:00" in text, "FIXED_NOW-90min is 11:00 in Moscow"
        # No batch follows: the highlight goes out on its own.
        await app.wait_for(lambda: not table(app).fresh_keys, 15)


async def test_in_a_long_list_a_new_row_waits_above_named_on_the_info_line_until_home(
    make_app: AppFactory, salon: Salon
) -> None:
    for n in range(40):
        await salon.add_wish(client_name=f"Было {n}", created_at=ago(100 - n))
    app = make_app(language="ru")
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot, salon.users["operator"])
        await app.wait_for(lambda: table(app).row_count == 40)
        await pilot.press("down", "down")
        on_screen = screen_text(app)
        cursor = table(app).cursor_key
        first = await salon.add_wish(client_name="Первая Новая", created_at=ago(1))
        await app.wait_for(lambda: table(app).held_keys == (str(first["id"]),))
        text = screen_text(app)
        assert "▲ 1 новая запись: Первая Новая — Home" in text
        assert "Открытые 41" in text, "the counts are live"
        assert "41 запись" in text
        await salon.add_wish(client_name="Вторая Новая", created_at=ago(0))
        await app.wait_for(lambda: len(table(app).held_keys) == 2)
        text = screen_text(app)
        assert "▲ 2 новые записи: Вторая Новая — Home" in text
        # The rows on screen did not move: the table's lines are as they were.
        lines = on_screen.splitlines()
        table_lines = [line for line in lines if "Было" in line]
        assert table_lines == [line for line in text.splitlines() if "Было" in line]
        assert table(app).cursor_key == cursor, "the cursor stays on its row"
        assert table(app).row_count == 40 and not table(app).fresh_keys

        await pilot.press("home")
        await app.wait_for(lambda: not table(app).held_keys)
        assert names(app, table(app).keys[:3]) == ["Вторая Новая", "Первая Новая", "Было 39"]
        assert table(app).cursor_row == 0
        assert str(first["id"]) in table(app).fresh_keys, "what waited is highlighted once shown"
        text = screen_text(app)
        assert "▲" not in text and text.index("Вторая Новая") < text.index("Было 39")

        # ↑ on the first row goes on into what waited above it; `g` is Home's other key.
        third = await salon.add_wish(client_name="Третья", created_at=ago(0))
        await app.wait_for(lambda: table(app).held_keys == (str(third["id"]),))
        await pilot.press("up")
        await app.wait_for(lambda: table(app).cursor_key == str(third["id"]))
        await pilot.press("down", "down")
        fourth = await salon.add_wish(client_name="Четвёртая", created_at=ago(0))
        await app.wait_for(lambda: table(app).held_keys == (str(fourth["id"]),))
        await pilot.press("g")
        await app.wait_for(lambda: table(app).cursor_key == str(fourth["id"]))
        assert not table(app).held_keys

        # The wheel turned up at the top shows them too, the cursor left on its row.
        await pilot.press("down", "down")
        cursor = table(app).cursor_key
        fifth = await salon.add_wish(client_name="Пятая", created_at=ago(0))
        await app.wait_for(lambda: table(app).held_keys == (str(fifth["id"]),))
        wheel = events.MouseScrollUp(table(app), 5, 5, 0, -1, 0, False, False, False)
        table(app).post_message(wheel)
        await app.wait_for(lambda: table(app).keys[:1] == [str(fifth["id"])])
        assert table(app).cursor_key == cursor and not table(app).held_keys


async def test_a_burst_of_300_rows_is_a_few_diffs_and_every_row_is_shown(
    make_app: AppFactory, salon: Salon
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["viewer"])
        batches = 0
        apply_batch = tab(app).apply_batch

        def counted(batch: Any) -> None:
            nonlocal batches
            batches += 1
            apply_batch(batch)

        tab(app).apply_batch = counted  # type: ignore[method-assign]
        await salon.db.execute(
            "insert into public.wishlist_v2 (tenant_id, client_id, client_name, service_title, "
            "created_at) select $1, 'tg:burst' || n, 'Клиент ' || n, 'Стрижка', "
            "$2::timestamptz + n * interval '1 second' from generate_series(1, 300) n",
            salon.tenant_id,
            ago(30),
        )
        # The first batch fills the empty table at once; the later ones wait above it.
        await app.wait_for(lambda: len(table(app).all_keys) == 300, 30)
        assert 1 <= batches <= 10, "a burst is batched, not one diff per row"
        assert "300 entries" in screen_text(app)
        await pilot.press("home")
        await app.wait_for(lambda: table(app).row_count == 300)
        assert names(app, table(app).keys[:3]) == ["Клиент 300", "Клиент 299", "Клиент 298"]


async def test_filter_by_name_phone_service_comment_and_esc_clears(
    make_app: AppFactory, salon: Salon
) -> None:
    await salon.add_wish(client_name="Анна", client_phone="+7 900 111-22-33", created_at=ago(3))
    await salon.add_wish(client_name="Борис", service_title="Бритьё", created_at=ago(2))
    await salon.add_wish(client_name="Вера", comment="после 18:00 ПОЖАЛУЙСТА", created_at=ago(1))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot, salon.users["operator"])
        await app.wait_for(lambda: table(app).row_count == 3)

        def names() -> list[str | None]:
            return [tab(app).entries[key].client_name for key in table(app).keys]

        await pilot.press("slash", *"бритьё")
        await app.wait_for(lambda: names() == ["Борис"])
        assert "filter: бритьё" in screen_text(app)
        await pilot.press("escape")
        await app.wait_for(lambda: len(names()) == 3)
        assert table(app).has_focus
        await pilot.press("slash", *"пожалуйста", "enter")
        await app.wait_for(lambda: names() == ["Вера"])
        assert table(app).has_focus, "Enter keeps the filter and returns to the rows"
        await pilot.press("escape", "slash", *"1112233")
        await app.wait_for(lambda: names() == ["Анна"])
        await pilot.press("escape")
        await app.wait_for(lambda: names() == ["Вера", "Борис", "Анна"])


async def test_the_filter_applies_in_the_call_that_changes_its_text(
    make_app: AppFactory, salon: Salon
) -> None:
    # So the rows and the info line are drawn in the same frame as the character typed.
    await salon.add_wish(client_name="Анна", created_at=ago(2))
    await salon.add_wish(client_name="Борис", created_at=ago(1))
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["operator"])
        await app.wait_for(lambda: table(app).row_count == 2)
        await pilot.press("slash")
        field = tab(app).filter_field
        field.insert_text_at_cursor("бор")
        assert [tab(app).entries[key].client_name for key in table(app).keys] == ["Борис"]
        info = app.screen.query_one("#wishlist-info", Static)
        assert "filter: бор" in str(info.content)


async def test_a_filter_that_leaves_the_rows_on_screen_leaves_the_new_ones_held(
    make_app: AppFactory, salon: Salon
) -> None:
    # Revealed at every key, the held rows pushed the whole table down with each echo.
    for n in range(40):
        await salon.add_wish(client_name=f"Было {n}", created_at=ago(100 - n))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot, salon.users["operator"])
        await app.wait_for(lambda: table(app).row_count == 40)
        on_screen = table(app).keys
        new = str((await salon.add_wish(client_name="Было 300", created_at=ago(1)))["id"])
        await app.wait_for(lambda: table(app).held_keys == (new,))

        info = app.screen.query_one("#wishlist-info", Static)
        await pilot.press("slash", *"было")
        await app.wait_for(lambda: "filter: было" in str(info.content))
        assert table(app).held_keys == (new,), "every row on screen matches: none moved"
        assert table(app).keys == on_screen
        assert "▲ 1 new entry: Было 300 — Home" in screen_text(app)

        await pilot.press(*" 3")
        await app.wait_for(lambda: "filter: было 3" in str(info.content))
        assert not table(app).held_keys, "the rows on screen changed: the held one with them"
        assert names(app, table(app).keys[:3]) == ["Было 300", "Было 39", "Было 38"]
        assert new in table(app).fresh_keys


async def test_s_cycles_the_sort_column_and_keeps_the_cursor_on_its_row(
    make_app: AppFactory, salon: Salon
) -> None:
    await salon.add_wish(client_name="Вера", service_title="Маникюр", created_at=ago(3))
    await salon.add_wish(
        client_name="Анна", service_title="Стрижка", status="booked", created_at=ago(2)
    )
    await salon.add_wish(client_name="Борис", service_title="Бритьё", created_at=ago(1))
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["operator"])
        await app.wait_for(lambda: table(app).row_count == 2)  # open ones: Анна is booked
        await pilot.press("f")
        await app.wait_for(lambda: table(app).row_count == 3)

        def names() -> list[str | None]:
            return [tab(app).entries[key].client_name for key in table(app).keys]

        assert names() == ["Борис", "Анна", "Вера"]
        await pilot.press("down")  # the cursor on Анна
        await pilot.press("s")
        await app.wait_for(lambda: names() == ["Анна", "Борис", "Вера"])
        assert "sorted: client" in screen_text(app)
        assert table(app).entry_at_cursor().client_name == "Анна"  # type: ignore[union-attr]
        await pilot.press("s")
        await app.wait_for(lambda: names() == ["Борис", "Вера", "Анна"])
        await pilot.press("s")
        await app.wait_for(
            lambda: names() == ["Борис", "Вера", "Анна"] and "status" in screen_text(app)
        )
        assert tab(app).sort == "status"
        await pilot.press("s")
        await app.wait_for(lambda: names() == ["Борис", "Анна", "Вера"])


async def test_enter_opens_the_entry_with_its_conversation_and_m_goes_to_the_composer(
    make_app: AppFactory, salon: Salon
) -> None:
    thread = await salon.add_session(
        client_id="tg:olga",
        client_name="Ольга",
        messages=[
            {
                "id": "1",
                "role": "client",
                "text": "Есть окно в пятницу?",
                "at": ago(40).isoformat(),
            },
            {
                "id": "2",
                "role": "bot",
                "text": "Записала вас в лист ожидания.",
                "at": ago(39).isoformat(),
            },
        ],
        last_message_at=ago(39),
    )
    await salon.add_wish(client_id="tg:olga", client_name="Ольга", comment="пятница вечер")
    seen: list[Message] = []
    app = make_app()
    async with app.run_test(size=(80, 24), message_hook=seen.append) as pilot:
        await login(pilot, salon.users["operator"])
        await app.wait_for(lambda: table(app).row_count == 1)
        await pilot.press("enter")
        await app.wait_for(
            lambda: isinstance(app.screen, WishlistEntryScreen) and app.screen.loaded
        )
        text = screen_text(app)
        assert "Есть окно в пятницу?" in text and "Записала вас в лист ожидания." in text
        assert "client" in text and "bot" in text and "11:50" in text  # 08:50 UTC in Moscow
        assert "пятница вечер" in text
        await pilot.press("m")
        await app.wait_for(
            lambda: isinstance(app.screen, MainScreen) and app.screen.active_tab == "commands"
        )
        requests = compose_requests(seen)
        assert [(r.client_id, r.session_id) for r in requests] == [("tg:olga", str(thread["id"]))]


async def test_m_in_the_table_posts_a_compose_request(make_app: AppFactory, salon: Salon) -> None:
    await salon.add_wish(client_id="tg:ivan", client_name="Иван")
    seen: list[Message] = []
    app = make_app()
    async with app.run_test(size=(120, 40), message_hook=seen.append) as pilot:
        await login(pilot, salon.users["operator"])
        await app.wait_for(lambda: table(app).row_count == 1)
        assert "Message" in screen_text(app)
        await pilot.press("m")
        await app.wait_for(lambda: app.screen.active_tab == "commands")  # type: ignore[attr-defined]
        requests = compose_requests(seen)
        assert [(r.client_id, r.client_name, r.session_id) for r in requests] == [
            ("tg:ivan", "Иван", None)
        ]


@pytest.mark.parametrize("role, read_only", [("viewer", False), ("operator", True)])
async def test_viewer_and_read_only_neither_see_nor_run_m(
    make_app: AppFactory, salon: Salon, role: str, read_only: bool
) -> None:
    await salon.add_wish(client_id="tg:ivan", client_name="Иван")
    seen: list[Message] = []
    app = make_app(read_only=read_only)
    async with app.run_test(size=(120, 40), message_hook=seen.append) as pilot:
        await login(pilot, salon.users[role])
        await app.wait_for(lambda: table(app).row_count == 1)
        assert "Message" not in screen_text(app), "the footer hides the write action"
        await pilot.press("m")
        await pilot.press("enter")
        await app.wait_for(
            lambda: isinstance(app.screen, WishlistEntryScreen) and app.screen.loaded
        )
        assert "write to the client" not in screen_text(app)
        await pilot.press("m", "escape")
        await app.wait_for(lambda: isinstance(app.screen, MainScreen))
        assert app.screen.active_tab == "wishlist"
        assert not compose_requests(seen)


async def test_markup_and_escape_codes_from_clients_are_shown_literally(
    make_app: AppFactory, salon: Salon
) -> None:
    await salon.add_wish(
        client_name="[bold]Bold[/bold]",
        service_title="\x1b[31mred",
        comment="[link=http://evil]x[/link]",
    )
    app = make_app()
    async with app.run_test(size=(200, 60)) as pilot:
        await login(pilot, salon.users["operator"])
        await app.wait_for(lambda: table(app).row_count == 1)
        text = screen_text(app)
        assert "[bold]Bold[/bold]" in text
        assert "␛[31mred" in text
        assert "[link=http://evil]x[/link]" in text
        await pilot.press("enter")
        await app.wait_for(
            lambda: isinstance(app.screen, WishlistEntryScreen) and app.screen.loaded
        )
        text = screen_text(app)
        assert "[bold]Bold[/bold]" in text and "␛[31mred" in text
        assert "No conversation with this client yet." in text


async def test_o_pages_in_older_rows_beyond_the_cap(
    make_app: AppFactory, salon: Salon, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(WishlistTab, "ROW_CAP", 5)
    monkeypatch.setattr(WishlistTab, "PAGE_SIZE", 2)
    for n in range(8):
        await salon.add_wish(client_name=f"Клиент {n}", created_at=ago(100 - n))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot, salon.users["viewer"])
        await app.wait_for(lambda: table(app).row_count == 5)
        assert "o: earlier entries" in screen_text(app)
        await pilot.press("o")
        await app.wait_for(lambda: table(app).row_count == 7)
        await pilot.press("o")
        await app.wait_for(lambda: table(app).row_count == 8 and tab(app).exhausted)
        names = [tab(app).entries[key].client_name for key in table(app).keys]
        assert names == [f"Клиент {n}" for n in range(7, -1, -1)]
        assert "all entries loaded" in screen_text(app)
        await salon.add_wish(client_name="Свежая", created_at=ago(0))
        await app.wait_for(lambda: "Свежая" in screen_text(app))
        assert table(app).row_count == 8, "the raised cap still holds: the oldest makes room"


async def test_a_deleted_row_disappears_and_an_update_changes_its_cells(
    make_app: AppFactory, salon: Salon
) -> None:
    gone = await salon.add_wish(client_name="Уйдёт", created_at=ago(2))
    stays = await salon.add_wish(client_name="Останется", created_at=ago(1))
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["operator"])
        await app.wait_for(lambda: table(app).row_count == 2)
        await pilot.press("down")  # the cursor on the row that stays... after the delete
        await salon.db.execute("delete from public.wishlist_v2 where id = $1", gone["id"])
        await app.wait_for(lambda: table(app).keys == [str(stays["id"])])
        assert "Уйдёт" not in screen_text(app)
        await salon.db.execute(
            "update public.wishlist_v2 set status = 'booked', updated_at = now() where id = $1",
            stays["id"],
        )
        # Booked is no longer open: it leaves the default view, and the counts say so.
        await app.wait_for(lambda: table(app).row_count == 0)
        assert "Open 0 · waiting 0 · offered 0 · booked 1" in screen_text(app)
        await pilot.press("f")  # all
        await app.wait_for(lambda: table(app).keys == [str(stays["id"])])
        assert "Останется" in screen_text(app) and "booked" in screen_text(app)


async def test_a_burst_past_the_cap_keeps_the_newest_rows_in_order_and_the_cursor(
    make_app: AppFactory, salon: Salon, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(WishlistTab, "ROW_CAP", 50)
    for n in range(50):
        await salon.add_wish(client_name=f"Было {n}", created_at=ago(200 - n))
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["viewer"])
        await app.wait_for(lambda: table(app).row_count == 50)
        await pilot.press("down", "down")
        held = table(app).cursor_key
        await salon.db.execute(
            "insert into public.wishlist_v2 (tenant_id, client_id, client_name, created_at) "
            "select $1, 'tg:b' || n, 'Новый ' || n, $2::timestamptz + n * interval '1 second' "
            "from generate_series(1, 30) n",
            salon.tenant_id,
            ago(10),
        )
        expected = [f"Новый {n}" for n in range(30, 0, -1)] + [
            f"Было {n}" for n in range(49, 29, -1)
        ]
        # Rows the cap trims off the screen repaint it anyway: what waited then shows too.
        await app.wait_for(lambda: names(app, table(app).all_keys) == expected)
        assert table(app).cursor_key == held, "the cursor stays on its row"
        await pilot.press("home")
        await app.wait_for(lambda: names(app, table(app).keys) == expected)
        assert table(app).row_count == 50


@pytest.mark.parametrize("enabled", [True, False])
async def test_the_bell_rings_for_new_entries_only_when_enabled(
    make_app: AppFactory, salon: Salon, monkeypatch: pytest.MonkeyPatch, enabled: bool
) -> None:
    await salon.add_wish(client_name="Была до входа")
    app = make_app()
    app.ctx.settings.bell = enabled
    rings: list[None] = []
    monkeypatch.setattr(app, "bell", lambda: rings.append(None))
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["operator"])
        await app.wait_for(lambda: table(app).row_count == 1)
        assert rings == [], "never for the initial batch"
        await salon.add_wish(client_name="Новая", created_at=ago(0))
        await app.wait_for(lambda: table(app).row_count == 2)
        assert len(rings) == (1 if enabled else 0)


async def test_rows_that_come_while_another_tab_is_shown_are_drawn_when_it_is_shown_again(
    make_app: AppFactory, salon: Salon
) -> None:
    await salon.add_wish(client_name="До ухода", created_at=ago(90))
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["operator"])
        await app.wait_for(lambda: table(app).row_count == 1)
        main = app.screen
        assert isinstance(main, MainScreen)
        main.navigate("commands")
        await app.wait_for(lambda: main.active_tab == "commands")
        drawn = 0
        show = table(app).show

        def counted(*args: Any, **kwargs: Any) -> None:
            nonlocal drawn
            drawn += 1
            show(*args, **kwargs)

        table(app).show = counted  # type: ignore[method-assign]
        for minutes in (3, 2, 1):
            await salon.add_wish(client_name=f"Пока на вкладке {minutes}", created_at=ago(minutes))
        await app.wait_for(lambda: len(tab(app).entries) == 4)
        assert drawn == 0, "a hidden tab's table is not redrawn for every batch"
        assert table(app).row_count == 1
        main.navigate("wishlist")
        await app.wait_for(lambda: table(app).row_count == 4)
        assert drawn == 1, "drawn once, as the tab is shown"
        names = [tab(app).entries[key].client_name for key in table(app).keys]
        assert names == ["Пока на вкладке 1", "Пока на вкладке 2", "Пока на вкладке 3", "До ухода"]
        await pilot.pause()
        text = screen_text(app)
        assert "Пока на вкладке 1" in text and "4 entries" in text
