"""Snapshots of the main screen on its wishlist tab (80×24, 120×40; en, ru) and of an entry.

The rows carry the bot's wished-for day, window and staff where it wrote them, one row is past
its day and still waiting (the `!` mark), and two are closed: the default Open filter hides
them, and the counts line above the table still counts them."""

from __future__ import annotations

import asyncio
from datetime import date, time, timedelta
from typing import Any

import asyncpg
import pytest
from textual.pilot import Pilot

from modals.wishlist_entry import WishlistEntryScreen
from screens.main import MainScreen
from tests.tui.conftest import FIXED_NOW, AppFactory, StackProcess, create_salon, login
from tests.tui.observed import ObservedApp
from widgets.wishlist_table import WishlistTable

SALON_NAME = "Салон «Снимок Листа»"


def ago(minutes: int) -> Any:
    return FIXED_NOW - timedelta(minutes=minutes)


WISHES: list[dict[str, Any]] = [
    {
        "client_id": "tg:2001",
        "client_name": "Анна Петрова",
        "client_phone": "+7 912 345-67-89",
        "service_title": "Стрижка женская",
        "staff_name": "Ольга",
        "desired_date": date(2026, 11, 28),
        "desired_time_from": time(15),
        "desired_time_to": time(20),
        "comment": "Суббота после 15:00, к Ольге",
        "created_at": ago(5),
    },
    {
        "client_id": "wa:79161112233",
        "client_name": "Ольга Смирнова",
        "client_phone": "+79161112233",
        "service_title": "Маникюр с покрытием",
        "desired_date": date(2026, 11, 27),
        "desired_time_from": time(10),
        "status": "offered",
        "created_at": ago(25),
    },
    {
        "client_id": "ig:mari",
        "client_name": "[b]Мария[/b] \x1b[31mVIP",
        "client_phone": None,
        "service_title": "Окрашивание",
        "comment": "[link=http://x.test]скидка[/link]?",
        "created_at": ago(47),
    },
    {
        "client_id": "vk:77",
        "client_name": "Екатерина Александровна Длиннофамильная",
        "client_phone": "+7 900 000-00-07",
        "service_title": "Педикюр",
        "status": "booked",
        "comment": "Любое утро на следующей неделе, кроме среды; лучше у Светланы",
        "created_at": ago(130),
    },
    {
        "client_id": "tg:2005",
        "client_name": "Ирина",
        "client_phone": "+7 926 555-44-33",
        "service_title": "Брови",
        "status": "cancelled",
        "created_at": ago(60 * 26),
    },
    {
        "client_id": "tg:2006",
        "client_name": "Дарья",
        "client_phone": "+7 915 222-11-00",
        "service_title": "Маникюр",
        "staff_name": "Светлана Викторовна",
        "desired_date": date(2026, 11, 24),
        "desired_time_from": time(12),
        "desired_time_to": time(14),
        "created_at": ago(60 * 50),
    },
]
FIRST_ID = 7_000_001
OPEN = sum(1 for wish in WISHES if wish.get("status", "waiting") in ("waiting", "offered"))

THREAD = {
    "client_id": "tg:2001",
    "client_name": "Анна Петрова",
    "client_phone": "+7 912 345-67-89",
    "messages": [
        {"id": "1", "role": "client", "text": "Можно на стрижку в субботу?", "at": ago(9)},
        {
            "id": "2",
            "role": "bot",
            "text": "В субботу всё занято. Добавить вас в лист ожидания?",
            "at": ago(8),
        },
        {"id": "3", "role": "client", "text": "Да, после 15:00, к Ольге.", "at": ago(6)},
        {
            "id": "4",
            "role": "bot",
            "text": "Готово: напишу, как только освободится время.",
            "at": ago(5),
        },
    ],
    "last_message_at": ago(5),
}


@pytest.fixture(scope="module")
def snapshot_salon(tui_stack: StackProcess) -> str:
    """The salon with fixed rows, created once per run (the same stack serves every test)."""

    async def prepare() -> str:
        db = await asyncpg.connect(tui_stack.database_url)
        try:
            salon = await create_salon(db, name=SALON_NAME)
            if not await db.fetchval(
                "select count(*) from public.wishlist_v2 where tenant_id = $1", salon.tenant_id
            ):
                for number, wish in enumerate(WISHES):
                    # Fixed ids and change times: the entry screen shows both.
                    fixed = {"id": FIRST_ID + number, "updated_at": wish["created_at"]}
                    await salon.add_wish(**fixed, **wish)
                thread = dict(THREAD)
                thread["messages"] = [{**m, "at": m["at"].isoformat()} for m in THREAD["messages"]]
                await salon.add_session(**thread)
            return salon.users["operator"]
        finally:
            await db.close()

    return asyncio.run(prepare())


async def wishlist_shown(pilot: Pilot[Any], email: str) -> None:
    app = pilot.app
    assert isinstance(app, ObservedApp)
    await login(pilot, email)
    table = app.screen.query_one(WishlistTable)
    await app.wait_for(lambda: table.row_count == OPEN)
    # The status bar lists feeds in the order their first status arrived, which races; fix
    # it for the picture (the shell should order them: see the wishlist report).
    app.ctx.feed_status = dict(sorted(app.ctx.feed_status.items()))
    screen = app.screen
    assert isinstance(screen, MainScreen)
    screen.refresh_status()
    await pilot.pause()


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_wishlist_tab(
    snap_compare: Any,
    make_app: AppFactory,
    snapshot_salon: str,
    language: str,
    size: tuple[int, int],
) -> None:
    app = make_app(clock=lambda: FIXED_NOW, language=language)

    async def run_before(pilot: Pilot[Any]) -> None:
        await wishlist_shown(pilot, snapshot_salon)
        assert isinstance(app.screen, MainScreen)

    assert snap_compare(app, run_before=run_before, terminal_size=size)


def test_wishlist_entry(snap_compare: Any, make_app: AppFactory, snapshot_salon: str) -> None:
    app = make_app(clock=lambda: FIXED_NOW, language="en")

    async def run_before(pilot: Pilot[Any]) -> None:
        await wishlist_shown(pilot, snapshot_salon)
        await pilot.press("enter")
        await app.wait_for(
            lambda: isinstance(app.screen, WishlistEntryScreen) and app.screen.loaded
        )
        await pilot.pause()

    assert snap_compare(app, run_before=run_before, terminal_size=(80, 24))
