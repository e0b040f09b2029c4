"""The analytics tab end to end: the devstack's YClients sandbox behind a logged-in salon."""

from __future__ import annotations

import asyncio
import csv
import json
from datetime import datetime, timedelta

import pytest
from pydantic import SecretStr
from textual.widgets import Input

import services.tenant_yclients as tenant_yclients
from devstack.demo_tenants import LOTOS
from screens.main import MainScreen
from services.analytics import CSV_COLUMNS, compute_analytics
from services.yclients.client import YClientsClient
from services.yclients.limiter import RateLimiter, shared_limiter
from tabs.analytics_tab import AnalyticsTab, Phase
from tests.tui.conftest import FIXED_NOW, AppFactory, Salon, StackProcess, login
from tests.tui.observed import ObservedApp
from tests.tui.screen_text import screen_text
from widgets.analytics_figures import figure_values
from widgets.bot_figures import BotFigures
from widgets.timefmt import zone

TODAY = FIXED_NOW.astimezone(zone("Europe/Moscow")).date()


class Gate(RateLimiter):
    """Lets `passes` requests through, then holds the rest until `open` is set: a sync that
    stops mid-way for as long as a test needs, with no timing involved."""

    def __init__(self, passes: int) -> None:
        super().__init__()
        self.passes = passes
        self.open = asyncio.Event()
        self.count = 0

    async def acquire(self) -> None:
        self.count += 1
        if self.count > self.passes:
            await self.open.wait()
        await shared_limiter().acquire()  # the real budget, as the app would use


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Gate:
    held = Gate(2)  # the company's timezone and the first page of records
    monkeypatch.setattr(tenant_yclients, "host_limiter", lambda _cache_dir: held)
    return held


async def configure(salon: Salon) -> None:
    await salon.db.execute(
        "update dashboard.tenants set yclients_company_id = $2, yclients_user_token = $3 "
        "where id = $1",
        salon.tenant_id,
        LOTOS.company_id,
        LOTOS.user_token,
    )


def tab_of(app: ObservedApp) -> AnalyticsTab:
    return app.screen.query_one(AnalyticsTab)


async def open_tab(app: ObservedApp, pilot: object) -> AnalyticsTab:
    await pilot.press("4")  # type: ignore[attr-defined]
    # Built on its first show (tabs/tab_slot.py).
    await app.wait_for(lambda: bool(app.screen.query(AnalyticsTab)))
    return tab_of(app)


async def test_not_configured_says_what_to_set_and_where(
    make_app: AppFactory, salon: Salon
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["viewer"])
        main = app.screen
        assert isinstance(main, MainScreen)
        assert main.tab_view("analytics") is None  # lazy: not even built before it is shown
        await open_tab(app, pilot)
        await app.wait_for(lambda: "YClients is not connected" in screen_text(app))
        text = screen_text(app)
        assert "yclients_company_id" in text and "yclients_user_token" in text
        assert "dashboard.tenants" in text
        assert "YCLIENTS_PARTNER_TOKEN" not in text  # the app has its partner token

        await configure(salon)
        app.ctx.settings.yclients_partner_token = None
        await pilot.press("r")
        await app.wait_for(lambda: "YCLIENTS_PARTNER_TOKEN" in screen_text(app))
        assert "yclients_company_id" not in screen_text(app)


async def test_progress_then_figures_matching_the_sandbox(
    make_app: AppFactory, salon: Salon, gate: Gate, tui_stack: StackProcess
) -> None:
    await configure(salon)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["operator"])
        tab = await open_tab(app, pilot)
        await app.wait_for(lambda: "Syncing with YClients: page 1 of" in screen_text(app))
        assert tab.figures is None and tab.phase == Phase.syncing
        gate.open.set()
        await app.wait_for(lambda: tab.phase == Phase.ready)
        assert tab.figures is not None
        report = tab.figures.report
        assert (report.period_from, report.period_to) == (TODAY - timedelta(days=29), TODAY)
        await app.wait_for(lambda: "Synced with YClients at 12:30" in screen_text(app))
        shown = figure_values(report)
        await app.wait_for(lambda: all(v in screen_text(app) for _, v in shown))
        text = screen_text(app)
        for label, value in shown:
            assert label in text and value in text
        assert "Revenue by day" in text and "Revenue by staff" in text
        assert "By staff" in text and report.by_staff[0].name in text

    async with YClientsClient(
        base_url=str(tui_stack.info["yclients_url"]),
        partner_token=SecretStr(str(tui_stack.info["yclients_partner_token"])),
        user_token=SecretStr(LOTOS.user_token),
        company_id=LOTOS.company_id,
    ) as client:
        records = await client.fetch_records(report.period_from, report.period_to)
        tz = await client.company_timezone()
    expected = compute_analytics(
        records, period_from=report.period_from, period_to=report.period_to, tz=tz
    )
    assert report.to_json_dict() == expected.to_json_dict()


