"""Shared fixtures: one devstack (real Postgres + REST + Realtime) for the whole test run.

Tests isolate themselves by tenant (a fresh tenant row each) or by table name, never by
restarting Postgres.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from devstack.stack import DevStack, StackInfo, StackOptions


@pytest.fixture(scope="session")
async def devstack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[DevStack]:
    data_dir: Path = tmp_path_factory.mktemp("devstack")
    stack = DevStack(StackOptions(data_dir=data_dir))
    await stack.start()
    try:
        yield stack
    finally:
        await stack.stop()


@pytest.fixture(scope="session")
def stack_info(devstack: DevStack) -> StackInfo:
    return devstack.info


@pytest.fixture
async def db(devstack: DevStack) -> AsyncIterator[asyncpg.Connection]:
    """A superuser connection for arranging and checking rows behind the API's back."""
    conn = await devstack.connect()
    try:
        yield conn
    finally:
        await conn.close()


@pytest.fixture
async def tenant_id(db: asyncpg.Connection) -> uuid.UUID:
    """A fresh tenant per test: the unit of isolation between tests."""
    value: uuid.UUID = await db.fetchval(
        "insert into dashboard.tenants (name, timezone) values ($1, 'Europe/Moscow') returning id",
        f"test-{uuid.uuid4()}",
    )
    return value
