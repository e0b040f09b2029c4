"""A feed reconnects once per drop: what its torn-down clients do later is not a new drop.

Found by the chaos suite: the leave of a torn-down channel times out (no socket, no reply) and
its CLOSED callback reached the feed, which cut its healthy new connection; that teardown did
the same one timeout later, so after a single drop the feed reconnected every 10 s forever.
"""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest
from pydantic import SecretStr
from realtime import AsyncRealtimeChannel

from devstack.stack import DevStack
from services.backend import Backend
from services.feeds import FeedState, FeedTuning, LiveFeed
from tests.services.test_feeds import Recorder, insert_wishes, wishlist_spec

# A 1 s timeout makes the torn-down channel's leave time out 1 s after the drop.
QUICK = FeedTuning(backoff_base=0.1, backoff_cap=1.0, subscribe_timeout=1.0)


async def test_a_torn_down_channels_late_close_does_not_cut_the_new_connection(
    backend: Backend,
    devstack: DevStack,
    db: asyncpg.Connection,
    tenant_id: uuid.UUID,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    closed: list[str] = []
    closed_now = asyncio.Event()
    on_close = AsyncRealtimeChannel.on_close

    def watched(channel: AsyncRealtimeChannel) -> None:
        on_close(channel)  # the callbacks run in here, the feed's on_state among them
        closed.append(channel.topic)
        closed_now.set()

    monkeypatch.setattr(AsyncRealtimeChannel, "on_close", watched)
    recorder = Recorder()
    feed = LiveFeed(
        backend=backend,
        key=SecretStr(devstack.info.service_key),
        spec=wishlist_spec(tenant_id),
        on_batch=recorder.on_batch,
        on_status=recorder.on_status,
        tuning=QUICK,
    )
    await feed.start()
    try:
        await recorder.wait_for(lambda: feed.status.state == FeedState.live)
        client = feed._client
        assert client is not None
        (first,) = client.channels

        await devstack.realtime.drop_all()
        await recorder.wait_for(
            lambda: feed.reconnects == 1 and feed.status.state == FeedState.live
        )
        async with asyncio.timeout(30):
            while first not in closed:  # the torn-down channel's leave timed out: CLOSED
                closed_now.clear()
                await closed_now.wait()

        # The callbacks ran inside on_close: had one taken this for a loss, it would show now.
        assert not feed._lost.is_set(), "the old channel's CLOSED was taken for a drop"
        # And whatever it set off has run by the time a row inserted now is delivered.
        (key,) = await insert_wishes(db, tenant_id, 1, "после ")
        await recorder.wait_for(lambda: key in recorder.counts)
        assert feed.reconnects == 1, "one drop, one reconnect"
        assert recorder.states == [FeedState.live, FeedState.reconnecting, FeedState.live]
    finally:
        await feed.stop()
