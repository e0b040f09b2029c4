"""The service layer with either kind of service key: Supabase's secret key or the legacy JWT."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
from pydantic import SecretStr

from devstack.stack import StackInfo
from services.auth import AuthService
from services.backend import Backend
from services.feeds import FeedState, LiveFeed
from services.models import Role
from tests.services.conftest import MakeUser
from tests.services.test_feeds import FAST, Recorder, insert_wishes, wishlist_spec

KINDS = ["service_key", "secret_key"]


@pytest.fixture(params=KINDS)
async def keyed_backend(
    request: pytest.FixtureRequest, stack_info: StackInfo
) -> AsyncIterator[tuple[Backend, SecretStr]]:
    key = SecretStr(getattr(stack_info, request.param))
    opened = await Backend.open(stack_info.supabase_url, key)
    try:
        yield opened, key
    finally:
        await opened.close()


async def test_startup_check_and_login_with_each_kind_of_key(
    keyed_backend: tuple[Backend, SecretStr],
    db: asyncpg.Connection,
    tenant_id: uuid.UUID,
    make_user: MakeUser,
) -> None:
    backend, _ = keyed_backend
    await backend.check()
    user = await make_user(tenant_id, "admin")
    session = await AuthService(backend).authenticate(user["email"], "correct horse battery")
    assert (session.user_id, session.role, session.tenant_id) == (user["id"], Role.admin, tenant_id)
    stored = await db.fetchval(
        "select last_login_at from dashboard.users where id = $1", user["id"]
    )
    assert stored is not None, "the login wrote through the key"


async def test_a_live_feed_with_each_kind_of_key(
    keyed_backend: tuple[Backend, SecretStr], db: asyncpg.Connection, tenant_id: uuid.UUID
) -> None:
    backend, key = keyed_backend
    recorder = Recorder()
    feed = LiveFeed(
        backend=backend,
        key=key,
        spec=wishlist_spec(tenant_id),
        on_batch=recorder.on_batch,
        on_status=recorder.on_status,
        tuning=FAST,
    )
    await feed.start()
    try:
        await recorder.wait_for(lambda: feed.status.state == FeedState.live)
        keys = await insert_wishes(db, tenant_id, 3, "ключ ")
        await recorder.wait_for(lambda: set(keys) <= set(recorder.counts))
        assert FeedState.polling not in recorder.states, "delivered by realtime, not polling"
    finally:
        await feed.stop()
