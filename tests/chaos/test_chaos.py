"""Chaos: the app watches the wishlist and an operator sends commands while the stack breaks.

Faults (over HTTP, on a child-process stack of the suite's own): dropped websockets, realtime
killed and restarted, Postgres stopped for a few seconds, the REST side answering 503, and the
YClients sandbox answering 5xx and 429 and hanging past the client's timeout while the analytics
tab loads.

Afterwards: every wishlist row inserted is in the table exactly once, every command the operator
confirmed is in dashboard.bot_commands exactly once, nothing failed unseen, and the status bar
told the truth: it left "live" for every break, never said "live" while nothing could be live
(realtime refusing sockets, Postgres down or REST down while the feeds rejoin), said "live"
again after each, and never left "live" with no fault to cause it. Run it alone with
`./dev test tests/chaos -s` to see the counts (docs/testing.md).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
from collections import Counter
from functools import partial
from pathlib import Path
from typing import Any

import asyncpg
import pytest

import services.tenant_yclients as tenant_yclients
from screens.main import MainScreen
from services.feeds import FeedState
from services.yclients.client import YClientsClient
from tabs.analytics_tab import Phase
from tabs.wishlist_tab import WishlistTab
from tests.chaos.actors import (
    FailedWorkers,
    Operator,
    StatusRecorder,
    WishlistWriter,
    pace,
)
from tests.chaos.faults import FaultInjector
from tests.tui.conftest import AppFactory, StackProcess, create_salon, login
from tests.tui.observed import ObservedApp
from tests.tui.screen_text import screen_text
from tests.tui.test_analytics import configure
from widgets.command_history import CommandHistory
from widgets.status_bar import StatusBar

FEEDS = ("wishlist", "commands", "sessions")
WRITE_EVERY = 0.2  # s between wishlist rows: ~5 a second
SEND_EVERY = 0.8  # s between the operator's commands, on top of typing and confirming
GAP = 2.0  # s of calm after the app is live again, before the next fault
REALTIME_DOWN = 4.0  # s realtime refuses every socket after it is killed
REST_DOWN = 4.0  # s the REST side answers 503
POSTGRES_DOWN = 3.0  # s Postgres stays stopped before it starts again
YCLIENTS_TIMEOUT = 3.0  # s the app's YClients client waits for an answer in this run
YCLIENTS_HANG = 6.0  # s a hung YClients request holds: past the client's timeout
OUR_CODE = ("services", "tui", "cli", "screens", "tabs", "modals", "widgets", "core")
CUTTING = {"drop-sockets", "restart-realtime", "restart-postgres"}
CAUSE_SLACK = 2.0  # s after a cutting fault within which a feed's "reconnecting" is its doing


def recovered_since(recorder: StatusRecorder, since: float) -> bool:
    """Every feed left "live" after `since` and is "live" again now."""
    for feed in FEEDS:
        timeline = recorder.timeline(feed)
        left = any(at > since and state != FeedState.live for at, state in timeline)
        if not (left and timeline[-1][1] == FeedState.live):
            return False
    return True


async def run_faults(
    app: ObservedApp, faults: FaultInjector, recorder: StatusRecorder, operator: Operator
) -> None:
    live = recorder.all_live(FEEDS)

    async def calm() -> None:
        await app.wait_for(live, 60)
        await pace(GAP)

    async def back_from_break() -> None:
        since = faults.breaks[-1].at
        await app.wait_for(lambda: recovered_since(recorder, since), 60)
        await pace(GAP)

    await calm()
    await faults.drop_sockets()
    await back_from_break()

    await faults.inject("rest-unavailable", seconds=REST_DOWN)
    await pace(REST_DOWN)  # commands sent now must wait in the outbox
    await calm()

    await faults.kill_realtime(REALTIME_DOWN)
    await back_from_break()

    await faults.drop_sockets()
    await back_from_break()

    # Postgres away with the sockets up: commands wait in the outbox, the bot's writes wait.
    await faults.inject("restart-postgres", seconds=POSTGRES_DOWN)
    await pace(POSTGRES_DOWN)
    await calm()

    await faults.drop_sockets_while_postgres_is_down(POSTGRES_DOWN)
    await back_from_break()

    # YClients misbehaves while the operator opens the analytics tab: a hang past the
    # client's timeout, a 503, a 429 and a 502, one after the other.
    await faults.inject("yclients-hang", seconds=YCLIENTS_HANG)
    await faults.inject("yclients-errors", status=503)
    await faults.inject("yclients-throttle", seconds=1)
    await faults.inject("yclients-errors", status=502)
    operator.analytics_request.set()
    await faults.drop_sockets()
    await back_from_break()
    await app.wait_for(operator.analytics_done.is_set, 120)

    await faults.drop_sockets_while_rest_is_down(REST_DOWN)
    await back_from_break()

    await faults.restart_realtime()
    await back_from_break()

    await faults.drop_sockets()
    await back_from_break()


def state_at(timeline: list[tuple[float, FeedState]], at: float) -> FeedState | None:
    before = [state for when, state in timeline if when <= at]
    return before[-1] if before else None


def check_status_truth(recorder: StatusRecorder, faults: FaultInjector) -> dict[str, Any]:
    """What the status bar said against what the faults did; returns figures for the report."""
    lags: list[float] = []
    # Faults that cut the feeds' sockets; any other way out of "live" is the app's own doing.
    cutting = [e for e in faults.events if e.fault in CUTTING]
    spontaneous: list[str] = []
    for feed in FEEDS:
        timeline = recorder.timeline(feed)
        assert timeline and timeline[-1][1] == FeedState.live, f"{feed}: not live at the end"
        for brk in faults.breaks:
            after = [(at, state) for at, state in timeline if at > brk.at]
            if state_at(timeline, brk.at) == FeedState.live:
                left = next((at for at, s in after if s != FeedState.live), None)
                assert left is not None, f"{feed}: still 'live' after {brk.name} cut its socket"
                lags.append(left - brk.at)
            else:
                left = brk.at
            assert any(s == FeedState.live for at, s in after if at > left), (
                f"{feed}: never 'live' again after {brk.name}"
            )
        for outage in faults.outages:
            after = [(at, state) for at, state in timeline if at > outage.start]
            noticed = next((at for at, s in after if s != FeedState.live), None)
            if state_at(timeline, outage.start) != FeedState.live:
                noticed = outage.start
            assert noticed is not None and noticed < outage.end, (
                f"{feed}: said 'live' through the whole {outage.name} outage"
            )
            lies = [at for at, s in after if noticed <= at < outage.end and s == FeedState.live]
            assert not lies, (
                f"{feed}: said 'live' {lies[0] - outage.start:.2f} s into the {outage.name} "
                "outage, while nothing could be live"
            )
        for (_, before), (at, state) in itertools.pairwise(timeline):
            left_live = before == FeedState.live and state != FeedState.live
            if left_live and not any(e.sent <= at <= e.applied + CAUSE_SLACK for e in cutting):
                spontaneous.append(f"{feed} at {at - recorder.samples[0].at:.1f} s")
    assert spontaneous == [], "feeds left 'live' with no fault to cause it"
    last = recorder.samples[-1]
    assert (
        last.outbox == 0
        and "commands waiting" not in last.text
        and "command waiting" not in last.text
    ), last.text
    return {
        "status_bar_updates": len(recorder.samples),
        "showed_outbox_waiting": any(sample.outbox for sample in recorder.samples),
        "feed_state_changes": {feed: len(recorder.timeline(feed)) for feed in FEEDS},
        "breaks_checked": len(faults.breaks),
        "outages_checked": len(faults.outages),
        "longest_notice_s": round(max(lags), 3) if lags else None,
    }


@pytest.mark.timeout(300)
async def test_chaos(
    make_app: AppFactory,
    tui_stack: StackProcess,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    setup = await asyncpg.connect(tui_stack.database_url)
    try:
        salon = await create_salon(setup)
        await configure(salon)
        clients = []
        for number in range(3):
            session = await salon.add_session(client_name=f"Клиентка чата {number}")
            clients.append((session["client_id"], session["client_name"]))
    finally:
        await setup.close()  # Postgres restarts during the run: fresh connections after it

    monkeypatch.setattr(
        tenant_yclients, "YClientsClient", partial(YClientsClient, timeout=YCLIENTS_TIMEOUT)
    )
    workers = FailedWorkers()
    workers.install(monkeypatch)
    caplog.set_level(logging.WARNING)
    faults = FaultInjector(tui_stack.url, tui_stack.service_key)
    recorder = StatusRecorder()
    app = make_app()
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await login(pilot, salon.users["operator"])
            recorder.watch(app.screen.query_one(StatusBar))
            writer = WishlistWriter(tui_stack.database_url, salon.tenant_id, WRITE_EVERY)
            operator = Operator(pilot, clients, SEND_EVERY)
            operator.spy_on_sends()
            stop = asyncio.Event()
            actors = [
                asyncio.create_task(writer.run(stop), name="chaos-writer"),
                asyncio.create_task(operator.run(stop), name="chaos-operator"),
            ]
            scheduler = asyncio.create_task(run_faults(app, faults, recorder, operator))
            try:
                # An actor that dies (a wait that timed out) ends the run with its own error.
                await asyncio.wait([scheduler, *actors], return_when=asyncio.FIRST_COMPLETED)
                for actor in actors:
                    if actor.done():
                        scheduler.cancel()
                        actor.result()
                        raise AssertionError(f"{actor.get_name()} stopped during the run")
                scheduler.result()
            finally:
                scheduler.cancel()
                stop.set()
                outcomes = await asyncio.gather(scheduler, *actors, return_exceptions=True)
            for outcome in outcomes[1:]:
                if isinstance(outcome, BaseException):
                    raise outcome

            db = await asyncpg.connect(tui_stack.database_url)
            try:
                report = await settle_and_check(app, salon.tenant_id, db, writer, operator)
            finally:
                await db.close()
            report["status"] = check_status_truth(recorder, faults)
            if report["commands"]["queued_locally"]:
                assert report["status"]["showed_outbox_waiting"], "the bar hid waiting commands"

            assert app._exception is None
            assert app.is_running and isinstance(app.screen, MainScreen)
            assert "Traceback" not in screen_text(app)
    finally:
        await faults.aclose()
    assert workers.failures == [], "workers failed unseen"
    ours = [
        f"{r.name}: {r.getMessage()}"
        for r in caplog.records
        if r.name.startswith(OUR_CODE) and (r.levelno >= logging.ERROR or r.exc_info)
    ]
    assert ours == [], "the app logged errors"

    report["faults"] = faults.counts()
    report["fault_seconds"] = faults.longest()
    report["analytics"] = operator.analytics_phase.value if operator.analytics_phase else None
    path = tmp_path / "chaos-report.json"
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2))
    wishes, commands = report["wishlist"], report["commands"]
    print(
        f"\nchaos: wishlist rows inserted {wishes['inserted']}, shown {wishes['shown']}"
        f" (duplicates {wishes['duplicates']}); commands queued {commands['confirmed']}"
        f" ({commands['queued_locally']} via the outbox), stored {commands['stored']}"
        f" (duplicates {commands['duplicates']}); faults {report['faults']};"
        f" status bar updates {report['status']['status_bar_updates']};"
        f" analytics {report['analytics']}; report {path}"
    )


async def settle_and_check(
    app: ObservedApp,
    tenant_id: Any,
    db: asyncpg.Connection,
    writer: WishlistWriter,
    operator: Operator,
) -> dict[str, Any]:
    """Once the app has caught up: rows and commands against the database, exactly once."""
    wish_ids = {
        str(row["id"])
        for row in await db.fetch(
            "select id from public.wishlist_v2 where tenant_id = $1", tenant_id
        )
    }
    assert {str(i) for i in writer.ids} == wish_ids, "the writer's rows are the tenant's rows"
    main = app.screen
    assert isinstance(main, MainScreen)
    wishlist = main.query_one(WishlistTab)
    # The operator looks at the wishlist: a tab draws the rows that came while it was hidden
    # as it is shown. Shown, or held above the rows on screen until Home
    # (widgets/wishlist_hold.py).
    main.navigate("wishlist")
    await app.wait_for(lambda: set(wishlist.table.all_keys) >= wish_ids, 60)
    shown = Counter(wishlist.table.all_keys)
    assert set(shown) == wish_ids, "the table shows exactly the tenant's rows"
    assert max(shown.values()) == 1, "a row shown twice"
    assert wishlist.table.row_count + len(wishlist.table.held_keys) == len(wish_ids)
    assert set(wishlist.entries) == wish_ids

    assert operator.errors == [], "a send failed instead of waiting in the outbox"
    services = app.ctx.require_services()
    history = main.query_one(CommandHistory)
    # The outbox is retried on feed batches and every few seconds: wait until it is empty.
    await app.wait_for(lambda: app.ctx.outbox_waiting == 0, 60)
    assert await services.commands.waiting() == 0
    rows = await db.fetch(
        "select id, idempotency_key, payload->>'message' as text from dashboard.bot_commands"
        " where tenant_id = $1",
        tenant_id,
    )
    keys = Counter(row["idempotency_key"] for row in rows)
    texts = Counter(row["text"] for row in rows)
    assert sorted(texts) == sorted(operator.confirmed), "each confirmed command is stored"
    assert max(texts.values()) == 1 and max(keys.values()) == 1, "a command stored twice"
    assert {r.idempotency_key for r in operator.results} == set(keys)
    await app.wait_for(lambda: {str(row["id"]) for row in rows} <= set(history.commands), 60)
    assert operator.analytics_phase == Phase.ready, operator.analytics_state
    return {
        "wishlist": {
            "inserted": len(wish_ids),
            "shown": len(shown),
            "duplicates": sum(n - 1 for n in shown.values()),
            "writer_retries": writer.retries,
            "writer_reconnects": writer.reconnects,
        },
        "commands": {
            "confirmed": len(operator.confirmed),
            "queued_locally": sum(r.queued_locally for r in operator.results),
            "stored": len(rows),
            "duplicates": sum(n - 1 for n in keys.values()),
        },
    }