async def test_period_change_recomputes_and_custom_dates_are_checked(
    make_app: AppFactory, salon: Salon
) -> None:
    await configure(salon)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot, salon.users["viewer"])
        tab = await open_tab(app, pilot)
        await app.wait_for(lambda: tab.phase == Phase.ready)
        thirty = tab.figures
        assert thirty is not None

        await pilot.press("p")  # this month
        first_of_month = TODAY.replace(day=1)
        await app.wait_for(
            lambda: (
                tab.phase == Phase.ready
                and tab.figures is not None
                and tab.figures.report.period_from == first_of_month
            )
        )
        assert f"{first_of_month:%d.%m.%Y} – {TODAY:%d.%m.%Y}" in screen_text(app)
        assert tab.figures is not None
        assert tab.figures.report.visits <= thirty.report.visits

        await pilot.press("p")  # custom: the fields take the shown dates, focus on "From"
        await app.wait_for(lambda: app.focused is not None and app.focused.id == "period-from")
        await pilot.press(*["backspace"] * 10, *"01.13.2026", "enter")
        await app.wait_for(lambda: "The date in “From” is wrong" in screen_text(app))
        await pilot.press(*["backspace"] * 10, *f"{TODAY - timedelta(days=2):%d.%m.%Y}", "tab")
        await pilot.press(*["backspace"] * 10, *f"{TODAY - timedelta(days=5):%d.%m.%Y}", "enter")
        await app.wait_for(lambda: "The period ends before it starts" in screen_text(app))
        await pilot.press(*["backspace"] * 10, *f"{TODAY:%d.%m.%Y}", "enter")
        await app.wait_for(
            lambda: (
                tab.phase == Phase.ready
                and tab.figures is not None
                and tab.figures.report.period_from == TODAY - timedelta(days=2)
            )
        )
        assert tab.figures is not None and tab.figures.report.period_to == TODAY
        assert "is wrong" not in screen_text(app)

        # Escape leaves the date fields without applying what was typed there.
        app.screen.query_one("#period-from").focus()
        await pilot.press(*["backspace"] * 10, *"01.01.2020")
        await pilot.press("escape")
        await app.wait_for(lambda: app.focused is not None and app.focused.id == "analytics-body")
        assert tab.period.start == TODAY - timedelta(days=2)
        shown = f"{TODAY - timedelta(days=2):%d.%m.%Y}"
        assert app.screen.query_one("#period-from", Input).value == shown
        assert "01.01.2020" not in screen_text(app)


async def test_x_cancels_a_sync_and_r_syncs_again(
    make_app: AppFactory, salon: Salon, gate: Gate
) -> None:
    await configure(salon)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["operator"])
        tab = await open_tab(app, pilot)
        await app.wait_for(lambda: tab.progress is not None)
        await pilot.press("x")
        await app.wait_for(lambda: "Sync cancelled" in screen_text(app))
        assert tab.phase == Phase.cancelled and tab.figures is None
        await app.wait_for(lambda: not any(w.group == "analytics" for w in app.workers))

        gate.open.set()
        await pilot.press("r")
        await app.wait_for(lambda: tab.phase == Phase.ready)
        assert tab.figures is not None and tab.figures.report.records > 0


async def test_e_exports_the_figures_to_csv(make_app: AppFactory, salon: Salon) -> None:
    await configure(salon)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["viewer"])
        tab = await open_tab(app, pilot)
        await app.wait_for(lambda: tab.phase == Phase.ready)
        await pilot.press("e")
        await app.wait_for(lambda: tab.last_export is not None)
        path = tab.last_export
        assert path is not None and app.ctx.data_dir is not None
        assert path.is_relative_to(app.ctx.data_dir)
        assert any(
            notice.message.startswith("Figures copied to the clipboard (CSV, ")
            and notice.message.endswith(f"KB) and saved to {path}")
            for notice in app._notifications
        )
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle))
        assert tuple(rows[0]) == CSV_COLUMNS
        assert tab.figures is not None
        assert ["summary", "visits", "", "", "", "", str(tab.figures.report.visits)] in rows


async def test_reopening_shows_cached_figures_before_syncing(
    make_app: AppFactory, salon: Salon, monkeypatch: pytest.MonkeyPatch
) -> None:
    await configure(salon)
    first = make_app()
    async with first.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["viewer"])
        tab = await open_tab(first, pilot)
        await first.wait_for(lambda: tab.phase == Phase.ready)
        assert tab.figures is not None
        synced = tab.figures.report.to_json_dict()

    held = Gate(0)  # the second app's sync cannot send a single request until released
    monkeypatch.setattr(tenant_yclients, "host_limiter", lambda _cache_dir: held)
    again = make_app()
    async with again.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["viewer"])
        tab = await open_tab(again, pilot)
        await again.wait_for(lambda: tab.figures is not None)
        assert tab.phase == Phase.syncing and tab.from_cache
        assert tab.figures is not None and tab.figures.report.to_json_dict() == synced
        await again.wait_for(lambda: "Saved figures shown" in screen_text(again))
        assert held.count == 1  # the sync is waiting for its first request
        held.open.set()
        await again.wait_for(lambda: tab.phase == Phase.ready)
        assert not tab.from_cache


