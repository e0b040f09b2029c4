"""The sessions tab and an open conversation, end to end against the devstack."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from textual.message import Message

import tabs.sessions_tab as sessions_module
from core.messages import ComposeMessageRequest
from modals.confirm import ConfirmScreen
from modals.thread import ThreadScreen
from screens.main import MainScreen
from tabs.sessions_tab import FilterScreen, SessionsTab
from tests.tui.conftest import AppFactory, Salon, built_tab, login
from tests.tui.observed import ObservedApp
from tests.tui.screen_text import screen_text
from widgets.text_field import TextField

BASE = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return BASE + timedelta(minutes=minutes)


def msg(role: str, text: str, minutes: float) -> dict[str, Any]:
    return {"id": uuid.uuid4().hex, "role": role, "text": text, "at": at(minutes).isoformat()}


def notified(app: ObservedApp, text: str) -> bool:
    return any(text in notice.message for notice in app._notifications)


def sessions_tab(app: ObservedApp) -> SessionsTab:
    return app.screen.query_one("#sessions-view", SessionsTab)


def listed(app: ObservedApp) -> list[str]:
    if not isinstance(app.screen, MainScreen):
        return []
    return [item.client_name or "" for item in sessions_tab(app).session_list.summaries]


async def open_tab(pilot: Any, email: str) -> SessionsTab:
    app = pilot.app
    await login(pilot, email)
    await pilot.press("2")
    tab = await built_tab(app, SessionsTab)
    await app.wait_for(lambda: not tab.loading and tab.session_list.summaries != [])
    return tab


async def search(pilot: Any, text: str) -> None:
    app = pilot.app
    tab = sessions_tab(app)
    await pilot.press("slash")
    field = app.screen.query_one("#sessions-search", TextField)
    assert field.has_focus
    field.value = ""
    await pilot.press(*text, "enter")
    await app.wait_for(lambda: not tab.loading)


async def test_list_shows_sessions_newest_first(make_app: AppFactory, salon: Salon) -> None:
    await salon.add_session(client_name="Старая Клиентка", last_message_at=at(-24 * 60))
    await salon.add_session(client_name="Новая Клиентка", last_message_at=at(20))
    await salon.add_session(
        client_name="Средняя Клиентка",
        client_phone="+79161112233",
        channel="whatsapp",
        status="waiting_human",
        bot_paused=True,
        last_message_at=at(5),
        messages=[msg("bot", "Передаю администратору", 5)],
    )
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_tab(pilot, salon.users["viewer"])
        assert listed(app) == ["Новая Клиентка", "Средняя Клиентка", "Старая Клиентка"]
        text = screen_text(app)
        assert text.index("Новая Клиентка") < text.index("Средняя") < text.index("Старая")
        # Times in the salon's zone (Moscow, UTC+3): today as HH:MM, earlier days with a date.
        assert "12:20" in text and "12:05" in text and "25.11 12:00" in text
        assert "+79161112233" in text and "WhatsApp" in text and "needs staff" in text
        assert "bot paused · Bot: Передаю администратору" in text
        assert "3 conversations shown, newest first" in text


async def test_a_new_conversation_appears_in_the_open_list_without_a_key_press(
    make_app: AppFactory, salon: Salon
) -> None:
    await salon.add_session(client_name="Первая Клиентка", last_message_at=at(0))
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        tab = await open_tab(pilot, salon.users["operator"])
        assert listed(app) == ["Первая Клиентка"]
        await salon.add_session(client_name="Только Что Написала", last_message_at=at(5))
        await app.wait_for(lambda: listed(app) == ["Только Что Написала", "Первая Клиентка"])
        await app.wait_for(lambda: "Только Что Написала" in screen_text(app))
        # A burst of changes is one re-read, not one per change.
        reloads = 0
        reload = tab.reload

        def counted(*args: Any, **kwargs: Any) -> None:
            nonlocal reloads
            reloads += 1
            reload(*args, **kwargs)

        tab.reload = counted  # type: ignore[method-assign]
        for index in range(20):
            await salon.add_session(client_name=f"Поток {index}", last_message_at=at(10 + index))
        await app.wait_for(lambda: len(listed(app)) == 22)
        assert listed(app)[0] == "Поток 19"
        assert 1 <= reloads <= 5


async def test_search_by_name_phone_and_message_text(make_app: AppFactory, salon: Salon) -> None:
    await salon.add_session(client_name="Анна Петрова", client_phone="+79123456789")
    await salon.add_session(
        client_name="Ольга Смирнова",
        client_phone="+79161112233",
        messages=[msg("client", "Хочу на маникюр в пятницу", 1)],
    )
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await open_tab(pilot, salon.users["operator"])
        await search(pilot, "смирн")
        assert listed(app) == ["Ольга Смирнова"]
        await search(pilot, "8 (912) 345-67-89")
        assert listed(app) == ["Анна Петрова"]
        await search(pilot, "маникюр В ПЯТНИЦУ")
        assert listed(app) == ["Ольга Смирнова"]
        assert "search: маникюр В ПЯТНИЦУ" in screen_text(app)
        await search(pilot, "")
        assert sorted(listed(app)) == ["Анна Петрова", "Ольга Смирнова"]


async def test_search_metacharacters_are_plain_text(make_app: AppFactory, salon: Salon) -> None:
    for name in ("Скидка 100% Иван", "Петров, Сергей", "(VIP) Мария", "Обычный Клиент_1"):
        await salon.add_session(client_name=name, messages=[msg("client", "Добрый день", 1)])
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await open_tab(pilot, salon.users["viewer"])
        await search(pilot, "%")
        assert listed(app) == ["Скидка 100% Иван"]
        await search(pilot, ",")
        assert listed(app) == ["Петров, Сергей"]
        await search(pilot, "(")
        assert listed(app) == ["(VIP) Мария"]
        await search(pilot, "_")
        assert listed(app) == ["Обычный Клиент_1"]


async def test_too_long_search_is_refused_calmly(make_app: AppFactory, salon: Salon) -> None:
    await salon.add_session(client_name="Анна Петрова")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        tab = await open_tab(pilot, salon.users["viewer"])
        await pilot.press("slash")
        app.screen.query_one("#sessions-search", TextField).value = "я" * 201
        await pilot.press("enter")
        await app.wait_for(lambda: "search text is too long" in screen_text(app))
        assert listed(app) == ["Анна Петрова"], "the list stays as it was"
        assert not tab.loading


async def test_filter_by_status_and_channel(make_app: AppFactory, salon: Salon) -> None:
    await salon.add_session(client_name="Активная Телеграм", channel="telegram")
    await salon.add_session(
        client_name="Пауза Телеграм", channel="telegram", status="paused", bot_paused=True
    )
    await salon.add_session(
        client_name="Пауза Вотсап", channel="whatsapp", status="paused", bot_paused=True
    )
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        tab = await open_tab(pilot, salon.users["viewer"])
        await pilot.press("f")
        await app.wait_for(lambda: isinstance(app.screen, FilterScreen))
        # Status: any, active, needs staff, paused, closed.
        await pilot.press("enter", "down", "down", "down", "enter")
        await pilot.press("tab", "tab", "enter")  # to the date field; Enter applies
        await app.wait_for(lambda: isinstance(app.screen, MainScreen) and not tab.loading)
        assert sorted(listed(app)) == ["Пауза Вотсап", "Пауза Телеграм"]
        assert tab.filters.status == "paused"
        await pilot.press("f")
        await app.wait_for(lambda: isinstance(app.screen, FilterScreen))
        await pilot.press("tab", "enter", "down", "enter")  # channel: any → Telegram
        await pilot.press("tab", "enter")
        await app.wait_for(lambda: isinstance(app.screen, MainScreen) and not tab.loading)
        assert listed(app) == ["Пауза Телеграм"]
        assert "paused · Telegram" in screen_text(app)


async def test_filter_dialog_refuses_a_bad_date(make_app: AppFactory, salon: Salon) -> None:
    await salon.add_session(client_name="Вчерашняя", last_message_at=at(-24 * 60))
    await salon.add_session(client_name="Сегодняшняя", last_message_at=at(0))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        tab = await open_tab(pilot, salon.users["viewer"])
        await pilot.press("f")
        await app.wait_for(lambda: isinstance(app.screen, FilterScreen))
        await pilot.press("tab", "tab", *"31.02.2026", "enter")
        await app.wait_for(lambda: "Not a date" in screen_text(app))
        app.screen.query_one("#filter-from", TextField).value = "26.11.2026"
        await pilot.press("enter")
        await app.wait_for(lambda: isinstance(app.screen, MainScreen) and not tab.loading)
        assert listed(app) == ["Сегодняшняя"]


async def test_paging_reaches_every_session_exactly_once(
    make_app: AppFactory, salon: Salon, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sessions_module, "PAGE_SIZE", 10)
    ids = set()
    for index in range(120):
        # Three conversations share each time: the cursor must break ties by id.
        row = await salon.add_session(
            client_name=f"Клиент {index:03d}", last_message_at=at(-index // 3)
        )
        ids.add(str(row["id"]))
    loaded: list[Message] = []
    app = make_app()
    async with app.run_test(size=(100, 30), message_hook=loaded.append) as pilot:
        tab = await open_tab(pilot, salon.users["viewer"])
        assert len(tab.session_list.summaries) == 10
        await pilot.press("end")  # reaching the end of the list pages in older ones
        await app.wait_for(lambda: len(tab.session_list.summaries) == 20 and not tab.loading)
        while tab.cursor is not None:
            await pilot.press("o")
            await app.wait_for(lambda: not tab.loading)
        # The hook sees a message at every node it bubbles through: count each one once.
        pages = list({id(m): m for m in loaded if isinstance(m, SessionsTab.Loaded)}.values())
        delivered = [item.key for page in pages for item in page.page.items]
        assert len(delivered) == 120 and set(delivered) == ids
        keys = [item.key for item in tab.session_list.summaries]
        assert set(keys) == ids and len(keys) == 120
        stamps = [item.activity_at for item in tab.session_list.summaries]
        assert stamps == sorted(stamps, reverse=True)  # type: ignore[type-var]
        assert "120 conversations shown, newest first · that is all" in screen_text(app)


async def open_thread(pilot: Any, app: ObservedApp, name: str) -> ThreadScreen:
    tab = sessions_tab(app)
    names = listed(app)
    tab.session_list.highlighted = names.index(name)
    await pilot.press("enter")
    await app.wait_for(lambda: isinstance(app.screen, ThreadScreen))
    screen = app.screen
    assert isinstance(screen, ThreadScreen)
    await app.wait_for(lambda: screen.session is not None)
    return screen


THREAD = [
    msg("client", "Здравствуйте! Можно на стрижку?", 0),
    msg("bot", "Конечно! Есть окно в 15:00.", 1),
    {**msg("staff", "Это Ольга, подтверждаю запись.", 5), "author": "Ольга Кузнецова"},
]


async def test_enter_opens_the_thread_in_order_with_local_times_and_it_updates_live(
    make_app: AppFactory, salon: Salon
) -> None:
    row = await salon.add_session(
        client_name="Анна Петрова", messages=THREAD, last_message_at=at(5), started_at=at(0)
    )
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await open_tab(pilot, salon.users["viewer"])
        await open_thread(pilot, app, "Анна Петрова")
        text = screen_text(app)
        first, second, third = (text.index(m["text"]) for m in THREAD)
        assert first < second < third
        assert "12:00  Client" in text and "12:01  Bot" in text
        assert "12:05  Staff · Ольга Кузнецова" in text
        await app.wait_for(lambda: "updates: live" in screen_text(app))

        await salon.db.execute(
            "update public.conversation_sessions_v2 "
            "set messages = messages || $2::jsonb, last_message_at = $3, updated_at = now() "
            "where id = $1",
            row["id"],
            json.dumps([msg("client", "Спасибо, до встречи!", 7)], ensure_ascii=False),
            at(7),
        )
        await app.wait_for(lambda: "Спасибо, до встречи!" in screen_text(app))
        assert screen_text(app).index("подтверждаю запись") < screen_text(app).index("Спасибо")

        services = app.ctx.services
        assert services is not None
        assert any(feed.spec.name == "thread" for feed in services._feeds)
        await pilot.press("escape")
        await app.wait_for(lambda: isinstance(app.screen, MainScreen))
        await app.wait_for(lambda: all(f.spec.name != "thread" for f in services._feeds))


async def test_m_in_the_thread_goes_to_the_composer(make_app: AppFactory, salon: Salon) -> None:
    row = await salon.add_session(client_name="Анна Петрова", client_id="tg:5571713938")
    seen: list[Message] = []
    app = make_app()
    async with app.run_test(size=(100, 30), message_hook=seen.append) as pilot:
        await open_tab(pilot, salon.users["operator"])
        await open_thread(pilot, app, "Анна Петрова")
        await pilot.press("m")
        await app.wait_for(
            lambda: isinstance(app.screen, MainScreen) and app.screen.active_tab == "commands"
        )
        requests = [m for m in seen if isinstance(m, ComposeMessageRequest)]
        assert [(r.client_id, r.client_name, r.session_id) for r in requests][:1] == [
            ("tg:5571713938", "Анна Петрова", str(row["id"]))
        ]


async def test_pause_after_confirmation_writes_a_command_the_bot_performs(
    make_app: AppFactory, salon: Salon
) -> None:
    row = await salon.add_session(client_name="Анна Петрова")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await open_tab(pilot, salon.users["operator"])
        screen = await open_thread(pilot, app, "Анна Петрова")
        assert "Pause bot" in screen_text(app)
        await pilot.press("p")
        await app.wait_for(lambda: isinstance(app.screen, ConfirmScreen))
        assert "Pause the bot in this conversation? Client: Анна Петрова." in screen_text(app)
        await pilot.press("y")
        await app.wait_for(lambda: notified(app, "Pause requested (command #"))
        command = await salon.db.fetchrow(
            "select * from dashboard.bot_commands where tenant_id = $1", salon.tenant_id
        )
        assert command["command_type"] == "pause_bot"
        assert json.loads(command["payload"]) == {"session_id": str(row["id"])}
        # The bot simulator performs it; the open thread shows it without a key press.
        await app.wait_for(lambda: screen.session is not None and screen.session.bot_paused)
        assert "bot paused" in screen_text(app)
        status = await salon.db.fetchval(
            "select status from dashboard.bot_commands where id = $1", command["id"]
        )
        assert status == "done"
        await app.wait_for(lambda: "Resume bot" in screen_text(app))
        assert "Pause bot" not in screen_text(app)


@pytest.mark.parametrize("role,read_only", [("viewer", False), ("operator", True)])
async def test_viewer_and_read_only_cannot_pause_or_message(
    make_app: AppFactory, salon: Salon, role: str, read_only: bool
) -> None:
    await salon.add_session(client_name="Анна Петрова")
    app = make_app(read_only=read_only)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_tab(pilot, salon.users[role])
        await open_thread(pilot, app, "Анна Петрова")
        text = screen_text(app)
        assert "Close" in text
        assert "Pause bot" not in text and "Message" not in text and "Resume" not in text
        await pilot.press("p", "r", "m")
        await pilot.pause()
        assert isinstance(app.screen, ThreadScreen)
        count = await salon.db.fetchval(
            "select count(*) from dashboard.bot_commands where tenant_id = $1", salon.tenant_id
        )
        assert count == 0


INJECTED_NAME = "[b]Хакер[/b]\x1b[1m"
SHOWN_NAME = "[b]Хакер[/b]␛[1m"
INJECTED_TEXT = "\x1b[31mКРАСНЫЙ [red]текст[/red] [link=http://evil.test]x[/link]"
SHOWN_TEXT = "␛[31mКРАСНЫЙ [red]текст[/red] [link=http://evil.test]x[/link]"


async def test_markup_and_ansi_are_shown_literally(make_app: AppFactory, salon: Salon) -> None:
    await salon.add_session(client_name=INJECTED_NAME, messages=[msg("client", INJECTED_TEXT, 1)])
    app = make_app()
    async with app.run_test(size=(140, 30)) as pilot:
        await open_tab(pilot, salon.users["operator"])
        text = screen_text(app)
        assert SHOWN_NAME in text and SHOWN_TEXT in text
        await open_thread(pilot, app, INJECTED_NAME)
        text = screen_text(app)
        assert SHOWN_NAME in text and SHOWN_TEXT in text
        await pilot.press("p")
        await app.wait_for(lambda: isinstance(app.screen, ConfirmScreen))
        assert SHOWN_NAME in screen_text(app)


def test_every_sessions_string_exists_in_both_languages() -> None:
    from core.actions import actions_in
    from core.i18n import catalog
    from core.locale.sessions import STRINGS

    assert set(STRINGS["en"]) == set(STRINGS["ru"])
    for spec in actions_in("sessions") + actions_in("thread"):
        assert spec.label in STRINGS["en"] and spec.label in STRINGS["ru"]
        assert catalog("ru")[spec.label] != catalog("en")[spec.label]


async def test_russian_ui_of_the_list_the_filters_and_the_thread(
    make_app: AppFactory, salon: Salon
) -> None:
    await salon.add_session(client_name="Анна Петрова", status="waiting_human", bot_paused=True)
    app = make_app(language="ru")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_tab(pilot, salon.users["operator"])
        text = screen_text(app)
        assert "Показан 1 диалог, сначала новые" in text and "ждёт сотрудника" in text
        assert "бот на паузе · Клиент: Здравствуйте!" in text
        await pilot.press("f")
        await app.wait_for(lambda: isinstance(app.screen, FilterScreen))
        text = screen_text(app)
        assert "Статус" in text and "Канал" in text and "Применить" in text
        assert "Esc — отмена" in text, "the whole dialog fits 80×24"
        await pilot.press("escape")
        await open_thread(pilot, app, "Анна Петрова")
        await app.wait_for(lambda: "Снять с паузы" in screen_text(app))
        assert "Написать" in screen_text(app) and "Поставить на паузу" not in screen_text(app)
