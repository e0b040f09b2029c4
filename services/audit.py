"""Writes to `dashboard.audit_log`: who did what, never with a secret in `detail`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from services.backend import Backend


@dataclass(frozen=True)
class AuditLog:
    backend: Backend

    async def write(
        self,
        action: str,
        *,
        email: str | None = None,
        tenant_id: uuid.UUID | None = None,
        user_id: uuid.UUID | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        row = {
            "action": action,
            "email": email,
            "tenant_id": str(tenant_id) if tenant_id else None,
            "user_id": str(user_id) if user_id else None,
            "detail": detail or {},
        }
        await self.backend.run(
            self.backend.table("dashboard", "audit_log").insert(row, returning="minimal"),
            context="dashboard.audit_log",
        )
