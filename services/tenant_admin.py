"""Salons in `dashboard.tenants`: the dashboard's settings for a tenant the bot already serves.

The bot owns `tenant_id` (its rows in `public.wishlist_v2` and `public.conversation_sessions_v2`
carry ids it created); the dashboard adds name, time zone and YClients credentials for one of
those ids. Used by `agentp tenant …` on the server, where whoever holds the service key is the
operator of every salon. Every input is checked before anything is written; a refusal is one
`TenantInputError` line naming what is wrong.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from services.audit import AuditLog
from services.backend import Backend
from services.errors import BackendRejected, ServiceError
from services.models import Tenant
from services.secret import SecretStr
from services.text_rules import forbidden_character

DEFAULT_TIMEZONE = "Europe/Moscow"
MAX_NAME_CHARS = 200
MAX_TOKEN_CHARS = 512
BIGINT_MAX = 2**63 - 1
TENANT_COLUMNS = "id,name,timezone,yclients_company_id,yclients_user_token"


class TenantInputError(ServiceError):
    """Bad input (malformed id, duplicate, unknown time zone…): nothing was written."""


@dataclass(frozen=True)
class TenantSummary:
    id: uuid.UUID
    name: str
    timezone: str
    company_id: int | None
    yclients_set: bool  # both the company id and the user token are there
    users: int
    wishlist_rows: int
    session_rows: int


@dataclass(frozen=True)
class UnknownTenant:
    """A tenant id in the bot's tables with no `dashboard.tenants` row."""

    id: uuid.UUID
    wishlist_rows: int
    session_rows: int


def parse_tenant_id(value: str) -> uuid.UUID:
    text = value.strip()
    try:
        parsed = uuid.UUID(text)
    except ValueError:
        raise TenantInputError(f"--id {value!r} is not a UUID (the bot's tenant id)") from None
    # Only the canonical spelling: `{…}`, `urn:uuid:…` or no hyphens would still parse.
    if str(parsed) != text.lower():
        raise TenantInputError(
            f"--id {value!r} is not a UUID in the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
        )
    return parsed


def check_name(value: str) -> str:
    name = value.strip()
    if not name:
        raise TenantInputError("--name is empty")
    if len(name) > MAX_NAME_CHARS:
        raise TenantInputError(f"--name is {len(name)} characters long; at most {MAX_NAME_CHARS}")
    problem = forbidden_character(name, allow=frozenset())
    if problem:
        raise TenantInputError(f"--name contains a control character ({problem})")
    return name


def check_timezone(value: str) -> str:
    zone = value.strip()
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise TenantInputError(
            f"--timezone {value!r} is not a known time zone (for example Europe/Moscow)"
        ) from None
    return zone


def parse_company_id(value: str) -> int:
    text = value.strip()
    if not text.isascii() or not text.isdigit() or int(text) <= 0 or int(text) > BIGINT_MAX:
        raise TenantInputError(f"--company-id {value!r} is not a YClients company id (a number)")
    return int(text)


def check_user_token(token: SecretStr) -> str:
    value = token.get_secret_value().strip()
    # The token itself never appears in a message: only what is wrong with it.
    if not value:
        raise TenantInputError("the YClients user token read from stdin is empty")
    if len(value) > MAX_TOKEN_CHARS or any(c.isspace() or not c.isprintable() for c in value):
        raise TenantInputError(
            "the YClients user token read from stdin is not a token (spaces or control "
            "characters, or too long)"
        )
    return value


