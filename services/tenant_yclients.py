"""YClients analytics for the logged-in user's salon: credentials, cache, sync, figures.

The company id and the user token live in the user's own `dashboard.tenants` row, looked up by
`session.tenant_id` only, so a user can never reach another salon's company; the partner token
is the app's. What is missing is returned as a typed `NotConfigured` naming each piece, so the
UI can say exactly what to set and where. Tokens are `SecretStr` and never enter a message,
a log line or a repr.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from services.analytics import AnalyticsReport, compute_analytics, write_csv
from services.backend import Backend
from services.private_files import open_private
from services.secret import SecretStr
from services.user_session import UserSession
from services.yclients.cache import RecordCache, SyncReport, SyncState, cache_path
from services.yclients.client import YClientsClient
from services.yclients.host_limiter import host_limiter
from services.yclients.limiter import Limiter
from services.yclients.sync_lock import company_sync_lock

ProgressCallback = Callable[[int, int], None]


class Missing(StrEnum):
    """One piece of configuration the analytics need; the value says where it is set."""

    partner_token = "YCLIENTS_PARTNER_TOKEN"  # noqa: S105 - a setting name, not a token
    company_id = "dashboard.tenants.yclients_company_id"
    user_token = "dashboard.tenants.yclients_user_token"  # noqa: S105 - a column name


@dataclass(frozen=True, slots=True)
class NotConfigured:
    tenant_id: uuid.UUID
    missing: tuple[Missing, ...]

    def __str__(self) -> str:
        return "YClients is not configured for this salon: set " + " and ".join(
            m.value for m in self.missing
        )


@dataclass(frozen=True, slots=True)
class TenantYClients:
    """Everything needed to reach one salon's YClients company."""

    tenant_id: uuid.UUID
    company_id: int
    base_url: str
    partner_token: SecretStr = field(repr=False)
    user_token: SecretStr = field(repr=False)


async def load_tenant_yclients(
    backend: Backend,
    session: UserSession,
    *,
    base_url: str,
    partner_token: SecretStr | None,
) -> TenantYClients | NotConfigured:
    """The session's own tenant's YClients settings, or what is missing from them."""
    response = await backend.run(
        backend.table("dashboard", "tenants")
        .select("id,yclients_company_id,yclients_user_token")
        .eq("id", str(session.tenant_id))
        .limit(1),
        context="dashboard.tenants",
    )
    row: dict[str, Any] = response.data[0] if response.data else {}
    company = _company_id(row.get("yclients_company_id"))
    token = str(row.get("yclients_user_token") or "").strip()
    partner = partner_token.get_secret_value().strip() if partner_token is not None else ""
    missing: list[Missing] = []
    if company is None:
        missing.append(Missing.company_id)
    if not token:
        missing.append(Missing.user_token)
    if not partner:
        missing.append(Missing.partner_token)
    if missing or company is None:
        return NotConfigured(session.tenant_id, tuple(missing))
    return TenantYClients(
        tenant_id=session.tenant_id,
        company_id=company,
        base_url=base_url,
        partner_token=SecretStr(partner),
        user_token=SecretStr(token),
    )


def _company_id(value: object) -> int | None:
    try:
        company = int(str(value)) if value is not None else None
    except ValueError:
        return None
    return company if company is not None and company > 0 else None


@dataclass(frozen=True, slots=True)
class Figures:
    """A report and where it came from, for the UI's "as of" line."""

    report: AnalyticsReport
    company_id: int
    timezone: str


