"""The per-login container: account watch, feeds, and a close that stops everything."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import asyncpg
from pydantic import SecretStr

from devstack.stack import DevStack
from services.backend import Backend
from services.dashboard import AccountChange, DashboardServices
from services.feeds import FeedBatch, FeedState, FeedStatus, FeedTuning
from services.models import Role, WishlistEntry
from tests.services.conftest import MakeUser, add_wish, session_for


async def test_account_watch_reports_role_change_then_deactivation(
    backend: Backend,
    devstack: DevStack,
    db: asyncpg.Connection,
    tenant_id: uuid.UUID,
    make_user: MakeUser,
    tmp_path: Path,
) -> None:
    user = await make_user(tenant_id, "operator")
    services = DashboardServices(
        backend, SecretStr(devstack.info.service_key), session_for(user), tmp_path / "outbox"
    )
    changes: asyncio.Queue[AccountChange] = asyncio.Queue()
    statuses: list[FeedStatus] = []
    await services.watch_account(changes.put_nowait, statuses.append)
    first = await asyncio.wait_for(changes.get(), 10)  # the initial state
    assert first.user is not None and first.user.role == Role.operator

    await db.execute("update dashboard.users set role = 'viewer' where id = $1", user["id"])
    demoted = await asyncio.wait_for(changes.get(), 10)
    assert demoted.user is not None and demoted.user.role == Role.viewer
    assert not demoted.signed_out

    await db.execute("update dashboard.users set active = false where id = $1", user["id"])
    gone = await asyncio.wait_for(changes.get(), 10)
    assert gone.signed_out
    await services.close()


async def test_close_stops_every_feed(
    backend: Backend,
    devstack: DevStack,
    db: asyncpg.Connection,
    tenant_id: uuid.UUID,
    make_user: MakeUser,
    tmp_path: Path,
) -> None:
    services = DashboardServices(
        backend,
        SecretStr(devstack.info.service_key),
        session_for(await make_user(tenant_id, "viewer")),
        tmp_path / "outbox",
        tuning=FeedTuning(batch_interval=0.01),
    )
    batches: asyncio.Queue[FeedBatch[WishlistEntry]] = asyncio.Queue()
    live = asyncio.Event()

    def on_status(status: FeedStatus) -> None:
        if status.state == FeedState.live:
            live.set()

    wishlist = await services.watch_wishlist(batches.put_nowait, on_status)
    commands = await services.watch_commands(lambda batch: None, lambda status: None)
    await asyncio.wait_for(live.wait(), 10)
    assert (await asyncio.wait_for(batches.get(), 10)).initial
    wish = await add_wish(db, tenant_id, client_name="Новая клиентка")
    arrived = await asyncio.wait_for(batches.get(), 10)
    assert [w.key for w in arrived.upserts] == [str(wish["id"])]

    await services.close()
    assert wishlist.status.state == FeedState.stopped
    assert commands.status.state == FeedState.stopped
