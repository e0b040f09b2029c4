"""One realtime websocket per logged-in app, counted where the sockets end: on the devstack.

Every feed and every open conversation is a channel on the socket `DashboardServices` owns; a
drop makes one new socket, not one per feed; closing a conversation leaves the socket to the
rest.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from pydantic import SecretStr

from devstack.realtime.service import OpenSocket
from devstack.stack import DevStack
from services.backend import Backend
from services.dashboard import DashboardServices
from services.feeds import FeedState, LiveFeed
from tests.services.conftest import MakeUser, add_session, session_for
from tests.services.test_feeds import FAST, Recorder, insert_wishes


def opened_since(devstack: DevStack, before: list[OpenSocket]) -> list[OpenSocket]:
    """Sockets open now that were not open before (earlier tests' may still be closing)."""
    known = {socket.peer for socket in before}
    return [s for s in devstack.realtime.open_sockets() if s.peer not in known]


def topics(feeds: list[LiveFeed[Any]]) -> set[str]:
    return {feed._channel.topic for feed in feeds if feed._channel is not None}


@pytest.fixture
async def app_services(
    backend: Backend,
    devstack: DevStack,
    tenant_id: uuid.UUID,
    make_user: MakeUser,
    tmp_path: Path,
) -> AsyncIterator[DashboardServices]:
    user = await make_user(tenant_id, "operator")
    services = DashboardServices(
        backend,
        SecretStr(devstack.info.service_key),
        session_for(user),
        tmp_path / "outbox",
        tuning=FAST,
    )
    try:
        yield services
    finally:
        await services.close()


async def open_everything(
    services: DashboardServices, db: asyncpg.Connection, tenant_id: uuid.UUID, recorder: Recorder
) -> list[LiveFeed[Any]]:
    """What a logged-in app watches (as tui/ starts it), and two conversations open."""
    feeds: list[LiveFeed[Any]] = [
        await services.watch_account(lambda change: None, recorder.on_status),
        await services.watch_wishlist(recorder.on_batch, recorder.on_status),
        await services.watch_commands(recorder.on_batch, recorder.on_status),
        await services.watch_sessions(recorder.on_batch, recorder.on_status),
        await services.watch_events(recorder.on_batch, recorder.on_status),
    ]
    for name in ("Анна", "Ольга"):
        thread = await add_session(db, tenant_id, client_name=name)
        feeds.append(
            await services.watch_thread(str(thread["id"]), recorder.on_batch, recorder.on_status)
        )
    await recorder.wait_for(lambda: all(f.status.state == FeedState.live for f in feeds))
    return feeds


async def test_the_feeds_and_two_open_conversations_share_one_socket(
    app_services: DashboardServices,
    devstack: DevStack,
    db: asyncpg.Connection,
    tenant_id: uuid.UUID,
) -> None:
    before = devstack.realtime.open_sockets()
    recorder = Recorder()
    feeds = await open_everything(app_services, db, tenant_id, recorder)

    (socket,) = opened_since(devstack, before)
    assert len(feeds) == 7
    assert topics(feeds) <= set(socket.topics), "every channel is on the one socket"
    assert app_services.realtime.connects == 1

    # Closing a conversation leaves its channel only; the rest stay live on the same socket.
    await app_services.stop_feed(feeds[-1])
    (still,) = opened_since(devstack, before)
    assert still.peer == socket.peer
    (key,) = await insert_wishes(db, tenant_id, 1, "после закрытия ")
    await recorder.wait_for(lambda: key in recorder.counts)
    assert app_services.realtime.connects == 1


async def test_a_drop_makes_one_new_socket_for_every_feed(
    app_services: DashboardServices,
    devstack: DevStack,
    db: asyncpg.Connection,
    tenant_id: uuid.UUID,
) -> None:
    recorder = Recorder()
    feeds = await open_everything(app_services, db, tenant_id, recorder)
    before = devstack.realtime.open_sockets()

    await devstack.realtime.drop_all()
    await recorder.wait_for(
        lambda: all(f.reconnects >= 1 and f.status.state == FeedState.live for f in feeds)
    )
    (key,) = await insert_wishes(db, tenant_id, 1, "после обрыва ")
    await recorder.wait_for(lambda: key in recorder.counts)

    (socket,) = opened_since(devstack, before)
    assert topics(feeds) <= set(socket.topics)
    assert app_services.realtime.connects == 2, "one drop, one new socket"
    assert all(f.reconnects == 1 for f in feeds)
