"""Staff accounts: add, change password, (de)activate, list.

Used by `agentp user ...` on the server (no session: whoever holds the service key is the
admin there) and by an admin inside the app (a session: their own tenant only).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from services.audit import AuditLog
from services.auth import USER_COLUMNS, normalize_email
from services.backend import Backend
from services.errors import BackendRejected, NotFound, ServiceError
from services.models import Role, Tenant, UserRecord
from services.passwords import hash_password
from services.user_session import Permission, UserSession


class UserAdminError(ServiceError):
    """A refused change, in one line: duplicate email, unknown tenant, bad role…"""


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
        if await self._find(normalized) is not None:
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

    async def set_password(self, email: str, password: str) -> None:
        self._check()
        user = await self._require(email)
        hashed = await hash_password(password)
        await self._update(user, {"encrypted_password": hashed})
        await self._audit("user.password_changed", user, {})

    async def set_active(self, email: str, active: bool) -> None:
        self._check()
        user = await self._require(email)
        await self._update(user, {"active": active})
        await self._audit("user.activated" if active else "user.deactivated", user, {})

    async def set_role(self, email: str, role: str) -> None:
        self._check()
        user = await self._require(email)
        parsed = parse_role(role)
        await self._update(user, {"role": parsed.value})
        await self._audit("user.role_changed", user, {"role": parsed.value})

    async def list(self, tenant: str | None = None) -> list[UserRecord]:
        self._check()
        query = self.backend.table("dashboard", "users").select(USER_COLUMNS).order("email")
        if self.session is not None:
            query = query.eq("tenant_id", str(self.session.tenant_id))
        elif tenant:
            query = query.eq("tenant_id", str((await self.resolve_tenant(tenant)).id))
        rows = (await self.backend.run(query, context="dashboard.users")).data
        return [UserRecord.model_validate(row) for row in rows]

    async def _find(self, email: str) -> UserRecord | None:
        query = self.backend.table("dashboard", "users").select(USER_COLUMNS).eq("email", email)
        if self.session is not None:
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

    async def _audit(self, action: str, user: UserRecord, detail: dict[str, str]) -> None:
        actor = self.session.user_id if self.session else None
        await AuditLog(self.backend).write(
            action,
            email=user.email,
            tenant_id=user.tenant_id,
            user_id=actor,
            detail={"target_user": str(user.id), **detail},
        )
