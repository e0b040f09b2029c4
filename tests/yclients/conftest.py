"""Fixtures for the YClients tests: the sandbox on a real socket, fake clocks, clients."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import date

import pytest
from aiohttp import web
from pydantic import SecretStr

from devstack.yclients_sandbox import (
    DEMO_PARTNER_TOKEN,
    DEMO_USER_TOKENS,
    Sandbox,
    SandboxConfig,
    create_sandbox_app,
    demo_sandbox_config,
    sandbox_of,
)
from services.yclients import RateLimiter, Window, YClientsClient
from services.yclients.models import ApiRecord, Record, record_from_api

ANCHOR = date(2025, 6, 30)
LOTOS = 100001
BARHAT = 100002


class FakeClock:
    """Monotonic time that only moves when someone sleeps on it."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(0.0, seconds)


class Served:
    def __init__(self, base_url: str, sandbox: Sandbox) -> None:
        self.base_url = base_url
        self.sandbox = sandbox


@asynccontextmanager
async def serve_sandbox(
    config: SandboxConfig, *, clock: Callable[[], float] | None = None
) -> AsyncIterator[Served]:
    """Mount the sandbox under /yclients of a parent app, the way the devstack does."""
    sub = create_sandbox_app(config, clock=clock or time.monotonic)
    root = web.Application()
    root.add_subapp("/yclients", sub)
    runner = web.AppRunner(root, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = runner.addresses[0][1]
        yield Served(f"http://127.0.0.1:{port}/yclients/api/v1", sandbox_of(sub))
    finally:
        await runner.cleanup()


def unlimited_config(**changes: object) -> SandboxConfig:
    """Demo data pinned to ANCHOR, without the rate limit (for tests about other things)."""
    base = demo_sandbox_config(anchor=ANCHOR)
    return replace(base, rate_per_second=None, rate_per_minute=None, **changes)  # type: ignore[arg-type]


def fast_limiter() -> RateLimiter:
    return RateLimiter((Window(100_000, 1.0),), guard_seconds=0.0)


def sandbox_client(
    base_url: str, company_id: int = LOTOS, *, limiter: RateLimiter | None = None, **kw: object
) -> YClientsClient:
    return YClientsClient(
        base_url=base_url,
        partner_token=SecretStr(DEMO_PARTNER_TOKEN),
        user_token=SecretStr(DEMO_USER_TOKENS[company_id]),
        company_id=company_id,
        limiter=limiter or fast_limiter(),
        **kw,  # type: ignore[arg-type]
    )


def truth(served: Served, company: int, first: date, last: date) -> list[Record]:
    """What the sandbox holds for the period (deleted included), parsed as the client would."""
    data = served.sandbox.data(company)
    out = []
    for r in data.records:
        record = record_from_api(ApiRecord.model_validate(r.payload), data.zone)
        if first <= record.local_date(data.zone) <= last:
            out.append(record)
    return sorted(out, key=lambda r: r.id)


@pytest.fixture
async def open_sandbox() -> AsyncIterator[Served]:
    async with serve_sandbox(unlimited_config()) as served:
        yield served
