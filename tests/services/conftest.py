"""Fixtures for service tests: the real supabase client against the session devstack."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import asyncpg
import bcrypt
import pytest
from pydantic import SecretStr

from devstack.stack import StackInfo
from services.backend import Backend
from services.models import Role
from services.user_session import UserSession

# Cost 4 keeps fixtures fast; logins upgrade such hashes to cost 12, which tests check.
FAST_HASHES: dict[str, str] = {}


def fast_hash(password: str) -> str:
    if password not in FAST_HASHES:
        FAST_HASHES[password] = bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode()
    return FAST_HASHES[password]


@pytest.fixture
async def backend(stack_info: StackInfo) -> AsyncIterator[Backend]:
    opened = await Backend.open(stack_info.supabase_url, SecretStr(stack_info.service_key))
    try:
        yield opened
    finally:
        await opened.close()


MakeUser = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
def make_user(db: asyncpg.Connection) -> MakeUser:
    async def make(
        tenant_id: uuid.UUID,
        role: str = "operator",
        *,
        password: str = "correct horse battery",
        active: bool = True,
        email: str | None = None,
    ) -> dict[str, Any]:
        address = email or f"{role}-{uuid.uuid4().hex[:10]}@salon.test"
        row = await db.fetchrow(
            "insert into dashboard.users (tenant_id, email, encrypted_password, role, active) "
            "values ($1, $2, $3, $4, $5) returning *",
            tenant_id,
            address,
            fast_hash(password),
            role,
            active,
        )
        return dict(row)

    return make


def session_for(user: dict[str, Any], tenant_name: str = "Салон") -> UserSession:
    return UserSession(
        user_id=user["id"],
        email=user["email"],
        name=user.get("name"),
        role=Role(user["role"]),
        tenant_id=user["tenant_id"],
        tenant_name=tenant_name,
        tenant_timezone="Europe/Moscow",
        started_at=datetime.now(UTC),
    )


@pytest.fixture
async def other_tenant_id(db: asyncpg.Connection) -> uuid.UUID:
    value: uuid.UUID = await db.fetchval(
        "insert into dashboard.tenants (name, timezone) "
        "values ($1, 'Asia/Yekaterinburg') returning id",
        f"other-{uuid.uuid4()}",
    )
    return value


async def add_session(
    db: asyncpg.Connection,
    tenant_id: uuid.UUID,
    *,
    client_id: str | None = None,
    client_name: str = "Анна Петрова",
    client_phone: str = "+7 912 345-67-89",
    channel: str = "telegram",
    status: str = "active",
    messages: list[dict[str, Any]] | None = None,
    last_message_at: datetime | None = None,
) -> dict[str, Any]:
    row = await db.fetchrow(
        "insert into public.conversation_sessions_v2 (tenant_id, client_id, client_name, "
        "client_phone, channel, status, messages, last_message_at) "
        "values ($1, $2, $3, $4, $5, $6, $7::jsonb, coalesce($8, now())) returning *",
        tenant_id,
        client_id or f"tg:{uuid.uuid4().hex[:8]}",
        client_name,
        client_phone,
        channel,
        status,
        json.dumps(messages or [{"id": "m1", "role": "client", "text": "Здравствуйте!"}]),
        last_message_at,
    )
    return dict(row)


async def add_wish(db: asyncpg.Connection, tenant_id: uuid.UUID, **fields: Any) -> dict[str, Any]:
    values = {
        "client_id": f"tg:{uuid.uuid4().hex[:8]}",
        "client_name": "Мария",
        "client_phone": "+7 900 000-00-00",
        "service_title": "Маникюр",
        **fields,
    }
    columns = ", ".join(["tenant_id", *values])
    placeholders = ", ".join(f"${i}" for i in range(1, len(values) + 2))
    row = await db.fetchrow(
        f"insert into public.wishlist_v2 ({columns}) values ({placeholders}) returning *",
        tenant_id,
        *values.values(),
    )
    return dict(row)