class TenantAnalytics:
    """One salon's client and record cache, opened for the span of a load or a sync."""

    def __init__(
        self,
        config: TenantYClients,
        cache_dir: Path,
        *,
        fallback_timezone: str = "UTC",
        limiter: Limiter | None = None,
    ) -> None:
        self.config = config
        self.cache = RecordCache(
            cache_path(cache_dir, config.base_url, config.company_id), config.company_id
        )
        self._fallback_timezone = fallback_timezone
        # Every tenant and every process on the host draws from the one budget YClients
        # grants the server's IP: the limiter's log is a file in the shared cache dir.
        self._limiter = limiter if limiter is not None else host_limiter(cache_dir)
        self._client: YClientsClient | None = None

    def __repr__(self) -> str:
        return f"TenantAnalytics(company_id={self.config.company_id})"

    async def __aenter__(self) -> TenantAnalytics:
        await self.cache.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        # Shielded: a cancelled sync must still release the HTTP pool and the database.
        await asyncio.shield(self._close())

    async def _close(self) -> None:
        try:
            if self._client is not None:
                await self._client.aclose()
        finally:
            await self.cache.close()

    def _require_client(self) -> YClientsClient:
        if self._client is None:
            self._client = YClientsClient(
                base_url=self.config.base_url,
                partner_token=self.config.partner_token,
                user_token=self.config.user_token,
                company_id=self.config.company_id,
                limiter=self._limiter,
            )
        return self._client

    async def state(self) -> SyncState:
        return await self.cache.state()

    async def covers(self, period_from: date, period_to: date) -> bool:
        """Whether the cache already holds the whole period (figures can be shown at once)."""
        state = await self.cache.state()
        return (
            state.cursor is not None
            and state.covered_from is not None
            and state.covered_to is not None
            and state.covered_from <= period_from
            and period_to <= state.covered_to
        )

    async def sync(
        self,
        period_from: date,
        period_to: date,
        *,
        progress: ProgressCallback | None = None,
        waiting: Callable[[], None] | None = None,
    ) -> SyncReport:
        """Bring the period up to date; cancelling leaves the cache consistent (cache.py).

        One sync per company runs at a time on the host. A process that had to wait for
        another's sync, which finished after this one asked and covers the period, reads the
        cache it wrote instead of asking YClients again. `waiting` is called once if it must
        wait for such a sync.
        """
        asked = datetime.now(UTC)
        async with company_sync_lock(self.cache.path, waiting=waiting) as turn:
            if turn.waited:
                state = await self.cache.state()
                if (
                    state.synced_at is not None
                    and state.synced_at >= asked
                    and await self.covers(period_from, period_to)
                    and state.covered_from is not None
                    and state.covered_to is not None
                ):
                    return SyncReport(
                        full_ranges=(),
                        incremental=True,
                        requests=0,
                        pages=0,
                        records_written=0,
                        covered_from=state.covered_from,
                        covered_to=state.covered_to,
                        by_peer=True,
                    )
            return await self.cache.sync(
                self._require_client(), period_from, period_to, progress=progress
            )

    async def figures(self, period_from: date, period_to: date) -> Figures:
        """The period's figures from the cache, bucketed in the company's timezone."""
        records = await self.cache.load(period_from, period_to)
        state = await self.cache.state()
        zone = _zone(state.timezone_name or self._fallback_timezone)
        # Aggregation is CPU work: off the event loop, so the UI never stalls on a long period.
        report = await asyncio.to_thread(
            compute_analytics, records, period_from=period_from, period_to=period_to, tz=zone
        )
        return Figures(report=report, company_id=self.config.company_id, timezone=zone.key)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def export_csv(
    report: AnalyticsReport, directory: Path, company_id: int, *, spreadsheet_locale: str = "en"
) -> Path:
    """Write the report as CSV (services.analytics.write_csv) and return the file's path."""
    name = f"analytics-{company_id}-{report.period_from}-{report.period_to}.csv"
    path = directory / name
    # utf-8-sig: spreadsheet programs on Windows read Cyrillic names right only with the BOM.
    # 0600 in a 0700 folder: the salon's figures are the service account's on a shared server.
    with open_private(path, "w", encoding="utf-8-sig") as out:
        write_csv(report, out, spreadsheet_locale=spreadsheet_locale)
    return path
