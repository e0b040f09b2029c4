"""YClients' answers read: the envelope, paging meta, dates, Retry-After, and the error a final
status becomes (client.py does the requests and the retries)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from pydantic import ValidationError

from services.yclients.errors import (
    YClientsApiError,
    YClientsAuthError,
    YClientsError,
    YClientsForbiddenError,
    YClientsNotFoundError,
    YClientsPaymentRequiredError,
    YClientsValidationError,
    describe_fields,
    parse_error_body,
)
from services.yclients.models import ApiRecord


@dataclass(slots=True)
class ClientStats:
    """Counters for progress lines and the benchmark (no timings here)."""

    requests: int = 0
    retries: int = 0
    throttled: int = 0
    server_errors: int = 0
    network_errors: int = 0


@dataclass(frozen=True, slots=True)
class RecordPage:
    records: list[ApiRecord]
    page: int
    pages_total: int
    total_count: int
    # The server's `Date` at the first page of this scan: the safe `changed_after` cursor.
    scan_started: datetime | None = None
    restarted: bool = False


# 429 and 5xx are transient by the docs' account; 401/403/404/422 will not change on retry.
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


@dataclass(slots=True)
class ApiResponse:
    body: Any
    server_time: datetime | None
    headers: Mapping[str, str] = field(default_factory=dict)


def json_or_text(response: httpx.Response) -> Any:
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return response.text[:300]


def envelope_data(body: Any) -> Any:
    if isinstance(body, Mapping):
        return body.get("data")
    return None


def total_count(body: Any) -> int | None:
    meta = body.get("meta") if isinstance(body, Mapping) else None
    if not isinstance(meta, Mapping):
        return None
    value = meta.get("total_count")
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def server_time(response: httpx.Response) -> datetime | None:
    value = response.headers.get("Date")
    if not value:
        return None
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as delta-seconds or an HTTP date."""
    if value is None:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        seconds = (when - datetime.now(when.tzinfo)).total_seconds()
    if math.isnan(seconds):
        return None
    return max(0.0, seconds)


def first_error(exc: ValidationError) -> str:
    errors = exc.errors(include_url=False, include_input=False)
    if not errors:
        return "invalid data"
    first = errors[0]
    where = ".".join(str(p) for p in first.get("loc", ()))
    return f"{where}: {first.get('msg', 'invalid')}"


def status_error(
    status: int, body: Any, path: str, *, company_id: int, redact: Callable[[str], str]
) -> YClientsError:
    """The error for a final (non-retryable) HTTP status, in words a salon admin can act on."""
    message, fields = parse_error_body(body)
    safe = redact(message) if message else None
    said = f": {safe}" if safe else ""
    cid = company_id
    common: dict[str, Any] = {
        "company_id": cid,
        "status": status,
        "api_message": safe,
        "field_errors": fields,
        "path": path,
    }
    if status == 401:
        return YClientsAuthError(
            f"YClients refused the credentials for company {cid} (HTTP 401{said}): the "
            "user token is wrong or was reset (it changes when the user changes their "
            "password), or the app's partner token is wrong. Log in to YClients again and "
            "update the user token.",
            **common,
        )
    if status == 403:
        return YClientsForbiddenError(
            f"The user token has no rights on company {cid} (HTTP 403{said}): the YClients "
            "user must be staff of this company with access to records.",
            **common,
        )
    if status == 404:
        return YClientsNotFoundError(
            f"YClients does not know company {cid} (HTTP 404{said}); check the company id.",
            **common,
        )
    if status == 402:
        return YClientsPaymentRequiredError(
            f"Company {cid}'s YClients plan does not allow this request (HTTP 402{said}).",
            **common,
        )
    if status in (400, 409, 422):
        listed = f" [{describe_fields(fields)}]" if fields else ""
        return YClientsValidationError(
            f"YClients rejected the request for company {cid} as invalid "
            f"(HTTP {status}{said}){listed}.",
            **common,
        )
    return YClientsApiError(f"YClients answered HTTP {status} for company {cid}{said}.", **common)
