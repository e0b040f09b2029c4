"""Snapshots of the sessions tab and of an open conversation, at 80×24 and 120×40."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from textual.pilot import Pilot

from modals.confirm import ConfirmScreen
from modals.thread import ThreadScreen
from screens.main import MainScreen
from services.feeds import FeedState
from tabs.sessions_tab import SessionsTab
from tests.tui.conftest import FIXED_NOW, AppFactory, StackProcess, built_tab, create_salon, login
from tests.tui.observed import ObservedApp

SALON_NAME = "Салон «Снимок Диалогов»"
BASE = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return BASE + timedelta(minutes=minutes)


def message(index: int, role: str, text: str, minutes: int, **extra: str) -> dict[str, str]:
    return {"id": f"m{index}", "role": role, "text": text, "at": at(minutes).isoformat(), **extra}


THREAD = [
    message(1, "client", "Здравствуйте! Можно записаться на стрижку в субботу?", 0),
    message(2, "bot", "Здравствуйте, Анна! В субботу свободно 11:00 и 15:30. Что удобнее?", 1),
    message(3, "client", "Лучше 15:30.\nИ ещё: можно к Ольге?", 3),
    message(4, "bot", "Передаю ваш вопрос администратору, ответим в течение 10 минут.", 4),
    message(
        5, "staff", "Добрый день! Да, Ольга свободна в 15:30, записала вас.", 12, author="Ольга"
    ),
]

SESSIONS: list[dict[str, Any]] = [
    {
        "client_id": "tg:1001",
        "client_name": "Анна Петрова",
        "client_phone": "+7 912 345-67-89",
        "channel": "telegram",
        "status": "active",
        "messages": THREAD,
        "started_at": at(0),
        "last_message_at": at(12),
    },
    {
        "client_id": "wa:79161112233",
        "client_name": "Ольга Смирнова",
        "client_phone": "+79161112233",
        "channel": "whatsapp",
        "status": "waiting_human",
        "bot_paused": True,
        "messages": [message(1, "client", "Хочу перенести запись на вторник, это возможно?", 8)],
        "started_at": at(8),
        "last_message_at": at(8),
    },
    {
        "client_id": "ig:mari",
        "client_name": "[b]Мария[/b] \x1b[31mVIP",
        "client_phone": None,
        "channel": "instagram",
        "status": "paused",
        "bot_paused": True,
        "messages": [message(1, "client", "[link=http://x.test]скидка[/link] есть?", 2)],
        "started_at": at(2),
        "last_message_at": at(2),
    },
    {
        "client_id": "vk:77",
        "client_name": "Екатерина Александровна Длиннофамильная",
        "client_phone": "+7 900 000-00-07",
        "channel": "vk",
        "status": "closed",
        "messages": [message(1, "bot", "Спасибо, ждём вас 28 ноября в 18:00!", -1500)],
        "started_at": at(-1520),
        "last_message_at": at(-1500),
    },
]


@pytest.fixture(scope="module")
def snapshot_salon(tui_stack: StackProcess) -> str:
    """The salon with fixed data, once per run (the stack is fresh each run)."""

    async def prepare() -> str:
        db = await asyncpg.connect(tui_stack.database_url)
        try:
            salon = await create_salon(db, name=SALON_NAME)
            if not await db.fetchval(
                "select count(*) from public.conversation_sessions_v2 where tenant_id = $1",
                salon.tenant_id,
            ):
                for fields in SESSIONS:
                    await salon.add_session(**fields)
            return salon.users["operator"]
        finally:
            await db.close()

    return asyncio.run(prepare())


def steady_status_bar(app: ObservedApp) -> None:
    """The status bar lists feeds in the order they first reported: fix it for the picture."""
    app.ctx.feed_status = dict(sorted(app.ctx.feed_status.items()))
    screen = app.screen
    assert isinstance(screen, MainScreen)
    screen.refresh_status()


async def sessions_shown(pilot: Pilot[Any], email: str) -> None:
    app = pilot.app
    assert isinstance(app, ObservedApp)
    await login(pilot, email)
    steady_status_bar(app)
    await pilot.press("2")
    tab = await built_tab(app, SessionsTab)
    await app.wait_for(lambda: not tab.loading and len(tab.session_list.summaries) == 4)
    await pilot.pause()


async def thread_shown(pilot: Pilot[Any], email: str) -> None:
    app = pilot.app
    assert isinstance(app, ObservedApp)
    await sessions_shown(pilot, email)
    await pilot.press("enter")
    await app.wait_for(lambda: isinstance(app.screen, ThreadScreen))
    screen = app.screen
    assert isinstance(screen, ThreadScreen)
    await app.wait_for(
        lambda: (
            screen.session is not None
            and screen.feed_status is not None
            and screen.feed_status.state == FeedState.live
        )
    )
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_sessions_tab(
    snap_compare: Any, make_app: AppFactory, snapshot_salon: str, size: tuple[int, int]
) -> None:
    app = make_app(clock=lambda: FIXED_NOW)

    async def run_before(pilot: Pilot[Any]) -> None:
        await sessions_shown(pilot, snapshot_salon)
        assert isinstance(app.screen, MainScreen)

    assert snap_compare(app, run_before=run_before, terminal_size=size)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_thread_screen(
    snap_compare: Any, make_app: AppFactory, snapshot_salon: str, size: tuple[int, int]
) -> None:
    app = make_app(clock=lambda: FIXED_NOW)

    async def run_before(pilot: Pilot[Any]) -> None:
        await thread_shown(pilot, snapshot_salon)

    assert snap_compare(app, run_before=run_before, terminal_size=size)


# Russian at 80×24: the language with the longest words in the smallest terminal.
def test_sessions_tab_ru(snap_compare: Any, make_app: AppFactory, snapshot_salon: str) -> None:
    app = make_app(clock=lambda: FIXED_NOW, language="ru")

    async def run_before(pilot: Pilot[Any]) -> None:
        await sessions_shown(pilot, snapshot_salon)

    assert snap_compare(app, run_before=run_before, terminal_size=(80, 24))


def test_thread_screen_ru(snap_compare: Any, make_app: AppFactory, snapshot_salon: str) -> None:
    app = make_app(clock=lambda: FIXED_NOW, language="ru")

    async def run_before(pilot: Pilot[Any]) -> None:
        await thread_shown(pilot, snapshot_salon)

    assert snap_compare(app, run_before=run_before, terminal_size=(80, 24))


def test_confirm_pause_ru(snap_compare: Any, make_app: AppFactory, snapshot_salon: str) -> None:
    app = make_app(clock=lambda: FIXED_NOW, language="ru")

    async def run_before(pilot: Pilot[Any]) -> None:
        await thread_shown(pilot, snapshot_salon)
        await pilot.press("p")
        await app.wait_for(lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.pause()

    assert snap_compare(app, run_before=run_before, terminal_size=(80, 24))
