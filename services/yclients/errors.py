"""Typed YClients failures with messages a salon manager can act on.

Messages name the company and which credential is at fault, never a token value: callers
print them as they are (CLI stderr, TUI notifications), so they must be safe to show.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


class YClientsError(Exception):
    """Base class: `str(error)` is a complete, human, token-free sentence."""

    def __init__(
        self,
        message: str,
        *,
        company_id: int | None = None,
        status: int | None = None,
        api_message: str | None = None,
        field_errors: Mapping[str, Sequence[str]] | None = None,
        path: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.company_id = company_id
        self.status = status
        self.api_message = api_message
        self.field_errors: dict[str, list[str]] = {
            k: list(v) for k, v in (field_errors or {}).items()
        }
        self.path = path

    def __str__(self) -> str:
        return self.message


class YClientsAuthError(YClientsError):
    """401: the user token (or the app's partner token) was refused."""


class YClientsForbiddenError(YClientsError):
    """403: the user token is valid but has no rights on this company."""


class YClientsNotFoundError(YClientsError):
    """404: unknown company id or resource."""


class YClientsPaymentRequiredError(YClientsError):
    """402: the company's YClients plan does not include this data."""


class YClientsValidationError(YClientsError):
    """400/409/422: the request itself was rejected; retrying cannot help."""


class YClientsRateLimitError(YClientsError):
    """429 still returned after every retry, or a Retry-After longer than we accept."""


class YClientsServerError(YClientsError):
    """5xx still returned after every retry."""


class YClientsNetworkError(YClientsError):
    """Connection failures or timeouts after every retry."""


class YClientsApiError(YClientsError):
    """`success: false` (whatever the HTTP status) or another unexpected status."""


class YClientsProtocolError(YClientsError):
    """The body is not the documented JSON envelope."""


class YClientsUnstableDataError(YClientsError):
    """`total_count` kept changing while paging: the records moved under us."""


def parse_error_body(body: Any) -> tuple[str | None, dict[str, list[str]]]:
    """Extract (message, field errors) from any documented YClients error shape.

    Shapes seen in the docs and in other clients:
    - `{"success": false, "data": null, "meta": {"message": "..."}}`
    - `{"errors": {"code": 401, "message": "..."}, "meta": {"message": "..."}}`
    - `meta.errors` as a field -> messages map, or as a list (of strings or of objects)
    - a bare `{"message": "..."}` or `{"error": "..."}` from proxies.
    """
    messages: list[str] = []
    fields: dict[str, list[str]] = {}
    if not isinstance(body, Mapping):
        if isinstance(body, str) and body.strip():
            messages.append(body.strip()[:300])
        return (_join(messages), fields)
    meta = body.get("meta")
    if isinstance(meta, Mapping):
        _add_message(messages, meta.get("message"))
        _collect_errors(meta.get("errors"), messages, fields)
    _collect_errors(body.get("errors"), messages, fields)
    _add_message(messages, body.get("message"))
    _add_message(messages, body.get("error"))
    return (_join(messages), fields)


def _join(messages: list[str]) -> str | None:
    unique = list(dict.fromkeys(m for m in messages if m))
    return "; ".join(unique) if unique else None


def _add_message(messages: list[str], value: Any) -> None:
    if isinstance(value, str) and value.strip():
        messages.append(value.strip())


def _collect_errors(value: Any, messages: list[str], fields: dict[str, list[str]]) -> None:
    if isinstance(value, Mapping):
        # `{"code": 401, "message": "..."}` is one error; anything else maps fields to messages.
        if "message" in value and ("code" in value or len(value) == 1):
            _add_message(messages, value.get("message"))
            return
        for key, item in value.items():
            field = str(key).strip("[]")
            if isinstance(item, str):
                fields.setdefault(field, []).append(item)
            elif isinstance(item, Sequence):
                fields.setdefault(field, []).extend(str(x) for x in item)
            elif item is not None:
                fields.setdefault(field, []).append(str(item))
    elif isinstance(value, Sequence) and not isinstance(value, str):
        for item in value:
            if isinstance(item, str):
                _add_message(messages, item)
            elif isinstance(item, Mapping):
                where = item.get("field") or item.get("name")
                text = item.get("message") or item.get("msg")
                if where and isinstance(text, str):
                    fields.setdefault(str(where).strip("[]"), []).append(text)
                else:
                    _add_message(messages, text)
    elif isinstance(value, str):
        _add_message(messages, value)


def describe_fields(fields: Mapping[str, Sequence[str]]) -> str:
    return "; ".join(f"{k}: {', '.join(v)}" for k, v in fields.items())
