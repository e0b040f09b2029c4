"""The wishlist model carries what the bot writes: the wished-for day, window and staff, and
every column the dashboard does not know, from REST pages and from the live feed alike."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import date, time
from pathlib import Path

import asyncpg
import pytest
from pydantic import SecretStr

from devstack.stack import DevStack
from services.backend import Backend
from services.dashboard import DashboardServices
from services.feeds import FeedBatch, FeedState, FeedStatus, FeedTuning
from services.models import WishlistEntry
from services.wishlist import WishlistService
from tests.services.conftest import MakeUser, add_wish, session_for

ROW = {
    "id": 7,
    "tenant_id": "00000000-0000-0000-0000-000000000001",
    "client_id": "tg:1",
    "created_at": "2026-12-01T09:00:00+00:00",
}


def test_the_day_window_and_staff_are_read_leniently() -> None:
    entry = WishlistEntry.model_validate(
        {
            **ROW,
            "staff_name": "Ольга",
            "desired_date": "2026-12-10",
            "desired_time_from": "18:00:00",
            "desired_time_to": "20:00",
        }
    )
    assert (entry.staff_name, entry.desired_date) == ("Ольга", date(2026, 12, 10))
    assert (entry.desired_time_from, entry.desired_time_to) == (time(18), time(20))
    odd = WishlistEntry.model_validate(
        {**ROW, "desired_date": "someday", "desired_time_from": 18, "desired_time_to": "25:99"}
    )
    assert (odd.desired_date, odd.desired_time_from, odd.desired_time_to) == (None, None, None)
    assert odd.extra_columns == {}, "a known column that cannot be read is no extra"


def test_unknown_columns_are_kept_in_order_even_one_named_like_the_field() -> None:
    entry = WishlistEntry.model_validate(
        {**ROW, "vip": True, "source": "[b]ads[/b]", "extra_columns": "the bot's own"}
    )
    assert list(entry.extra_columns.items()) == [
        ("vip", True),
        ("source", "[b]ads[/b]"),
        ("extra_columns", "the bot's own"),
    ]


@pytest.fixture
async def extra_column(db: asyncpg.Connection, devstack: DevStack) -> AsyncIterator[str]:
    """A column the dashboard does not know, added to the bot's table for one test only."""
    await db.execute("alter table public.wishlist_v2 add column if not exists loyalty jsonb")
    await devstack.rest.reload_schema()
    try:
        yield "loyalty"
    finally:
        await db.execute("alter table public.wishlist_v2 drop column if exists loyalty")
        await devstack.rest.reload_schema()


async def test_a_page_carries_the_bot_fields_and_its_extra_columns(
    backend: Backend,
    db: asyncpg.Connection,
    tenant_id: uuid.UUID,
    make_user: MakeUser,
    extra_column: str,
) -> None:
    row = await add_wish(
        db,
        tenant_id,
        staff_name="Ольга",
        desired_date=date(2026, 12, 10),
        desired_time_from=time(18),
        desired_time_to=time(20),
        loyalty='{"level": "[b]gold[/b]", "visits": 12}',
    )
    bare = await add_wish(db, tenant_id)
    wishlist = WishlistService(backend, session_for(await make_user(tenant_id, "viewer")))
    entries = {e.key: e for e in await wishlist.page()}
    full, empty = entries[str(row["id"])], entries[str(bare["id"])]
    assert (full.staff_name, full.desired_date) == ("Ольга", date(2026, 12, 10))
    assert (full.desired_time_from, full.desired_time_to) == (time(18), time(20))
    assert full.extra_columns == {"loyalty": {"level": "[b]gold[/b]", "visits": 12}}
    assert (empty.staff_name, empty.desired_date, empty.desired_time_from) == (None, None, None)
    assert empty.extra_columns == {"loyalty": None}


async def test_a_live_row_carries_the_bot_fields_and_its_extra_columns(
    backend: Backend,
    devstack: DevStack,
    db: asyncpg.Connection,
    tenant_id: uuid.UUID,
    make_user: MakeUser,
    extra_column: str,
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

    await services.watch_wishlist(batches.put_nowait, on_status)
    try:
        await asyncio.wait_for(live.wait(), 10)
        assert (await asyncio.wait_for(batches.get(), 10)).initial
        row = await add_wish(
            db,
            tenant_id,
            staff_name="Светлана",
            desired_date=date(2027, 1, 5),
            desired_time_to=time(12, 30),
            loyalty='"silver"',
        )
        arrived = await asyncio.wait_for(batches.get(), 10)
        [entry] = arrived.upserts
        assert entry.key == str(row["id"])
        assert (entry.staff_name, entry.desired_date) == ("Светлана", date(2027, 1, 5))
        assert (entry.desired_time_from, entry.desired_time_to) == (None, time(12, 30))
        assert entry.extra_columns == {"loyalty": "silver"}
    finally:
        await services.close()
