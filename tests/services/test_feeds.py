"""Live feeds against the devstack's realtime: batches, tenant filter, drops and outages."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from typing import Any

import asyncpg
import pytest
from pydantic import SecretStr

from devstack.stack import DevStack
from services.backend import Backend
from services.feeds import FeedBatch, FeedSpec, FeedState, FeedStatus, FeedTuning, LiveFeed
from services.models import WishlistEntry

FAST = FeedTuning(backoff_base=0.1, backoff_cap=1.0, poll_interval=0.3, polling_after=3)


class Recorder:
    """What a feed delivered and the states it went through; tests wait on it (no sleeps)."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.deleted: list[str] = []
        self.latest: dict[str, Any] = {}
        self.states: list[FeedState] = []
        self.batches = 0
        self._changed = asyncio.Event()

    def on_batch(self, batch: FeedBatch[Any]) -> None:
        self.batches += 1
        for item in batch.upserts:
            self.counts[item.key] += 1  # every delivery: a duplicate shows as 2
            self.latest[item.key] = item
        for key in batch.deletes:
            self.deleted.append(key)
            self.latest.pop(key, None)
        self._changed.set()

    def on_status(self, status: FeedStatus) -> None:
        self.states.append(status.state)
        self._changed.set()

    async def wait_for(self, condition: Callable[[], bool], timeout: float = 60.0) -> None:
        async with asyncio.timeout(timeout):
            while True:
                self._changed.clear()
                if condition():
                    return
                await self._changed.wait()


def wishlist_spec(tenant_id: uuid.UUID | str) -> FeedSpec[WishlistEntry]:
    return FeedSpec(
        name="wishlist",
        schema="public",
        table="wishlist_v2",
        parse=WishlistEntry.model_validate,
        cursor_column="created_at",
        filter_column="tenant_id",
        filter_value=str(tenant_id),
        version_column="updated_at",
    )


@pytest.fixture
async def feed_and_recorder(
    backend: Backend, devstack: DevStack, tenant_id: uuid.UUID
) -> AsyncIterator[tuple[LiveFeed[WishlistEntry], Recorder]]:
    recorder = Recorder()
    feed = LiveFeed(
        backend=backend,
        key=SecretStr(devstack.info.service_key),
        spec=wishlist_spec(tenant_id),
        on_batch=recorder.on_batch,
        on_status=recorder.on_status,
        tuning=FAST,
    )
    await feed.start()
    try:
        await recorder.wait_for(lambda: feed.status.state == FeedState.live)
        yield feed, recorder
    finally:
        await feed.stop()


async def insert_wishes(
    db: asyncpg.Connection, tenant_id: uuid.UUID, count: int, tag: str
) -> list[str]:
    rows = await db.fetch(
        "insert into public.wishlist_v2 (tenant_id, client_id, client_name) "
        "select $1, 'c-' || g, $2 || g from generate_series(1, $3) g returning id",
        tenant_id,
        tag,
        count,
    )
    return [str(r["id"]) for r in rows]


async def test_changes_arrive_batched_and_only_for_the_tenant(
    feed_and_recorder: tuple[LiveFeed[WishlistEntry], Recorder],
    db: asyncpg.Connection,
    tenant_id: uuid.UUID,
    other_tenant_id: uuid.UUID,
) -> None:
    _, recorder = feed_and_recorder
    await insert_wishes(db, other_tenant_id, 5, "чужой ")
    keys = await insert_wishes(db, tenant_id, 300, "клиент ")
    await recorder.wait_for(lambda: len(recorder.counts) >= 300)
    assert set(recorder.counts) == set(keys)
    assert recorder.batches < 60, "a burst arrives in a few batches"

    await db.execute(
        "update public.wishlist_v2 set status = 'booked', updated_at = now() where id = $1",
        int(keys[0]),
    )
    await recorder.wait_for(lambda: recorder.latest[keys[0]].status == "booked")
    await db.execute("delete from public.wishlist_v2 where id = $1", int(keys[1]))
    await recorder.wait_for(lambda: keys[1] in recorder.deleted)
    assert all(str(e.tenant_id) == str(tenant_id) for e in recorder.latest.values())


async def test_survives_ten_drops_and_a_30s_outage_with_every_row_exactly_once(
    feed_and_recorder: tuple[LiveFeed[WishlistEntry], Recorder],
    devstack: DevStack,
    db: asyncpg.Connection,
    tenant_id: uuid.UUID,
) -> None:
    feed, recorder = feed_and_recorder
    inserted: list[str] = []
    for round_ in range(10):
        inserted += await insert_wishes(db, tenant_id, 80, f"r{round_}-a ")
        before = feed.reconnects
        await devstack.realtime.drop_all()
        inserted += await insert_wishes(db, tenant_id, 80, f"r{round_}-b ")  # while reconnecting
        await recorder.wait_for(
            lambda before=before: feed.reconnects > before and feed.status.state == FeedState.live
        )

    devstack.realtime.refuse_new(30)
    await devstack.realtime.drop_all()
    inserted += await insert_wishes(db, tenant_id, 200, "outage-a ")
    await recorder.wait_for(lambda: feed.status.state == FeedState.polling)
    inserted += await insert_wishes(db, tenant_id, 200, "outage-b ")
    await recorder.wait_for(lambda: set(inserted) <= set(recorder.counts), timeout=30)
    await recorder.wait_for(lambda: feed.status.state == FeedState.live, timeout=60)

    assert len(inserted) == 2000
    assert set(recorder.counts) == set(inserted)
    assert max(recorder.counts.values()) == 1, "no row delivered twice"
    assert FeedState.reconnecting in recorder.states and FeedState.polling in recorder.states
