"""Login through the real supabase client against the devstack."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from services.auth import LOCKOUT_FAILURES, AuthService, LoginFailed, lock_end
from services.backend import Backend
from services.models import Role
from services.passwords import hash_cost
from tests.services.conftest import MakeUser

PASSWORD = "correct horse battery"


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


async def audit_actions(db: asyncpg.Connection, email: str) -> list[str]:
    rows = await db.fetch(
        "select action from dashboard.audit_log where email = $1 order by id", email
    )
    return [r["action"] for r in rows]


async def test_login_matches_email_in_any_case_and_upgrades_a_weak_hash(
    backend: Backend, db: asyncpg.Connection, tenant_id: uuid.UUID, make_user: MakeUser
) -> None:
    user = await make_user(tenant_id, "operator")
    session = await AuthService(backend).authenticate(f"  {user['email'].upper()} ", PASSWORD)
    assert session.user_id == user["id"]
    assert session.role == Role.operator
    assert session.tenant_id == tenant_id
    assert session.tenant_timezone == "Europe/Moscow"
    stored = await db.fetchrow("select * from dashboard.users where id = $1", user["id"])
    assert hash_cost(stored["encrypted_password"]) == 12, "a cost-4 hash is upgraded on login"
    assert stored["last_login_at"] is not None
    assert await audit_actions(db, user["email"]) == ["login"]
    # The upgraded hash still opens the account.
    assert (await AuthService(backend).authenticate(user["email"], PASSWORD)).user_id == user["id"]


@pytest.mark.parametrize("case", ["unknown", "wrong", "inactive", "too_long", "empty"])
async def test_every_failure_reads_the_same(
    backend: Backend,
    db: asyncpg.Connection,
    tenant_id: uuid.UUID,
    make_user: MakeUser,
    case: str,
) -> None:
    user = await make_user(tenant_id, "viewer", active=case != "inactive")
    email, password = user["email"], PASSWORD
    if case == "unknown":
        email = f"nobody-{uuid.uuid4().hex[:6]}@salon.test"
    elif case == "wrong":
        password = "wrong horse battery"
    elif case == "too_long":
        password = PASSWORD + "x" * 80  # over bcrypt's 72 bytes: refused, never a crash
    elif case == "empty":
        email = "   "
    with pytest.raises(LoginFailed) as caught:
        await AuthService(backend).authenticate(email, password)
    assert caught.value.reason == "invalid"
    assert str(caught.value) == "wrong email or password"
    if case != "empty":
        assert await audit_actions(db, email.strip().lower()) == ["login_failed"]


async def test_lockout_after_five_failures_then_expiry(
    backend: Backend, db: asyncpg.Connection, tenant_id: uuid.UUID, make_user: MakeUser
) -> None:
    user = await make_user(tenant_id, "operator")
    clock = Clock()
    auth = AuthService(backend, clock=clock)
    for attempt in range(1, LOCKOUT_FAILURES + 1):
        clock.now += timedelta(seconds=30)
        with pytest.raises(LoginFailed) as caught:
            await auth.authenticate(user["email"], "wrong horse battery")
        expected = "locked" if attempt == LOCKOUT_FAILURES else "invalid"
        assert caught.value.reason == expected
    assert caught.value.locked_until == clock.now + timedelta(minutes=15)

    # Locked: even the right password is refused, without being checked.
    clock.now += timedelta(minutes=5)
    with pytest.raises(LoginFailed) as caught:
        await auth.authenticate(user["email"], PASSWORD)
    assert caught.value.reason == "locked"
    attempts = await db.fetchval(
        "select count(*) from dashboard.login_attempts where email = $1", user["email"]
    )
    assert attempts == LOCKOUT_FAILURES, "a refused attempt is not a new failure"

    clock.now += timedelta(minutes=11)
    assert (await auth.authenticate(user["email"], PASSWORD)).user_id == user["id"]
    assert await audit_actions(db, user["email"]) == [
        *["login_failed"] * LOCKOUT_FAILURES,
        "lockout",
        "login_refused",
        "login",
    ]


async def test_lockout_counts_per_email_and_resets_after_success(
    backend: Backend, tenant_id: uuid.UUID, make_user: MakeUser
) -> None:
    first = await make_user(tenant_id, "viewer")
    second = await make_user(tenant_id, "viewer")
    clock = Clock()
    auth = AuthService(backend, clock=clock)
    for _ in range(LOCKOUT_FAILURES - 1):
        clock.now += timedelta(seconds=1)
        with pytest.raises(LoginFailed):
            await auth.authenticate(first["email"], "nope nope nope")
    clock.now += timedelta(seconds=1)
    await auth.authenticate(first["email"], PASSWORD)
    clock.now += timedelta(seconds=1)
    with pytest.raises(LoginFailed) as caught:
        await auth.authenticate(first["email"], "nope nope nope")
    assert caught.value.reason == "invalid", "the success reset the count"
    assert (await auth.authenticate(second["email"], PASSWORD)).email == second["email"]


def test_lock_end_needs_five_failures_within_fifteen_minutes() -> None:
    t0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    spread = [t0 + timedelta(minutes=4 * i) for i in range(5)]  # 16 minutes from first to last
    assert lock_end(spread, []) is None
    tight = [t0 + timedelta(minutes=3 * i) for i in range(5)]
    assert lock_end(tight, []) == tight[-1] + timedelta(minutes=15)
    assert lock_end(tight, [tight[-1] + timedelta(seconds=1)]) is None


async def test_confirm_password_and_logout(
    backend: Backend, db: asyncpg.Connection, tenant_id: uuid.UUID, make_user: MakeUser
) -> None:
    user = await make_user(tenant_id, "admin")
    auth = AuthService(backend)
    session = await auth.authenticate(user["email"], PASSWORD)
    assert await auth.confirm_password(session, PASSWORD)
    assert not await auth.confirm_password(session, "wrong horse battery")
    await db.execute("update dashboard.users set active = false where id = $1", user["id"])
    assert not await auth.confirm_password(session, PASSWORD), "a deactivated user cannot unlock"
    await auth.logout(session)
    assert (await audit_actions(db, user["email"]))[-1] == "logout"


class BcryptSpy:
    """Counts the bcrypt checks login runs and the hash each one was against."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import bcrypt

        self.hashes: list[bytes] = []
        real = bcrypt.checkpw

        def checkpw(password: bytes, hashed: bytes) -> bool:
            self.hashes.append(hashed)
            return bool(real(password, hashed))

        monkeypatch.setattr(bcrypt, "checkpw", checkpw)


