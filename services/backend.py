"""The one Supabase client of the app, and the translation of its failures into sentences.

`Backend.open()` is the async, closable form of the original design's `get_supabase()`.
`Backend.run(query)` executes a postgrest query and turns every failure mode (network, key,
schema, constraint) into a `ServiceError` whose text can be shown as it is.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
from postgrest.exceptions import APIError
from supabase import AsyncClient, AsyncClientOptions, acreate_client

from services.errors import (
    BackendMisconfigured,
    BackendRejected,
    BackendUnavailable,
    InvalidInput,
    PermissionDenied,
    ServiceError,
    SessionClosed,
)
from services.secret import SecretStr
from services.urls import shown_host

T = TypeVar("T")

# What the app reads from each table: checked at startup, so a missing migration is named.
EXPECTED_COLUMNS: dict[tuple[str, str], tuple[str, ...]] = {
    ("dashboard", "tenants"): ("id", "name", "timezone", "yclients_company_id"),
    ("dashboard", "users"): (
        "id",
        "tenant_id",
        "email",
        "name",
        "encrypted_password",
        "role",
        "active",
        "last_login_at",
        "password_changed_at",
    ),
    ("dashboard", "bot_commands"): (
        "id",
        "tenant_id",
        "command_type",
        "payload",
        "status",
        "idempotency_key",
        "created_by",
        "created_at",
        "updated_at",
        "processed_at",
        "error",
        "result",
    ),
    ("dashboard", "audit_log"): ("id", "tenant_id", "user_id", "email", "action", "detail"),
    ("dashboard", "login_attempts"): ("id", "email", "succeeded", "created_at"),
    ("public", "wishlist_v2"): (
        "id",
        "tenant_id",
        "client_id",
        "client_name",
        "client_phone",
        "service_title",
        "comment",
        "status",
        "created_at",
    ),
    ("public", "conversation_sessions_v2"): (
        "id",
        "tenant_id",
        "client_id",
        "client_name",
        "client_phone",
        "channel",
        "status",
        "messages",
        "started_at",
        "last_message_at",
    ),
}

# Interactive use: a staff member should hear "unreachable" in seconds, not after 120 s.
REQUEST_TIMEOUT_S = 15.0


# The HTTP status of the last response in this task. postgrest-py drops the status from an
# APIError, and an API gateway's error (Kong's 503 `{"message":"name resolution failed"}`, a
# 429) carries no PostgREST code: without the status, "try again later" would read as "refused"
# and a queued command would be dropped instead of kept for the retry.
_last_status: ContextVar[int | None] = ContextVar("backend_last_status", default=None)


async def _note_status(response: httpx.Response) -> None:
    _last_status.set(response.status_code)


def describe_api_error(
    exc: APIError, *, context: str = "", status: int | None = None
) -> ServiceError:
    code = exc.code or ""
    message = printable(exc.message or "the backend refused the request")
    where = f" ({context})" if context else ""
    if code == "PGRST106":
        return BackendMisconfigured(
            "the Supabase API does not expose the `dashboard` schema: add it under "
            "Project Settings → API → Exposed schemas"
        )
    if code in {"PGRST205", "42P01", "PGRST202"}:
        return BackendMisconfigured(
            f"the database lacks {context or 'a table'}: apply supabase/migrations to the project"
        )
    if code in {"42703", "PGRST204"}:
        return BackendMisconfigured(
            f"the database lacks a column{where}: apply supabase/migrations to the project "
            f"({message})"
        )
    if code in {"PGRST301", "PGRST303"} or (code in {"", "401"} and "API key" in message):
        return BackendMisconfigured(
            "the Supabase key was rejected: check SUPABASE_SERVICE_KEY (Project Settings → API)"
        )
    if code == "42501":
        return PermissionDenied(
            "the Supabase key may not do this: the dashboard needs the secret key (sb_secret_…) "
            "or the legacy service_role key"
        )
    if code.startswith(("08", "53", "57")) or code in {"PGRST000", "PGRST001", "PGRST002"}:
        return BackendUnavailable(f"the database is not available right now{where}")
    # An HTTP status standing in for a code (three digits); a SQLSTATE is five characters,
    # and "22021" (a NUL in a value) or "23514" (a check) are refusals, not outages.
    if len(code) == 3 and code.isdigit() and int(code) >= 500:
        return BackendUnavailable(f"the backend answered with an error {code}{where}")
    if not code and status is not None and (status >= 500 or status == 429):
        return BackendUnavailable(
            f"the backend is not available right now (HTTP {status}: {message}){where}"
        )
    return BackendRejected(f"the backend refused the request{where}: {message}", code or None)


def printable(text: str, limit: int = 300) -> str:
    """A message that is safe to show: Postgres quotes the offending value ("invalid input
    syntax for type uuid: ..."), and an escape sequence in it must not reach a terminal."""
    shown = "".join(
        char if char.isprintable() else char.encode("unicode_escape").decode("ascii")
        for char in text[: limit + 1]
    )
    return shown if len(text) <= limit else shown[:limit] + "…"


def describe_transport_error(exc: Exception, url: str) -> BackendUnavailable:
    host = shown_host(url)
    if isinstance(exc, httpx.TimeoutException):
        return BackendUnavailable(f"the backend at {host} did not answer in time")
    reason = type(exc).__name__
    if isinstance(exc, httpx.ConnectError):
        reason = "connection refused or host not found"
    return BackendUnavailable(f"cannot reach the backend at {host}: {reason}")


@dataclass
class Backend:
    client: AsyncClient
    url: str
    http: httpx.AsyncClient

    @classmethod
    async def open(cls, url: str, key: SecretStr) -> Backend:
        http = httpx.AsyncClient(
            timeout=REQUEST_TIMEOUT_S,
            follow_redirects=False,
            event_hooks={"response": [_note_status]},
        )
        options = AsyncClientOptions(
            httpx_client=http,
            # The client's own GET retries sleep 1+2+4 s; the feeds and the outbox retry
            # themselves and tell the user, so a request fails fast instead.
            postgrest_client_retry=False,
            auto_refresh_token=False,
            persist_session=False,
        )
        client = await acreate_client(url, key.get_secret_value(), options=options)
        return cls(client=client, url=url, http=http)

    async def close(self) -> None:
        await self.client.remove_all_channels()
        await self.http.aclose()

    def table(self, schema: str, name: str) -> Any:
        return self.client.schema(schema).table(name)

    def rpc(self, schema: str, fn: str, params: dict[str, Any]) -> Any:
        return self.client.schema(schema).rpc(fn, params)

    async def run(self, query: Any, *, context: str = "") -> Any:
        """Execute a postgrest builder; failures become ServiceErrors with a sentence."""
        return await self.guard(query.execute, context=context)

    async def guard(self, call: Callable[[], Awaitable[T]], *, context: str = "") -> T:
        # The response hook runs inside `call`, in this task's context, so the status read
        # below is this request's own, whatever other tasks send meanwhile.
        _last_status.set(None)
        try:
            return await call()
        except APIError as exc:
            status = _last_status.get()
            raise describe_api_error(exc, context=context, status=status) from None
        except (httpx.TransportError, OSError) as exc:
            raise describe_transport_error(exc, self.url) from None
        except UnicodeEncodeError:
            # A value no request can carry (an unpaired surrogate from a broken paste).
            raise InvalidInput(
                "the text holds a character that cannot be sent (an unpaired surrogate)"
            ) from None
        except RuntimeError:
            if not self.http.is_closed:
                raise
            # A worker's request still under way as the session's connection closed (logout,
            # exit): the session is over, which callers already handle, not a bug to report.
            raise SessionClosed("the session's connection to Supabase is closed") from None

    async def check(self) -> None:
        """Startup check: one clear sentence for the first thing that is wrong."""
        for (schema, table), columns in EXPECTED_COLUMNS.items():
            query = self.table(schema, table).select(",".join(columns)).limit(1)
            try:
                await self.run(query, context=f"{schema}.{table}")
            except BackendMisconfigured as exc:
                text = str(exc)
                if "lacks a column" in text:
                    missing = await self._first_missing_column(schema, table, columns)
                    text = f"the table {schema}.{table} lacks the column {missing}: " + (
                        "apply supabase/migrations to the project"
                        if schema == "dashboard"
                        else "the bot's tables must have it (docs/bot-tables.md)"
                    )
                elif "lacks" in text and schema == "public":
                    text = (
                        f"the bot's table {schema}.{table} does not exist in this project "
                        "(docs/bot-tables.md)"
                    )
                raise BackendMisconfigured(text) from None

    async def _first_missing_column(self, schema: str, table: str, columns: tuple[str, ...]) -> str:
        for column in columns:
            try:
                await self.run(self.table(schema, table).select(column).limit(1))
            except BackendMisconfigured:
                return column
        return "?"
