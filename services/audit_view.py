"""The Audit view's rows: who did what and when in the admin's own salon, newest first.

Kinds group the audit actions an admin asks about; paging is by (created_at, id), so a page
never repeats or skips a row while new ones arrive. Admins only, their tenant only.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import Field

from services.backend import Backend
from services.keyset import Cursor, newest_first
from services.models import _Row
from services.user_session import Permission, UserSession

# Each kind and the actions it covers (services/auth.py, user_admin.py, account.py write them;
# a trigger writes `command.<type>` for every command queued for the bot).
KINDS: dict[str, tuple[str, ...]] = {
    "logins": ("login", "login_failed", "logout"),
    "lockouts": ("lockout", "login_refused"),
    "accounts": (
        "user.added",
        "user.activated",
        "user.deactivated",
        "user.role_changed",
        "user.password_changed",
        "user.password_reset",
        "account.password_changed",
        "account.password_change_failed",
    ),
    "commands": ("command.send_message", "command.handoff_to_human"),
    "pauses": ("command.pause_bot", "command.resume_bot"),
}
PAGE_SIZE = 50


class AuditEntry(_Row):
    id: int
    created_at: datetime
    action: str
    email: str | None = None
    user_id: uuid.UUID | None = None
    detail: dict[str, Any] = Field(default_factory=dict)


@dataclass
class AuditView:
    backend: Backend
    session: UserSession

    async def page(
        self, *, kind: str | None = None, before: Cursor | None = None, limit: int = PAGE_SIZE
    ) -> list[AuditEntry]:
        self.session.require(Permission.manage_users)
        query = (
            self.backend.table("dashboard", "audit_log")
            .select("id,created_at,action,email,user_id,detail")
            .eq("tenant_id", str(self.session.tenant_id))
        )
        if kind is not None:
            if kind not in KINDS:
                raise ValueError(f"unknown audit kind {kind!r}")
            query = query.in_("action", list(KINDS[kind]))
        query = newest_first(
            query.limit(max(1, min(limit, 500))), at_column="created_at", before=before
        )
        rows = (await self.backend.run(query, context="dashboard.audit_log")).data
        return [AuditEntry.model_validate(row) for row in rows]
