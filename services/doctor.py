"""`agentp doctor`'s backend checks: each one a result with a fix, in the order they depend.

Supabase (reachable, key, exposed schema, migrations), Realtime (reachable, every watched table
subscribable), and YClients for each tenant. The terminal checks live with the command line.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from realtime import (
    AsyncRealtimeClient,
    RealtimePostgresChangesListenEvent,
    RealtimeSubscribeStates,
)

from services.backend import Backend
from services.errors import BackendMisconfigured, BackendUnavailable, ServiceError
from services.realtime_connection import realtime_url
from services.secret import SecretStr
from services.urls import shown_url
from services.yclients.client import YClientsClient
from services.yclients.errors import YClientsError

WATCHED_TABLES = (
    ("public", "wishlist_v2"),
    ("public", "conversation_sessions_v2"),
    ("dashboard", "bot_commands"),
    ("dashboard", "users"),
)
NOBODY = str(uuid.UUID(int=0))
SERVICE_KEY_FIX = (
    "set SUPABASE_SERVICE_KEY to the project's secret key (sb_secret_…), "
    "or the legacy service_role key (Project Settings → API Keys)"
)


class Status(StrEnum):
    ok = "ok"
    warn = "warn"
    fail = "fail"
    skip = "skip"


@dataclass(frozen=True)
class CheckResult:
    check: str
    status: Status
    detail: str
    fix: str = ""

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["status"] = self.status.value
        return data


async def check_supabase(backend: Backend) -> list[CheckResult]:
    """Reachable → key accepted → `dashboard` exposed → every table and column present."""
    names = ["supabase.reachable", "supabase.key", "supabase.schema", "supabase.migrations"]
    try:
        await backend.check()
    except BackendUnavailable as exc:
        return [
            CheckResult(names[0], Status.fail, str(exc), "check SUPABASE_URL and the network"),
            *(
                CheckResult(n, Status.skip, "not checked: the backend is unreachable")
                for n in names[1:]
            ),
        ]
    except (BackendMisconfigured, ServiceError) as exc:
        text = str(exc)
        if "key was rejected" in text or "service_role" in text:
            failed, fix = 1, SERVICE_KEY_FIX
        elif "Exposed schemas" in text:
            failed, fix = 2, "Project Settings → API → Exposed schemas: add dashboard"
        else:
            failed, fix = 3, "apply supabase/migrations to the project (supabase db push)"
        results = [CheckResult(n, Status.ok, "ok") for n in names[:failed]]
        results.append(CheckResult(names[failed], Status.fail, text, fix))
        results += [
            CheckResult(n, Status.skip, "not checked after the failure above")
            for n in names[failed + 1 :]
        ]
        return results
    return [
        CheckResult(names[0], Status.ok, shown_url(backend.url)),
        CheckResult(names[1], Status.ok, "the service key is accepted"),
        CheckResult(names[2], Status.ok, "the dashboard schema is exposed"),
        CheckResult(names[3], Status.ok, "every table and column the app reads is present"),
    ]


async def check_realtime(url: str, key: SecretStr, wait: float = 10.0) -> list[CheckResult]:
    """Every watched table can be subscribed to (so it is in the publication)."""
    client = AsyncRealtimeClient(
        realtime_url(url), token=key.get_secret_value(), auto_reconnect=False, max_retries=1
    )
    try:
        await asyncio.wait_for(client.connect(), wait)
    except Exception as exc:  # the realtime client raises bare Exceptions
        return [
            CheckResult(
                "realtime.reachable",
                Status.fail,
                f"cannot open the realtime websocket: {type(exc).__name__}",
                "enable Realtime for the project; the app falls back to polling meanwhile",
            )
        ]
    results = [CheckResult("realtime.reachable", Status.ok, shown_url(realtime_url(url)))]
    try:
        for schema, table in WATCHED_TABLES:
            results.append(await _subscribe(client, schema, table, wait))
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(client.remove_all_channels(), 2)
    return results


async def _subscribe(
    client: AsyncRealtimeClient, schema: str, table: str, wait: float
) -> CheckResult:
    name = f"realtime.{schema}.{table}"
    channel = client.channel(f"doctor-{table}-{uuid.uuid4().hex[:6]}")
    column = "id" if table == "users" else "tenant_id"
    channel.on_postgres_changes(
        RealtimePostgresChangesListenEvent.All,
        schema=schema,
        table=table,
        filter=f"{column}=eq.{NOBODY}",
        callback=lambda payload: None,
    )
    outcome: dict[str, str] = {}
    done = asyncio.Event()

    def on_state(state: RealtimeSubscribeStates, error: Exception | None) -> None:
        outcome.setdefault("state", state.value)
        if error is not None:
            outcome.setdefault("error", str(error))
        done.set()

    await channel.subscribe(on_state)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(done.wait(), wait)
    if outcome.get("state") == RealtimeSubscribeStates.SUBSCRIBED.value:
        return CheckResult(name, Status.ok, "changes are published")
    return CheckResult(
        name,
        Status.fail,
        f"cannot watch {schema}.{table}: "
        + (outcome.get("error") or outcome.get("state", "no answer")),
        f"alter publication supabase_realtime add table {schema}.{table};",
    )


async def check_yclients(
    backend: Backend, base_url: str, partner_token: SecretStr | None
) -> list[CheckResult]:
    """Each tenant with YClients settings: the company answers with these tokens."""
    rows = (
        await backend.run(
            backend.table("dashboard", "tenants")
            .select("name,yclients_company_id,yclients_user_token")
            .order("name"),
            context="dashboard.tenants",
        )
    ).data
    results: list[CheckResult] = []
    for row in rows:
        name = f"yclients.{row['name']}"
        company, token = row.get("yclients_company_id"), row.get("yclients_user_token")
        if not company and not token:
            results.append(CheckResult(name, Status.skip, "no YClients company for this tenant"))
            continue
        if not company or not token:
            missing = "yclients_company_id" if not company else "yclients_user_token"
            results.append(
                CheckResult(
                    name, Status.fail, f"{missing} is empty", f"set dashboard.tenants.{missing}"
                )
            )
            continue
        if partner_token is None:
            results.append(
                CheckResult(name, Status.fail, "no partner token", "set YCLIENTS_PARTNER_TOKEN")
            )
            continue
        client = YClientsClient(
            base_url=base_url,
            partner_token=partner_token,
            user_token=SecretStr(str(token)),
            company_id=int(company),
            max_attempts=2,
            timeout=15.0,
        )
        try:
            info = await client.get_company()
        except YClientsError as exc:
            results.append(
                CheckResult(name, Status.fail, str(exc), "check the tokens and the company id")
            )
        else:
            results.append(
                CheckResult(
                    name, Status.ok, f"company {int(company)}: {getattr(info, 'title', '')}".strip()
                )
            )
        finally:
            await client.aclose()
    return results


async def check_unknown_tenants(backend: Backend) -> CheckResult:
    """Tenant ids in the bot's tables with no salon here: their rows reach no one's dashboard."""
    from services.tenant_admin import TenantAdmin

    name = "tenants.unknown"
    try:
        unknown = await TenantAdmin(backend).unknown()
    except ServiceError as exc:
        return CheckResult(name, Status.fail, str(exc), "apply supabase/migrations to the project")
    if not unknown:
        return CheckResult(name, Status.ok, "every tenant id in the bot's tables has a salon")
    count = len(unknown)
    ids = "tenant id" if count == 1 else "tenant ids"
    return CheckResult(
        name,
        Status.warn,
        f"{count} {ids} in the bot's tables {'has' if count == 1 else 'have'} no salon "
        "in dashboard.tenants",
        "agentp tenant list --unknown, then agentp tenant add --id ID --name NAME",
    )


async def check_bot_event_triggers(backend: Backend) -> CheckResult:
    """The triggers that record the bot's status changes: without them no hand-off rings."""
    name = "bot.events"
    try:
        response = await backend.run(
            backend.rpc("dashboard", "bot_event_triggers", {}),
            context="dashboard.bot_event_triggers",
        )
    except ServiceError as exc:
        return CheckResult(name, Status.fail, str(exc), "apply supabase/migrations to the project")
    found = response.data if isinstance(response.data, dict) else {}
    missing = sorted(table for table, present in found.items() if present is not True)
    if found and not missing:
        return CheckResult(name, Status.ok, "the bot's tables record their status changes")
    return CheckResult(
        name,
        Status.fail,
        f"no status-change trigger on {', '.join(missing) or 'the bot tables'}: hand-offs "
        "will not ring and the bot's figures stop (the bot's project recreated its tables?)",
        "run `select dashboard.watch_bot_tables();` in the project's SQL editor",
    )
