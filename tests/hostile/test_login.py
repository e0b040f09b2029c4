"""Hostile email and password at login: the same refusal as any wrong login, no crash, and
nothing written but the attempt and audit rows an ordinary failure writes."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.auth import AuthService, LoginFailed, unusable_email
from services.backend import Backend
from tests.hostile.conftest import check_each, count, table_counts
from tests.hostile.corpus import CORPUS, Hostile, huge
from tests.services.conftest import MakeUser

PASSWORD = "correct horse battery"
ALL = [*CORPUS, *huge()]


class HourlyClock:
    """Each login an hour after the previous one: the corpus never trips the lockout."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(hours=1)
        return self.now


async def user_rows(db: asyncpg.Connection) -> list[tuple[Any, ...]]:
    rows = await db.fetch(
        "select id, email, encrypted_password, active, role, last_login_at from dashboard.users"
        " order by id"
    )
    return [tuple(row) for row in rows]


async def new_audit_actions(db: asyncpg.Connection, after: int) -> list[str]:
    rows = await db.fetch("select action from dashboard.audit_log where id > $1", after)
    return [row["action"] for row in rows]


async def last_audit_id(db: asyncpg.Connection) -> int:
    value: int = await db.fetchval("select coalesce(max(id), 0) from dashboard.audit_log")
    return value


async def refused_like_any_failure(
    auth: AuthService, db: asyncpg.Connection, email: str, password: str
) -> None:
    users_before = await user_rows(db)
    counts_before = await table_counts(db)
    audit_before = await last_audit_id(db)
    with pytest.raises(LoginFailed) as caught:
        await auth.authenticate(email, password)
    assert caught.value.reason == "invalid", caught.value.reason
    assert str(caught.value) == "wrong email or password"
    assert await user_rows(db) == users_before, "a refused login changed a user"
    counts = await table_counts(db)
    attempts = counts["login_attempts"] - counts_before["login_attempts"]
    audits = counts["audit_log"] - counts_before["audit_log"]
    assert (attempts, audits) in {(0, 0), (1, 1)}, (attempts, audits)
    assert set(await new_audit_actions(db, audit_before)) <= {"login_failed"}
    for table in ("users", "bot_commands", "tenants"):
        assert counts[table] == counts_before[table], f"{table} changed"


@pytest.mark.usefixtures("cheap_dummy_hash")
async def test_hostile_emails_are_refused_like_any_wrong_login(
    backend: Backend, db: asyncpg.Connection, tenant_id: uuid.UUID, make_user: MakeUser
) -> None:
    await make_user(tenant_id, "admin", password=PASSWORD)
    auth = AuthService(backend, clock=HourlyClock())

    async def check(entry: Hostile) -> None:
        await refused_like_any_failure(auth, db, entry.text, PASSWORD)

    await check_each("login.email", ALL, check)


@pytest.mark.usefixtures("cheap_dummy_hash")
async def test_hostile_passwords_are_refused_and_leave_the_account_as_it_was(
    backend: Backend, db: asyncpg.Connection, tenant_id: uuid.UUID, make_user: MakeUser
) -> None:
    user = await make_user(tenant_id, "admin", password=PASSWORD)
    auth = AuthService(backend, clock=HourlyClock())

    async def check(entry: Hostile) -> None:
        await refused_like_any_failure(auth, db, user["email"], entry.text)

    await check_each("login.password", ALL, check)
    # After all that, the right password still opens the account.
    session = await auth.authenticate(user["email"], PASSWORD)
    assert session.user_id == user["id"]


@pytest.mark.usefixtures("cheap_dummy_hash")
async def test_hostile_text_around_a_real_email_never_logs_in(
    backend: Backend, db: asyncpg.Connection, tenant_id: uuid.UUID, make_user: MakeUser
) -> None:
    user = await make_user(tenant_id, "admin", password=PASSWORD)
    auth = AuthService(backend, clock=HourlyClock())

    async def check(entry: Hostile) -> None:
        if not entry.text.strip():
            return  # padding with whitespace is the same email: that login is right to work
        await refused_like_any_failure(auth, db, user["email"] + entry.text, PASSWORD)
        await refused_like_any_failure(auth, db, entry.text + user["email"], PASSWORD)

    await check_each("login.email-affixed", CORPUS, check)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(email=st.text(max_size=400), password=st.text(max_size=120))
@pytest.mark.usefixtures("cheap_dummy_hash")
async def test_any_text_at_login_is_a_plain_refusal(
    backend: Backend, db: asyncpg.Connection, email: str, password: str
) -> None:
    count("login.hypothesis")
    # A fresh address per example: repeated failures of one address would (rightly) lock it.
    await refused_like_any_failure(
        AuthService(backend), db, f"nobody-{uuid.uuid4().hex[:8]}-{email}", password
    )


@given(st.text())
def test_an_address_no_request_can_carry_is_never_looked_up(text: str) -> None:
    count("login.unusable_email.hypothesis")
    unusable = unusable_email(text)
    if "\x00" in text or any(0xD800 <= ord(c) <= 0xDFFF for c in text):
        assert unusable
