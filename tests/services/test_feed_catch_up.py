"""Only the catch-up after a rejoin fills what a drop missed: polling is held off here.

Breaking the catch-up on purpose (skipping it after a re-subscribe, or limiting it to the
newest rows of the window) left the other feed tests green, since the polling phase filled the
gap. These two hold the guarantee on their own.
"""

from __future__ import annotations

import uuid

import asyncpg
from pydantic import SecretStr

from devstack.stack import DevStack
from services.backend import Backend
from services.feeds import FeedSpec, FeedState, FeedTuning, LiveFeed
from services.models import WishlistEntry
from tests.services.test_feeds import Recorder, insert_wishes, wishlist_spec

# Never polls: after a drop the feed only reconnects, so rows reach it by realtime or catch-up.
NO_POLLING = FeedTuning(backoff_base=0.1, backoff_cap=0.5, polling_after=1_000_000)


async def run_outage(
    devstack: DevStack,
    backend: Backend,
    db: asyncpg.Connection,
    tenant_id: uuid.UUID,
    spec: FeedSpec[WishlistEntry],
    tuning: FeedTuning,
    during: int,
) -> tuple[list[str], list[str], Recorder, LiveFeed[WishlistEntry]]:
    recorder = Recorder()
    feed = LiveFeed(
        backend=backend,
        key=SecretStr(devstack.info.service_key),
        spec=spec,
        on_batch=recorder.on_batch,
        on_status=recorder.on_status,
        tuning=tuning,
    )
    await feed.start()
    await recorder.wait_for(lambda: feed.status.state == FeedState.live)
    before = await insert_wishes(db, tenant_id, 3, "до ")
    await recorder.wait_for(lambda: set(before) <= set(recorder.counts))
    # Cut every socket and refuse new ones while the rows are written: realtime cannot bring
    # them, and polling is off, so only the catch-up after the rejoin can.
    devstack.realtime.refuse_new(3)
    await devstack.realtime.drop_all()
    await recorder.wait_for(lambda: feed.status.state == FeedState.reconnecting)
    missed = await insert_wishes(db, tenant_id, during, "во время ")
    assert not set(missed) & set(recorder.counts)
    return before, missed, recorder, feed


async def test_rows_written_during_a_drop_arrive_after_the_rejoin_by_the_catch_up(
    devstack: DevStack, backend: Backend, db: asyncpg.Connection, tenant_id: uuid.UUID
) -> None:
    _, missed, recorder, feed = await run_outage(
        devstack, backend, db, tenant_id, wishlist_spec(tenant_id), NO_POLLING, 20
    )
    try:
        await recorder.wait_for(lambda: set(missed) <= set(recorder.counts), timeout=60)
        assert FeedState.polling not in recorder.states
        assert all(recorder.counts[key] == 1 for key in missed)
    finally:
        await feed.stop()


async def test_a_gap_larger_than_the_window_is_filled_exactly_once(
    devstack: DevStack, backend: Backend, db: asyncpg.Connection, tenant_id: uuid.UUID
) -> None:
    spec = FeedSpec(**{**vars(wishlist_spec(tenant_id)), "window": 5})
    tuning = FeedTuning(**{**vars(NO_POLLING), "page_size": 7})
    before, missed, recorder, feed = await run_outage(
        devstack, backend, db, tenant_id, spec, tuning, 40
    )
    try:
        await recorder.wait_for(lambda: set(missed) <= set(recorder.counts), timeout=60)
        assert set(recorder.counts) == set(before) | set(missed)
        assert max(recorder.counts.values()) == 1, "no row delivered twice"
    finally:
        await feed.stop()


def test_a_feed_of_events_remembers_only_the_recent_ones(backend: Backend) -> None:
    """`retain` bounds what a feed keeps for de-duplication: a day of events is not kept."""
    spec = FeedSpec(**{**vars(wishlist_spec(uuid.uuid4())), "retain": 3})
    feed = LiveFeed(backend=backend, key=SecretStr("unused"), spec=spec, on_batch=lambda b: None)
    rows = [
        {
            "id": n,
            "tenant_id": spec.filter_value,
            "client_id": f"c{n}",
            "created_at": f"2026-12-06T10:00:0{n}+00:00",
        }
        for n in range(6)
    ]
    assert len(feed._absorb(rows)) == 6
    assert sorted(feed._delivered) == ["3", "4", "5"]
    assert feed._absorb(rows[-2:]) == []  # the recent ones are still de-duplicated
