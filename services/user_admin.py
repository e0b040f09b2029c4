"""Staff accounts: add, change password, (de)activate, change role, list.

Used by `agentp user ...` on the server (no session: whoever holds the service key is the
admin there) and by an admin inside the app (a session: their own tenant only; any other role
is refused here, whatever the screen shows). Rules that hold for both: a salon keeps an active
admin (checked in the database, under a lock, by `dashboard.set_user_access`); a password set
here signs the user's open sessions out (its `password_changed_at` moves); every change writes
an audit row.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from services.audit import AuditLog
from services.auth import LOCKOUT_DURATION, LOCKOUT_WINDOW, USER_COLUMNS, lock_end, normalize_email
from services.backend import Backend
from services.errors import BackendRejected, NotFound, ServiceError
from services.models import Role, Tenant, UserRecord
from services.passwords import check_new_password, generate_password, hash_password
from services.user_session import Permission, UserSession


class UserAdminError(ServiceError):
    """A refused change, in one line: duplicate email, unknown tenant, bad role…"""


class LastAdminError(UserAdminError):
    """The change would leave the salon without an active admin."""

    def __init__(self) -> None:
        super().__init__(
            "the last active admin of a salon cannot be deactivated or demoted: "
            "make another user an admin first"
        )


@dataclass(frozen=True)
class StaffMember:
    """A row of the Staff screen: the account, and how its recent logins went."""

    user: UserRecord
    failed_attempts: int  # failures since the last successful login, in the lockout window
    locked_until: datetime | None


def parse_role(value: str) -> Role:
    try:
        return Role(value.strip().lower())
    except ValueError:
        raise UserAdminError(f"unknown role {value!r}: use viewer, operator or admin") from None


def _looks_like_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


@dataclass
class UserAdmin:
    backend: Backend
    session: UserSession | None = None

    def _check(self) -> None:
        if self.session is not None:
            self.session.require(Permission.manage_users)

    def _now(self) -> datetime:
        return datetime.now(UTC)

    async def resolve_tenant(self, id_or_name: str) -> Tenant:
        query = self.backend.table("dashboard", "tenants").select(
            "id,name,timezone,yclients_company_id"
        )
        text = id_or_name.strip()
        query = query.eq("id", text) if _looks_like_uuid(text) else query.eq("name", text)
        rows = (await self.backend.run(query.limit(2), context="dashboard.tenants")).data
        if not rows:
            raise UserAdminError(f"no tenant with id or name {id_or_name!r}")
        tenant = Tenant.model_validate(rows[0])
        if self.session is not None and tenant.id != self.session.tenant_id:
            raise UserAdminError(f"no tenant with id or name {id_or_name!r}")
        return tenant

    async def add(
        self, *, email: str, tenant: str, role: str, password: str, name: str | None = None
    ) -> UserRecord:
        self._check()
        normalized = normalize_email(email)
        if "@" not in normalized or len(normalized) > 320 or any(c.isspace() for c in normalized):
            raise UserAdminError(f"{email!r} is not an email address")
        parsed_role = parse_role(role)
        owner = await self.resolve_tenant(tenant)
        check_new_password(password, normalized)
        # Across salons: an email is one account, and another salon's must not be told apart
        # from a free one by this message (the unique constraint below catches it too).
        if await self._find(normalized, any_tenant=True) is not None:
            raise UserAdminError(f"a user with the email {normalized} already exists")
        hashed = await hash_password(password)
        row = {
            "tenant_id": str(owner.id),
            "email": normalized,
            "name": name.strip() if name else None,
            "role": parsed_role.value,
            "encrypted_password": hashed,
        }
        try:
            response = await self.backend.run(
                self.backend.table("dashboard", "users").insert(row), context="dashboard.users"
            )
        except BackendRejected as exc:
            if exc.code == "23505":
                raise UserAdminError(f"a user with the email {normalized} already exists") from None
            raise
        user = UserRecord.model_validate(response.data[0])
        await self._audit("user.added", user, {"role": user.role.value})
        return user

    async def add_with_generated_password(
        self, *, email: str, role: str, name: str | None = None
    ) -> tuple[UserRecord, str]:
        """An account in the admin's own salon with a random first password, returned once."""
        if self.session is None:
            raise UserAdminError("a generated password is for the app's Staff screen")
        password = generate_password()
        user = await self.add(
            email=email,
            tenant=str(self.session.tenant_id),
            role=role,
            password=password,
            name=name,
        )
        return user, password

    async def set_password(self, email: str, password: str) -> None:
        """A new password; the user's open sessions end within seconds (the epoch moves)."""
        self._check()
        user = await self._require(email)
        check_new_password(password, user.email)
        hashed = await hash_password(password)
        await self._update(
            user,
            {"encrypted_password": hashed, "password_changed_at": self._now().isoformat()},
        )
        # By an admin in the app it is a reset; on the server, `agentp user passwd`.
        action = "user.password_reset" if self.session else "user.password_changed"
        await self._audit(action, user, {})

    async def reset_password(self, email: str) -> str:
        """A generated password, set and returned once for the admin to hand over."""
        password = generate_password()
        await self.set_password(email, password)
        return password

    async def set_active(self, email: str, active: bool) -> None:
        self._check()
        user = await self._require(email)
        if not active and self.session is not None and user.id == self.session.user_id:
            raise UserAdminError("you cannot deactivate your own account")
        await self._set_access(user, active=active)
        await self._audit("user.activated" if active else "user.deactivated", user, {})

    async def set_role(self, email: str, role: str) -> None:
        self._check()
        user = await self._require(email)
        parsed = parse_role(role)
        await self._set_access(user, role=parsed)
        await self._audit(
            "user.role_changed", user, {"role": parsed.value, "from": user.role.value}
        )

    async def staff(self) -> list[StaffMember]:
        """The admin's salon's accounts with their failed attempts and lockouts."""
        users = await self.list()
        if not users:
            return []
        now = self._now()
        since = now - LOCKOUT_WINDOW - LOCKOUT_DURATION
        rows = (
            await self.backend.run(
                self.backend.table("dashboard", "login_attempts")
                .select("email,succeeded,created_at")
                .in_("email", [u.email for u in users])
                .gte("created_at", since.isoformat())
                .order("created_at", desc=True)
                .limit(5000),
                context="dashboard.login_attempts",
            )
        ).data
        attempts: dict[str, tuple[list[datetime], list[datetime]]] = {
            u.email: ([], []) for u in users
        }
        for row in rows:
            failures, successes = attempts.setdefault(row["email"], ([], []))
            at = datetime.fromisoformat(row["created_at"])
            (successes if row["succeeded"] else failures).append(at)
        members = []
        for user in users:
            failures, successes = attempts[user.email]
            last_success = max(successes, default=None)
            failed = [f for f in failures if last_success is None or f > last_success]
            end = lock_end(failures, successes)
            members.append(
                StaffMember(user, len(failed), end if end is not None and end > now else None)
            )
        return members

    async def list(self, tenant: str | None = None) -> list[UserRecord]:
        self._check()
        query = self.backend.table("dashboard", "users").select(USER_COLUMNS).order("email")
        if self.session is not None:
            query = query.eq("tenant_id", str(self.session.tenant_id))
        elif tenant:
            query = query.eq("tenant_id", str((await self.resolve_tenant(tenant)).id))
        rows = (await self.backend.run(query, context="dashboard.users")).data
        return [UserRecord.model_validate(row) for row in rows]

    async def _find(self, email: str, *, any_tenant: bool = False) -> UserRecord | None:
        query = self.backend.table("dashboard", "users").select(USER_COLUMNS).eq("email", email)
        if self.session is not None and not any_tenant:
            query = query.eq("tenant_id", str(self.session.tenant_id))
        rows = (await self.backend.run(query.limit(1), context="dashboard.users")).data
        return UserRecord.model_validate(rows[0]) if rows else None

    async def _require(self, email: str) -> UserRecord:
        user = await self._find(normalize_email(email))
        if user is None:
            raise NotFound(f"no user with the email {normalize_email(email)}")
        return user

    async def _update(self, user: UserRecord, changes: dict[str, object]) -> None:
        await self.backend.run(
            self.backend.table("dashboard", "users")
            .update(changes)
            .eq("id", str(user.id))
            .eq("tenant_id", str(user.tenant_id)),
            context="dashboard.users",
        )

    async def _set_access(
        self, user: UserRecord, *, role: Role | None = None, active: bool | None = None
    ) -> None:
        params = {
            "p_tenant": str(user.tenant_id),
            "p_user": str(user.id),
            "p_role": role.value if role is not None else None,
            "p_active": active,
        }
        try:
            await self.backend.run(
                self.backend.rpc("dashboard", "set_user_access", params),
                context="dashboard.set_user_access",
            )
        except BackendRejected as exc:
            if exc.code == "P0001":
                raise LastAdminError() from None
            if exc.code == "P0002":
                raise NotFound(f"no user with the email {user.email}") from None
            raise

    async def _audit(self, action: str, user: UserRecord, detail: dict[str, str]) -> None:
        actor = self.session.user_id if self.session else None
        await AuditLog(self.backend).write(
            action,
            email=user.email,
            tenant_id=user.tenant_id,
            user_id=actor,
            detail={"target_user": str(user.id), **detail},
        )
