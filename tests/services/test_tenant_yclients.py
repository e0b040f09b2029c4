"""Tenant-scoped YClients analytics through the real supabase client and the devstack sandbox."""

from __future__ import annotations

import asyncio
import csv
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from pydantic import SecretStr

from devstack.demo_tenants import BARKHAT, LOTOS
from devstack.stack import DevStack
from services.analytics import CSV_COLUMNS, compute_analytics
from services.backend import Backend
from services.tenant_yclients import (
    Missing,
    NotConfigured,
    TenantAnalytics,
    TenantYClients,
    export_csv,
    load_tenant_yclients,
)
from services.yclients.client import YClientsClient
from services.yclients.limiter import RateLimiter, Window, shared_limiter
from tests.services.conftest import MakeUser, session_for


def partner(devstack: DevStack) -> SecretStr:
    token = devstack.info.yclients_partner_token
    assert token is not None
    return SecretStr(token)


def base_url(devstack: DevStack) -> str:
    url = devstack.info.yclients_url
    assert url is not None
    return url


async def configure(db: asyncpg.Connection, tenant_id: uuid.UUID, company: int, token: str) -> None:
    await db.execute(
        "update dashboard.tenants set yclients_company_id = $2, yclients_user_token = $3 "
        "where id = $1",
        tenant_id,
        company,
        token,
    )


async def config_for(
    backend: Backend, devstack: DevStack, user: dict[str, object]
) -> TenantYClients | NotConfigured:
    return await load_tenant_yclients(
        backend, session_for(user), base_url=base_url(devstack), partner_token=partner(devstack)
    )


class Gate(RateLimiter):
    """Lets `passes` requests through (paced by the shared limiter, like the app), then holds
    every later one for an hour: a sync stopped mid-way, without timing games."""

    def __init__(self, passes: int) -> None:
        super().__init__((Window(passes, 3600.0),))

    async def acquire(self) -> None:
        await shared_limiter().acquire()
        await super().acquire()


class HeldAfter:
    """Lets `passes` requests through the real budget, then holds the rest until released."""

    def __init__(self, passes: int) -> None:
        self.passes = passes
        self.release = asyncio.Event()

    async def acquire(self) -> None:
        self.passes -= 1
        if self.passes < 0:
            await self.release.wait()
        await shared_limiter().acquire()

    def defer(self, seconds: float) -> None:
        shared_limiter().defer(seconds)


def moscow_today() -> datetime:
    return datetime.now(ZoneInfo(LOTOS.timezone))


async def test_configured_tenant_syncs_and_matches_the_analytics_over_the_sandbox(
    backend: Backend,
    devstack: DevStack,
    db: asyncpg.Connection,
    tenant_id: uuid.UUID,
    make_user: MakeUser,
    tmp_path: Path,
) -> None:
    await configure(db, tenant_id, LOTOS.company_id, LOTOS.user_token)
    config = await config_for(backend, devstack, await make_user(tenant_id, "viewer"))
    assert isinstance(config, TenantYClients)
    assert config.company_id == LOTOS.company_id
    assert LOTOS.user_token not in repr(config)

    today = moscow_today().date()
    first, last = today - timedelta(days=6), today
    seen: list[tuple[int, int]] = []
    async with TenantAnalytics(config, tmp_path) as analytics:
        assert not await analytics.covers(first, last)
        report = await analytics.sync(first, last, progress=lambda d, t: seen.append((d, t)))
        assert report.pages >= 1 and not report.incremental
        assert await analytics.covers(first, last)
        figures = await analytics.figures(first, last)
        again = await analytics.sync(first, last)
        assert again.incremental and again.requests <= 2
    assert seen and seen[-1][0] == seen[-1][1]
    assert figures.timezone == LOTOS.timezone

    async with YClientsClient(
        base_url=base_url(devstack),
        partner_token=partner(devstack),
        user_token=SecretStr(LOTOS.user_token),
        company_id=LOTOS.company_id,
    ) as client:
        records = await client.fetch_records(first, last)
        zone = await client.company_timezone()
    expected = compute_analytics(records, period_from=first, period_to=last, tz=zone)
    assert figures.report.to_json_dict() == expected.to_json_dict()
    assert figures.report.visits > 0

    path = export_csv(figures.report, tmp_path / "exports", config.company_id)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert ["summary", "visits", "", "", "", "", str(expected.visits)] in rows


async def test_unconfigured_tenant_names_what_is_missing(
    backend: Backend,
    devstack: DevStack,
    db: asyncpg.Connection,
    tenant_id: uuid.UUID,
    make_user: MakeUser,
) -> None:
    user = await make_user(tenant_id, "operator")
    config = await config_for(backend, devstack, user)
    assert isinstance(config, NotConfigured)
    assert config.missing == (Missing.company_id, Missing.user_token)
    assert "dashboard.tenants.yclients_company_id" in str(config)

    await configure(db, tenant_id, LOTOS.company_id, LOTOS.user_token)
    no_partner = await load_tenant_yclients(
        backend, session_for(user), base_url=base_url(devstack), partner_token=None
    )
    assert isinstance(no_partner, NotConfigured)
    assert no_partner.missing == (Missing.partner_token,)
    assert "YCLIENTS_PARTNER_TOKEN" in str(no_partner)
    assert LOTOS.user_token not in str(no_partner) + repr(no_partner)

    await db.execute(
        "update dashboard.tenants set yclients_user_token = '  ' where id = $1", tenant_id
    )
    blank = await config_for(backend, devstack, user)
    assert isinstance(blank, NotConfigured) and blank.missing == (Missing.user_token,)


