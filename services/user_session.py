"""The logged-in user, and what their role allows. Services check it; the UI only mirrors it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from services.errors import PermissionDenied
from services.models import Role


class Permission(StrEnum):
    read = "read"
    send_commands = "send_commands"
    manage_users = "manage_users"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.viewer: frozenset({Permission.read}),
    Role.operator: frozenset({Permission.read, Permission.send_commands}),
    Role.admin: frozenset({Permission.read, Permission.send_commands, Permission.manage_users}),
}

_REFUSALS = {
    Permission.read: "your account cannot read this salon's data",
    Permission.send_commands: "your role (viewer) can read but not send commands to the bot",
    Permission.manage_users: "only an admin can manage users",
}


_READ_ONLY_REFUSAL = "the dashboard was started read-only: nothing can be sent or changed"


@dataclass(frozen=True)
class UserSession:
    user_id: uuid.UUID
    email: str
    name: str | None
    role: Role
    tenant_id: uuid.UUID
    tenant_name: str
    tenant_timezone: str
    started_at: datetime
    # The account's password epoch at login: a different one later means it changed elsewhere.
    password_changed_at: datetime | None = None
    # `agentp --read-only`: whatever the role, nothing is sent or changed. Checked here, by
    # the services, and not only by hiding actions: a direct service call writes nothing.
    read_only: bool = False

    def can(self, permission: Permission) -> bool:
        if self.read_only and permission is not Permission.read:
            return False
        return permission in ROLE_PERMISSIONS[self.role]

    def require(self, permission: Permission) -> None:
        if not self.can(permission):
            if self.read_only and permission in ROLE_PERMISSIONS[self.role]:
                raise PermissionDenied(_READ_ONLY_REFUSAL)
            raise PermissionDenied(_REFUSALS[permission])

    def with_role(self, role: Role) -> UserSession:
        return replace(self, role=role)

    def as_read_only(self) -> UserSession:
        return replace(self, read_only=True)
