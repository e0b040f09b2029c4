"""Login against `dashboard.users` with bcrypt, lockout and audit.

Unknown email, wrong password and inactive account fail with the same message after the same
work (one user lookup, one bcrypt check, the same writes), so neither the text nor the time
tells which emails exist.

The lockout holds under concurrency: before bcrypt runs, `dashboard.begin_login_attempt` checks
the lock and records the attempt (as a failure until it succeeds) in one step under a per-email
advisory lock. Ten sessions guessing at once get five guesses checked per window, not fifty.
Unlocking the idle lock goes through the same count.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from services.audit import AuditLog
from services.backend import Backend
from services.errors import ServiceError
from services.models import Tenant, UserRecord
from services.passwords import hash_password, needs_rehash, verify_password
from services.text_rules import unsendable_character
from services.user_session import UserSession

LOCKOUT_FAILURES = 5
LOCKOUT_WINDOW = timedelta(minutes=15)
LOCKOUT_DURATION = timedelta(minutes=15)
MAX_EMAIL_LENGTH = 320
USER_COLUMNS = (
    "id,tenant_id,email,name,encrypted_password,role,active,last_login_at,password_changed_at"
)


class LoginFailed(ServiceError):
    """`reason` is `invalid` or `locked`; `locked_until` is set when locked."""

    def __init__(self, reason: str, locked_until: datetime | None = None) -> None:
        message = (
            "wrong email or password"
            if reason == "invalid"
            else "too many failed attempts: login is locked for a while"
        )
        super().__init__(message)
        self.reason = reason
        self.locked_until = locked_until


def normalize_email(email: str) -> str:
    return email.strip().lower()


def unusable_email(normalized: str) -> bool:
    """No account can have this address, so there is nothing to look up or to count: empty,
    too long, or holding what no request can carry (NUL, an unpaired surrogate)."""
    return (
        not normalized
        or len(normalized) > MAX_EMAIL_LENGTH
        or unsendable_character(normalized) is not None
    )


def lock_end(failures: list[datetime], successes: list[datetime]) -> datetime | None:
    """When the lockout earned by these attempts ends (None: no lockout).

    Any LOCKOUT_FAILURES consecutive failures (no success between them) spanning at most
    LOCKOUT_WINDOW lock the email for LOCKOUT_DURATION after the last of them.
    """
    last_success = max(successes, default=None)
    recent = sorted(f for f in failures if last_success is None or f > last_success)
    end: datetime | None = None
    for i in range(len(recent) - LOCKOUT_FAILURES + 1):
        run = recent[i : i + LOCKOUT_FAILURES]
        if run[-1] - run[0] <= LOCKOUT_WINDOW:
            candidate = run[-1] + LOCKOUT_DURATION
            end = candidate if end is None or candidate > end else end
    return end


@dataclass
class AuthService:
    backend: Backend
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    @property
    def audit(self) -> AuditLog:
        return AuditLog(self.backend)

    async def authenticate(self, email: str, password: str) -> UserSession:
        normalized = normalize_email(email)
        if unusable_email(normalized):
            # Nothing to look up, but the same bcrypt work, so the time tells nothing.
            await verify_password(password, None)
            raise LoginFailed("invalid")
        now = self.clock()
        attempt = await self._begin_attempt(normalized, now)

        user = await self._find_user(normalized)
        ok = await verify_password(password, user.encrypted_password if user else None)
        if not ok or user is None or not user.active:
            # The attempt is already counted as a failure: nothing to record.
            await self.audit.write(
                "login_failed",
                email=normalized,
                tenant_id=user.tenant_id if user else None,
                user_id=user.id if user else None,
            )
            locked_until = await self.locked_until(normalized, now)
            if locked_until is not None:
                await self.audit.write(
                    "lockout",
                    email=normalized,
                    tenant_id=user.tenant_id if user else None,
                    user_id=user.id if user else None,
                    detail={"locked_until": locked_until.isoformat()},
                )
                raise LoginFailed("locked", locked_until)
            raise LoginFailed("invalid")

        tenant = await self._tenant(user.tenant_id)
        await self._mark_succeeded(attempt)
        changes: dict[str, Any] = {"last_login_at": now.isoformat()}
        if needs_rehash(user.encrypted_password):
            changes["encrypted_password"] = await hash_password(password)
        await self.backend.run(
            self.backend.table("dashboard", "users").update(changes).eq("id", str(user.id)),
            context="dashboard.users",
        )
        await self.audit.write(
            "login",
            email=normalized,
            tenant_id=user.tenant_id,
            user_id=user.id,
            detail={"rehashed": "encrypted_password" in changes},
        )
        return UserSession(
            user_id=user.id,
            email=user.email,
            name=user.name,
            role=user.role,
            tenant_id=tenant.id,
            tenant_name=tenant.name,
            tenant_timezone=tenant.timezone,
            started_at=now,
            password_changed_at=user.password_changed_at,
        )

    async def confirm_password(self, session: UserSession, password: str) -> bool:
        """The idle lock's check: the same user's password, still active, bcrypt off the loop.

        It counts toward the login lockout like a login does (else the lock screen would be a
        way around it): `LoginFailed("locked")` once the email is locked."""
        attempt = await self._begin_attempt(session.email, self.clock())
        user = await self._find_user(session.email)
        ok = await verify_password(password, user.encrypted_password if user else None)
        confirmed = bool(ok and user is not None and user.active and user.id == session.user_id)
        if confirmed:
            await self._mark_succeeded(attempt)
        else:
            await self.audit.write(
                "unlock_failed",
                email=session.email,
                tenant_id=session.tenant_id,
                user_id=session.user_id,
            )
        return confirmed

    async def logout(self, session: UserSession) -> None:
        await self.audit.write(
            "logout", email=session.email, tenant_id=session.tenant_id, user_id=session.user_id
        )

    async def locked_until(self, email: str, now: datetime) -> datetime | None:
        since = now - LOCKOUT_WINDOW - LOCKOUT_DURATION
        response = await self.backend.run(
            self.backend.table("dashboard", "login_attempts")
            .select("succeeded,created_at")
            .eq("email", email)
            .gte("created_at", since.isoformat())
            .order("created_at", desc=True)
            .limit(100),
            context="dashboard.login_attempts",
        )
        failures: list[datetime] = []
        successes: list[datetime] = []
        for row in response.data:
            at = datetime.fromisoformat(row["created_at"])
            (successes if row["succeeded"] else failures).append(at)
        end = lock_end(failures, successes)
        return end if end is not None and end > now else None

    async def _find_user(self, email: str) -> UserRecord | None:
        response = await self.backend.run(
            self.backend.table("dashboard", "users")
            .select(USER_COLUMNS)
            .eq("email", email)
            .limit(1),
            context="dashboard.users",
        )
        return UserRecord.model_validate(response.data[0]) if response.data else None

    async def _tenant(self, tenant_id: uuid.UUID) -> Tenant:
        response = await self.backend.run(
            self.backend.table("dashboard", "tenants")
            .select("id,name,timezone,yclients_company_id")
            .eq("id", str(tenant_id))
            .limit(1),
            context="dashboard.tenants",
        )
        return Tenant.model_validate(response.data[0])

    async def _begin_attempt(self, email: str, now: datetime) -> int:
        """Count this attempt before its password is checked, or refuse it if locked.

        Returns the attempt's id (recorded as a failure); raises `LoginFailed("locked")`."""
        response = await self.backend.run(
            self.backend.rpc(
                "dashboard",
                "begin_login_attempt",
                {
                    "p_email": email,
                    "p_now": now.isoformat(),
                    "p_failures": LOCKOUT_FAILURES,
                    "p_window_s": int(LOCKOUT_WINDOW.total_seconds()),
                    "p_duration_s": int(LOCKOUT_DURATION.total_seconds()),
                },
            ),
            context="dashboard.begin_login_attempt",
        )
        answer: dict[str, Any] = response.data
        if answer.get("locked_until") is not None:
            locked_until = datetime.fromisoformat(answer["locked_until"])
            await self.audit.write(
                "login_refused", email=email, detail={"locked_until": locked_until.isoformat()}
            )
            raise LoginFailed("locked", locked_until)
        return int(answer["attempt_id"])

    async def _mark_succeeded(self, attempt_id: int) -> None:
        await self.backend.run(
            self.backend.table("dashboard", "login_attempts")
            .update({"succeeded": True}, returning="minimal")
            .eq("id", attempt_id),
            context="dashboard.login_attempts",
        )
