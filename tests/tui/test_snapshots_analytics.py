"""Snapshots of the analytics tab: "not configured" and the figures, at 80×24 and 120×40.

The devstack's sandbox generates records relative to today, so its figures change daily. The
figures snapshot therefore shows a cache seeded with hand-made records (through the real
RecordCache.sync, from a mocked YClients) whose sync cursor lies in 2099: the app's own
incremental sync against the sandbox then finds no changes, and the picture is the same any day.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import pytest
from pydantic import SecretStr
from textual.pilot import Pilot

from devstack.demo_tenants import LOTOS
from services.yclients.cache import RecordCache, cache_path
from services.yclients.client import YClientsClient
from tabs.analytics_tab import AnalyticsTab, Phase
from tests.tui.conftest import AppFactory, StackProcess, built_tab, create_salon, login
from tests.tui.observed import ObservedApp
from tests.tui.screen_text import screen_text

MOSCOW = ZoneInfo("Europe/Moscow")
STAFF = [(11, "Ольга Кузнецова"), (12, "[bold]Марина[/bold]"), (13, "Екатерина Белова")]
SERVICES = [
    (201, "Маникюр с покрытием", 2500),
    (202, "Стрижка женская", 3200),
    (203, "Окрашивание в один тон", 6800),
    (204, "Педикюр", 2900),
]


def hand_made_records() -> list[dict[str, Any]]:
    """Twenty-eight bookings over four weeks up to the fixed clock's day, one of each kind."""
    out: list[dict[str, Any]] = []
    first = date(2026, 10, 30)
    for n in range(28):
        day = first + timedelta(days=n)
        start = datetime(day.year, day.month, day.day, 10 + n % 8, 0, tzinfo=MOSCOW)
        staff_id, staff_name = STAFF[n % 3]
        service_id, title, cost = SERVICES[(n * 7) % 4]
        attendance = -1 if n % 9 == 4 else (0 if n >= 26 else 1)
        out.append(
            {
                "id": 5000 + n,
                "company_id": LOTOS.company_id,
                "staff_id": staff_id,
                "visit_id": 9000 + n,
                "date": start.strftime("%Y-%m-%d %H:%M:%S"),
                "datetime": start.isoformat(),
                "last_change_date": "2026-11-01T10:00:00+0300",
                "attendance": attendance,
                "deleted": False,
                "staff": {"id": staff_id, "name": staff_name},
                "client": {"id": 700 + n % 11, "name": "Клиент", "phone": "+79120000000"},
                "services": [
                    {"id": service_id, "title": title, "cost": cost + 100 * (n % 3), "amount": 1}
                ],
            }
        )
    return out


def mocked_yclients(request: httpx.Request) -> httpx.Response:
    # The Date header becomes the cache's sync cursor: 2099, so later syncs see no change.
    headers = {"Date": "Thu, 01 Jan 2099 00:00:00 GMT"}
    if "/company/" in request.url.path:
        body: dict[str, Any] = {
            "success": True,
            "data": {"id": LOTOS.company_id, "title": "Лотос", "timezone_name": "Europe/Moscow"},
        }
    else:
        records = hand_made_records()
        body = {"success": True, "data": records, "meta": {"total_count": len(records)}}
    return httpx.Response(200, json=body, headers=headers)


async def seed_cache(cache_dir: Path, base_url: str) -> None:
    path = cache_path(cache_dir, base_url, LOTOS.company_id)
    async with (
        YClientsClient(
            base_url=base_url,
            partner_token=SecretStr("snapshot"),
            user_token=SecretStr("snapshot"),
            company_id=LOTOS.company_id,
            transport=httpx.MockTransport(mocked_yclients),
        ) as client,
        RecordCache(path, LOTOS.company_id) as cache,
    ):
        await cache.sync(client, date(2026, 10, 1), date(2026, 11, 30))


def salon_setup(stack: StackProcess, name: str, *, configured: bool) -> Any:
    async def arrange(pilot: Pilot[Any]) -> str:
        conn = await asyncpg.connect(stack.database_url)
        try:
            salon = await create_salon(conn, name)
            await conn.execute(
                "update dashboard.tenants set yclients_company_id = $2, "
                "yclients_user_token = $3 where id = $1",
                salon.tenant_id,
                LOTOS.company_id if configured else None,
                LOTOS.user_token if configured else None,
            )
        finally:
            await conn.close()
        await login(pilot, salon.users["viewer"])
        # The status bar lists feeds in the order they first reported, which varies between
        # runs; a fixed order keeps the snapshot about this tab (reported to the shell's owner).
        app = pilot.app
        assert isinstance(app, ObservedApp)
        app.ctx.feed_status = dict(sorted(app.ctx.feed_status.items()))
        app.screen.refresh_status()  # type: ignore[attr-defined]
        return salon.users["viewer"]

    return arrange


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_not_configured(
    snap_compare: Any,
    make_app: AppFactory,
    tui_stack: StackProcess,
    language: str,
    size: tuple[int, int],
) -> None:
    app = make_app(language=language)
    arrange = salon_setup(tui_stack, "Салон «Без YClients»", configured=False)

    async def run_before(pilot: Pilot[Any]) -> None:
        await arrange(pilot)
        assert isinstance(app, ObservedApp)
        await pilot.press("4")
        tab = await built_tab(app, AnalyticsTab)
        await app.wait_for(lambda: tab.phase == Phase.not_configured)
        await app.wait_for(lambda: "dashboard.tenants" in screen_text(app))
        await pilot.pause()

    assert snap_compare(app, run_before=run_before, terminal_size=size)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_figures_from_a_pinned_cache(
    snap_compare: Any, make_app: AppFactory, tui_stack: StackProcess, size: tuple[int, int]
) -> None:
    app = make_app(language="en")
    asyncio.run(seed_cache(app.ctx.settings.cache_dir, app.ctx.settings.yclients_base_url))
    arrange = salon_setup(tui_stack, "Салон «Снимок»", configured=True)

    async def run_before(pilot: Pilot[Any]) -> None:
        await arrange(pilot)
        assert isinstance(app, ObservedApp)
        await pilot.press("4")
        tab = await built_tab(app, AnalyticsTab)
        await app.wait_for(lambda: tab.phase == Phase.ready and not tab.from_cache)
        await app.wait_for(lambda: "Revenue by day" in screen_text(app))
        await pilot.pause()

    assert snap_compare(app, run_before=run_before, terminal_size=size)


def test_figures_ru(snap_compare: Any, make_app: AppFactory, tui_stack: StackProcess) -> None:
    app = make_app(language="ru")
    asyncio.run(seed_cache(app.ctx.settings.cache_dir, app.ctx.settings.yclients_base_url))
    arrange = salon_setup(tui_stack, "Салон «Снимок RU»", configured=True)

    async def run_before(pilot: Pilot[Any]) -> None:
        await arrange(pilot)
        assert isinstance(app, ObservedApp)
        await pilot.press("4")
        tab = await built_tab(app, AnalyticsTab)
        await app.wait_for(lambda: tab.phase == Phase.ready and not tab.from_cache)
        await app.wait_for(lambda: "Выручка по дням" in screen_text(app))
        await pilot.pause()

    assert snap_compare(app, run_before=run_before, terminal_size=(80, 24))