async def test_a_user_only_ever_gets_their_own_tenants_company(
    backend: Backend,
    devstack: DevStack,
    db: asyncpg.Connection,
    tenant_id: uuid.UUID,
    other_tenant_id: uuid.UUID,
    make_user: MakeUser,
) -> None:
    await configure(db, tenant_id, LOTOS.company_id, LOTOS.user_token)
    await configure(db, other_tenant_id, BARKHAT.company_id, BARKHAT.user_token)
    unconfigured: uuid.UUID = await db.fetchval(
        "insert into dashboard.tenants (name, timezone) values ($1, 'UTC') returning id",
        f"bare-{uuid.uuid4()}",
    )

    own = await config_for(backend, devstack, await make_user(tenant_id))
    other = await config_for(backend, devstack, await make_user(other_tenant_id))
    bare = await config_for(backend, devstack, await make_user(unconfigured))
    assert isinstance(own, TenantYClients) and own.company_id == LOTOS.company_id
    assert isinstance(other, TenantYClients) and other.company_id == BARKHAT.company_id
    assert other.user_token.get_secret_value() == BARKHAT.user_token
    # Others being configured never leaks into a salon that is not.
    assert isinstance(bare, NotConfigured) and bare.tenant_id == unconfigured


async def test_a_cancelled_sync_leaves_the_cache_usable(
    backend: Backend,
    devstack: DevStack,
    db: asyncpg.Connection,
    tenant_id: uuid.UUID,
    make_user: MakeUser,
    tmp_path: Path,
) -> None:
    await configure(db, tenant_id, LOTOS.company_id, LOTOS.user_token)
    config = await config_for(backend, devstack, await make_user(tenant_id))
    assert isinstance(config, TenantYClients)
    today = moscow_today().date()
    first, last = today - timedelta(days=29), today
    # The company and the first page pass, the second page waits.
    stingy = Gate(2)
    first_page = asyncio.Event()
    async with TenantAnalytics(config, tmp_path, limiter=stingy) as analytics:
        task = asyncio.create_task(
            analytics.sync(first, last, progress=lambda d, t: first_page.set())
        )
        await asyncio.wait_for(first_page.wait(), 20)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert not await analytics.covers(first, last)
    async with TenantAnalytics(config, tmp_path) as analytics:
        report = await analytics.sync(first, last)
        assert not report.incremental
        assert await analytics.covers(first, last)
        assert (await analytics.figures(first, last)).report.records > 0


async def test_one_sync_per_company_at_a_time_the_waiting_one_reads_the_shared_cache(
    backend: Backend,
    devstack: DevStack,
    db: asyncpg.Connection,
    tenant_id: uuid.UUID,
    make_user: MakeUser,
    tmp_path: Path,
) -> None:
    await configure(db, tenant_id, LOTOS.company_id, LOTOS.user_token)
    config = await config_for(backend, devstack, await make_user(tenant_id))
    assert isinstance(config, TenantYClients)
    today = moscow_today().date()
    first, last = today - timedelta(days=29), today
    # The first sync is held after its first page, so the second surely asks while it runs.
    held = HeldAfter(2)
    first_page, second_waits = asyncio.Event(), asyncio.Event()
    async with (
        TenantAnalytics(config, tmp_path, limiter=held) as syncing,
        TenantAnalytics(config, tmp_path) as waiting,
    ):
        running = asyncio.create_task(
            syncing.sync(first, last, progress=lambda d, t: first_page.set())
        )
        await asyncio.wait_for(first_page.wait(), 20)
        second = asyncio.create_task(waiting.sync(first, last, waiting=second_waits.set))
        await asyncio.wait_for(second_waits.wait(), 20)
        held.release.set()
        report = await asyncio.wait_for(running, 60)
        peer = await asyncio.wait_for(second, 60)
        assert report.requests > 0 and not report.by_peer
        assert peer.by_peer and peer.requests == 0 and peer.pages == 0
        mine = (await waiting.figures(first, last)).report.to_json_dict()
        theirs = (await syncing.figures(first, last)).report.to_json_dict()
        assert mine == theirs


async def test_a_later_sync_after_the_lock_was_free_asks_yclients_itself(
    backend: Backend,
    devstack: DevStack,
    db: asyncpg.Connection,
    tenant_id: uuid.UUID,
    make_user: MakeUser,
    tmp_path: Path,
) -> None:
    await configure(db, tenant_id, LOTOS.company_id, LOTOS.user_token)
    config = await config_for(backend, devstack, await make_user(tenant_id))
    assert isinstance(config, TenantYClients)
    today = moscow_today().date()
    first, last = today - timedelta(days=6), today
    async with TenantAnalytics(config, tmp_path) as one, TenantAnalytics(config, tmp_path) as two:
        assert not (await one.sync(first, last)).by_peer
        again = await two.sync(first, last)
        # Nobody else was syncing: this is an ordinary incremental sync, not a borrowed one.
        assert not again.by_peer and again.incremental and again.requests >= 1
