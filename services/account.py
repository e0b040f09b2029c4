"""The logged-in user's own account: changing their password, whatever their role.

The current password is checked (bcrypt off the loop), the new one must follow the same rules
as `agentp user passwd` and be typed twice. The new `password_changed_at` is chosen by the
caller before the write: the session that changes the password knows the new value first, so
its own account feed does not take the change for one made elsewhere, while every other open
session of the user sees a value it did not log in with and ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.audit import AuditLog
from services.auth import USER_COLUMNS
from services.backend import Backend
from services.errors import PermissionDenied, ServiceError, SessionClosed
from services.models import UserRecord
from services.passwords import (
    PasswordPolicyError,
    check_new_password,
    hash_password,
    verify_password,
)
from services.user_session import UserSession


class WrongCurrentPassword(ServiceError):
    def __init__(self) -> None:
        super().__init__("the current password is wrong")


@dataclass
class AccountService:
    backend: Backend
    session: UserSession

    async def change_password(
        self, current: str, new: str, repeated: str, *, changed_at: datetime
    ) -> None:
        """PasswordPolicyError for a new password that cannot be set, WrongCurrentPassword."""
        if self.session.read_only:
            # `agentp --read-only` changes nothing, the account included.
            raise PermissionDenied("the app is read-only (--read-only): nothing is changed")
        if new != repeated:
            raise PasswordPolicyError("the two new passwords differ", "mismatch")
        check_new_password(new, self.session.email)
        user = await self._me()
        if not await verify_password(current, user.encrypted_password):
            await AuditLog(self.backend).write(
                "account.password_change_failed",
                email=user.email,
                tenant_id=user.tenant_id,
                user_id=user.id,
            )
            raise WrongCurrentPassword()
        if new == current:
            raise PasswordPolicyError("the new password is the same as the current one", "same")
        hashed = await hash_password(new)
        await self.backend.run(
            self.backend.table("dashboard", "users")
            .update(
                {"encrypted_password": hashed, "password_changed_at": changed_at.isoformat()},
                returning="minimal",
            )
            .eq("id", str(user.id))
            .eq("tenant_id", str(user.tenant_id)),
            context="dashboard.users",
        )
        await AuditLog(self.backend).write(
            "account.password_changed",
            email=user.email,
            tenant_id=user.tenant_id,
            user_id=user.id,
        )

    async def _me(self) -> UserRecord:
        rows = (
            await self.backend.run(
                self.backend.table("dashboard", "users")
                .select(USER_COLUMNS)
                .eq("id", str(self.session.user_id))
                .eq("tenant_id", str(self.session.tenant_id))
                .limit(1),
                context="dashboard.users",
            )
        ).data
        user = UserRecord.model_validate(rows[0]) if rows else None
        if user is None or not user.active:
            raise SessionClosed("this account is no longer active")
        return user