def hours(n: int) -> timedelta:
    return timedelta(hours=n)


async def test_the_bot_section_shows_its_figures_without_yclients(
    make_app: AppFactory, salon: Salon
) -> None:
    """Hand computation: 3 entries on 24 Nov (one booked 3 h later, one cancelled, one
    waiting), one hand-off on 25 Nov answered 10 minutes later; YClients not connected."""
    msk = zone("Europe/Moscow")
    created = datetime(2026, 11, 24, 10, 0, tzinfo=msk)
    booked = await salon.add_wish(created_at=created, client_phone="+7 912 000-00-01")
    await salon.add_wish(created_at=created, status="cancelled")
    await salon.add_wish(created_at=created, client_phone=None)
    await salon.db.execute(
        "update public.wishlist_v2 set status = 'booked' where id = $1", booked["id"]
    )
    conversation = await salon.add_session(status="waiting_human")
    handed = datetime(2026, 11, 25, 12, 0, tzinfo=msk)
    # The moments the triggers would have recorded had these rows been written on those days.
    await salon.db.executemany(
        "insert into dashboard.bot_events (tenant_id, source, row_id, status, at) "
        "values ($1, $2, $3, $4, $5)",
        [
            (
                salon.tenant_id,
                "wishlist",
                str(booked["id"]),
                "booked",
                created + timedelta(hours=3),
            ),
            (salon.tenant_id, "conversation", str(conversation["id"]), "waiting_human", handed),
        ],
    )
    answer = {
        "id": "cmd-1",
        "role": "staff",
        "text": "Да",
        "at": (handed + timedelta(minutes=10)).isoformat(),
    }
    await salon.db.execute(
        "update public.conversation_sessions_v2 set messages = messages || $2::jsonb where id = $1",
        conversation["id"],
        json.dumps([answer]),
    )
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["viewer"])
        await open_tab(app, pilot)
        section = app.screen.query_one(BotFigures)
        await app.wait_for(lambda: section.report is not None)
        shown = str(section.render())
        assert "Wishlist: 3 created · 1 offered · 1 booked · 1 cancelled" in shown
        assert "Conversion (booked of created): 33.3% · to booked, median: 3 h 0 min" in shown
        assert "Handed to staff: 1 time · first answer, median: 10 min" in shown
        assert "YClients bookings by wishlist clients: YClients is not set up" in shown


async def test_e_puts_the_csv_on_the_terminals_clipboard_over_osc_52(
    make_app: AppFactory, salon: Salon
) -> None:
    """Issue 17 §6: over SSH the export lands in the service account's folder, which staff
    cannot open. A table that fits goes to their own clipboard: OSC 52 on the terminal."""
    import base64

    await configure(salon)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["viewer"])
        written: list[str] = []
        driver = app._driver
        assert driver is not None
        original = driver.write

        def spy(data: str) -> None:
            written.append(data)
            original(data)

        driver.write = spy  # type: ignore[method-assign]
        tab = await open_tab(app, pilot)
        await app.wait_for(lambda: tab.phase == Phase.ready)
        await pilot.press("e")
        await app.wait_for(lambda: tab.last_export is not None)
        await app.wait_for(lambda: any("\x1b]52;c;" in chunk for chunk in written))
        assert tab.last_export is not None
        csv_text = tab.last_export.read_bytes().decode("utf-8-sig")
        [sequence] = [chunk for chunk in written if "\x1b]52;c;" in chunk]
        payload = sequence.split("\x1b]52;c;", 1)[1].split("\a", 1)[0]
        assert base64.b64decode(payload).decode("utf-8") == csv_text


async def test_e_names_the_path_and_size_when_the_csv_is_too_big_to_copy(
    make_app: AppFactory, salon: Salon, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tabs.analytics_export as analytics_export

    monkeypatch.setattr(analytics_export, "CLIPBOARD_LIMIT", 100)
    await configure(salon)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["viewer"])
        tab = await open_tab(app, pilot)
        await app.wait_for(lambda: tab.phase == Phase.ready)
        await pilot.press("e")
        await app.wait_for(lambda: tab.last_export is not None)
        path = tab.last_export
        assert path is not None
        size = max(1, round(path.stat().st_size / 1024))
        [notice] = [n for n in app._notifications if "too big" in n.message]
        assert notice.message == (
            f"The CSV ({size} KB) is too big for the terminal's clipboard: it is saved on the "
            f"server at {path}; ask the administrator for the file."
        )
        assert app.clipboard == ""