async def test_concurrent_wrong_guesses_get_at_most_five_passwords_checked(
    backend: Backend,
    db: asyncpg.Connection,
    tenant_id: uuid.UUID,
    make_user: MakeUser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The race of issue 17 §3: twenty guesses at once all passed the lock check before the
    first failure was recorded. Now each is counted before bcrypt runs."""
    import asyncio

    user = await make_user(tenant_id, "operator")
    stored = await db.fetchval(
        "select encrypted_password from dashboard.users where id = $1", user["id"]
    )
    spy = BcryptSpy(monkeypatch)
    guesses = [f"guess number {n}" for n in range(20)]
    results = await asyncio.gather(
        *(AuthService(backend).authenticate(user["email"], guess) for guess in guesses),
        return_exceptions=True,
    )
    assert all(isinstance(r, LoginFailed) for r in results)
    checked = [h for h in spy.hashes if h == stored.encode()]
    assert len(checked) <= LOCKOUT_FAILURES, f"{len(checked)} guesses were checked"
    # And the right password is refused while locked, without being checked.
    before = len(spy.hashes)
    with pytest.raises(LoginFailed) as caught:
        await AuthService(backend).authenticate(user["email"], PASSWORD)
    assert caught.value.reason == "locked"
    assert len(spy.hashes) == before


async def test_unlock_attempts_count_toward_the_login_lockout(
    backend: Backend, tenant_id: uuid.UUID, make_user: MakeUser
) -> None:
    user = await make_user(tenant_id, "viewer")
    auth = AuthService(backend)
    session = await auth.authenticate(user["email"], PASSWORD)
    for _ in range(LOCKOUT_FAILURES):
        assert not await auth.confirm_password(session, "a wrong guess at the lock")
    # The lock screen was no way around the lockout: neither login nor unlock now.
    with pytest.raises(LoginFailed) as caught:
        await auth.authenticate(user["email"], PASSWORD)
    assert caught.value.reason == "locked"
    with pytest.raises(LoginFailed):
        await auth.confirm_password(session, PASSWORD)


@pytest.mark.parametrize("case", ["unknown", "empty", "too_long", "wrong_password"])
async def test_every_failed_login_costs_one_bcrypt_check_against_the_right_hash(
    backend: Backend,
    db: asyncpg.Connection,
    tenant_id: uuid.UUID,
    make_user: MakeUser,
    monkeypatch: pytest.MonkeyPatch,
    case: str,
) -> None:
    """Unknown and unusable emails pay for one check against the dummy hash (so the time tells
    nothing); a known email with a wrong password for one check against its own hash."""
    from services.auth import MAX_EMAIL_LENGTH
    from services.passwords import _DUMMY_HASH

    user = await make_user(tenant_id, "viewer")
    email = {
        "unknown": f"nobody-{uuid.uuid4().hex[:6]}@salon.test",
        "empty": "",
        "too_long": "a" * (MAX_EMAIL_LENGTH + 1) + "@salon.test",
        "wrong_password": user["email"],
    }[case]
    stored = await db.fetchval(
        "select encrypted_password from dashboard.users where id = $1", user["id"]
    )
    spy = BcryptSpy(monkeypatch)
    with pytest.raises(LoginFailed):
        await AuthService(backend).authenticate(email, "wrong horse battery")
    expected = stored.encode() if case == "wrong_password" else _DUMMY_HASH
    assert spy.hashes == [expected]