def _count(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


@dataclass
class TenantAdmin:
    backend: Backend

    def _table(self) -> Any:
        return self.backend.table("dashboard", "tenants")

    async def add(self, *, tenant_id: str, name: str, timezone: str = DEFAULT_TIMEZONE) -> Tenant:
        parsed = parse_tenant_id(tenant_id)
        clean_name = check_name(name)
        zone = check_timezone(timezone)
        if await self._by_id(parsed) is not None:
            raise TenantInputError(f"a salon with the id {parsed} already exists")
        await self._name_free(clean_name)
        row = {"id": str(parsed), "name": clean_name, "timezone": zone}
        try:
            response = await self.backend.run(
                self._table().insert(row), context="dashboard.tenants"
            )
        except BackendRejected as exc:
            raise self._explain(exc, parsed, clean_name, zone) from None
        tenant = Tenant.model_validate(response.data[0])
        await self._audit("tenant.added", tenant, {"name": clean_name, "timezone": zone})
        return tenant

    async def rename(self, tenant: str, new_name: str) -> Tenant:
        found = await self.resolve(tenant)
        clean_name = check_name(new_name)
        if clean_name != found.name:
            await self._name_free(clean_name)
        await self._update(found, {"name": clean_name})
        await self._audit("tenant.renamed", found, {"from": found.name, "to": clean_name})
        return found.model_copy(update={"name": clean_name})

    async def set_yclients(self, tenant: str, company_id: str, user_token: SecretStr) -> Tenant:
        found = await self.resolve(tenant)
        company = parse_company_id(company_id)
        token = check_user_token(user_token)
        await self._update(found, {"yclients_company_id": company, "yclients_user_token": token})
        await self._audit("tenant.yclients_set", found, {"company_id": str(company)})
        return found.model_copy(update={"yclients_company_id": company})

    async def clear_yclients(self, tenant: str) -> Tenant:
        found = await self.resolve(tenant)
        await self._update(found, {"yclients_company_id": None, "yclients_user_token": None})
        await self._audit("tenant.yclients_cleared", found, {})
        return found.model_copy(update={"yclients_company_id": None})

    async def overview(self) -> list[TenantSummary]:
        rows = (
            await self.backend.run(
                self._table().select(TENANT_COLUMNS).order("name"), context="dashboard.tenants"
            )
        ).data
        users = (
            await self.backend.run(
                self.backend.table("dashboard", "users").select("tenant_id"),
                context="dashboard.users",
            )
        ).data
        per_tenant: dict[str, int] = {}
        for user in users:
            per_tenant[str(user["tenant_id"])] = per_tenant.get(str(user["tenant_id"]), 0) + 1
        seen = {str(row["tenant_id"]): row for row in await self._bot_rows()}
        summaries = []
        for row in rows:
            key = str(row["id"])
            bot = seen.get(key, {})
            company = row.get("yclients_company_id")
            summaries.append(
                TenantSummary(
                    id=uuid.UUID(key),
                    name=str(row["name"]),
                    timezone=str(row["timezone"]),
                    company_id=int(company) if company is not None else None,
                    yclients_set=company is not None and bool(row.get("yclients_user_token")),
                    users=per_tenant.get(key, 0),
                    wishlist_rows=_count(bot.get("wishlist_rows")),
                    session_rows=_count(bot.get("session_rows")),
                )
            )
        return summaries

    async def unknown(self) -> list[UnknownTenant]:
        """Tenant ids the bot's rows carry that the dashboard has no salon for."""
        return [
            UnknownTenant(
                id=uuid.UUID(str(row["tenant_id"])),
                wishlist_rows=_count(row.get("wishlist_rows")),
                session_rows=_count(row.get("session_rows")),
            )
            for row in await self._bot_rows()
            if not row.get("known")
        ]

    async def resolve(self, id_or_name: str) -> Tenant:
        text = id_or_name.strip()
        try:
            by_id: uuid.UUID | None = uuid.UUID(text)
        except ValueError:
            by_id = None
        query = self._table().select("id,name,timezone,yclients_company_id")
        query = query.eq("id", str(by_id)) if by_id else query.eq("name", text)
        rows = (await self.backend.run(query.limit(1), context="dashboard.tenants")).data
        if not rows:
            raise TenantInputError(f"--tenant: no salon with the id or name {id_or_name!r}")
        return Tenant.model_validate(rows[0])

    async def _bot_rows(self) -> list[dict[str, Any]]:
        response = await self.backend.run(
            self.backend.rpc("dashboard", "bot_tenant_rows", {}),
            context="dashboard.bot_tenant_rows",
        )
        return [row for row in response.data or [] if isinstance(row, dict)]

    async def _by_id(self, tenant_id: uuid.UUID) -> dict[str, Any] | None:
        rows = (
            await self.backend.run(
                self._table().select("id").eq("id", str(tenant_id)).limit(1),
                context="dashboard.tenants",
            )
        ).data
        return rows[0] if rows else None

    async def _name_free(self, name: str) -> None:
        rows = (
            await self.backend.run(
                self._table().select("id").eq("name", name).limit(1), context="dashboard.tenants"
            )
        ).data
        if rows:
            raise TenantInputError(f"a salon named {name!r} already exists (id {rows[0]['id']})")

    async def _update(self, tenant: Tenant, changes: dict[str, Any]) -> None:
        try:
            await self.backend.run(
                self._table().update(changes, returning="minimal").eq("id", str(tenant.id)),
                context="dashboard.tenants",
            )
        except BackendRejected as exc:
            raise self._explain(exc, tenant.id, str(changes.get("name", "")), "") from None

    @staticmethod
    def _explain(exc: BackendRejected, tenant_id: uuid.UUID, name: str, zone: str) -> ServiceError:
        # A concurrent writer got there between the check and the write: the same one line.
        text = str(exc)
        if exc.code == "23505":
            if "name" in text:
                return TenantInputError(f"a salon named {name!r} already exists")
            return TenantInputError(f"a salon with the id {tenant_id} already exists")
        if exc.code == "23514" and "timezone" in text:
            return TenantInputError(f"--timezone {zone!r} is not a time zone the database knows")
        return exc

    async def _audit(self, action: str, tenant: Tenant, detail: dict[str, str]) -> None:
        await AuditLog(self.backend).write(
            action, tenant_id=tenant.id, detail={"by": "agentp tenant", **detail}
        )
