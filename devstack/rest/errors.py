"""PostgREST-shaped error bodies and the SQLSTATE -> HTTP status mapping.

The client validates error bodies with pydantic: `code` must be a JSON string, or it falls
back to `code=str(status)`. Statuses follow PostgREST's `pgErrorStatus` (src/PostgREST/Error.hs).
"""

from __future__ import annotations

import json
from typing import Any

import asyncpg
from aiohttp import web

JSON_TYPE = "application/json; charset=utf-8"


class ApiError(Exception):
    """An error answered to the client; `body` is the exact JSON object sent."""

    def __init__(
        self,
        status: int,
        body: dict[str, Any],
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(body.get("message", ""))
        self.status = status
        self.body = body
        self.headers = headers or {}

    @property
    def code(self) -> str | None:
        code = self.body.get("code")
        return code if isinstance(code, str) else None


def pgrst(
    status: int,
    code: str,
    message: str,
    *,
    details: Any = None,
    hint: str | None = None,
    headers: dict[str, str] | None = None,
) -> ApiError:
    body = {"code": code, "details": details, "hint": hint, "message": message}
    return ApiError(status, body, headers)


# The Supabase API gateway (Kong) answers these itself, before PostgREST: no `code` key.
def missing_apikey() -> ApiError:
    return ApiError(
        401,
        {
            "message": "No API key found in request",
            "hint": "No `apikey` request header or url param was found.",
        },
    )


def invalid_apikey() -> ApiError:
    return ApiError(
        401,
        {
            "message": "Invalid API key",
            "hint": "Double check your Supabase `anon` or `service_role` API key.",
        },
    )


def jwt_error(message: str) -> ApiError:
    code = "PGRST303" if message == "JWT expired" else "PGRST301"
    challenge = f'Bearer error="invalid_token", error_description="{message}"'
    return pgrst(401, code, message, headers={"WWW-Authenticate": challenge})


def connection_error(exc: BaseException) -> ApiError:
    # PostgREST's ConnectionUsageError; 503 makes the client retry GETs, which is what we want
    # while Postgres is restarting.
    return pgrst(
        503,
        "PGRST000",
        "Database connection error. Retrying the connection.",
        details=str(exc) or type(exc).__name__,
    )


def single_coerce(rows: int) -> ApiError:
    return pgrst(
        406,
        "PGRST116",
        "Cannot coerce the result to a single JSON object",
        details=f"The result contains {rows} rows",
    )


def status_for_sqlstate(code: str, message: str, *, authenticated: bool) -> int:
    exact = {
        "23503": 409,
        "23505": 409,
        "25006": 405,
        "53400": 500,
        "P0001": 400,
        "42883": 404,
        "42P01": 404,
        "42P17": 500,
    }
    if code in exact:
        return exact[code]
    if code == "42501":
        return 403 if authenticated else 401
    if code == "21000":
        # pg-safeupdate's refusal is the client's fault; other cardinality errors are not.
        return 400 if message.endswith("requires a WHERE clause") else 500
    if code.startswith("PT") and code[2:].isdigit():
        return int(code[2:])
    by_class = {
        "08": 503,
        "09": 500,
        "0L": 403,
        "0P": 403,
        "25": 500,
        "28": 403,
        "2D": 500,
        "38": 500,
        "39": 500,
        "3B": 500,
        "40": 500,
        "53": 503,
        "54": 500,
        "55": 500,
        "57": 500,
        "58": 500,
        "F0": 500,
        "HV": 500,
        "P0": 500,
        "XX": 500,
    }
    return by_class.get(code[:2], 400)


def from_postgres(exc: asyncpg.PostgresError, *, authenticated: bool) -> ApiError:
    code = str(getattr(exc, "sqlstate", None) or "XX000")
    message = str(getattr(exc, "message", None) or exc)
    status = status_for_sqlstate(code, message, authenticated=authenticated)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return pgrst(
        status,
        code,
        message,
        details=getattr(exc, "detail", None),
        hint=getattr(exc, "hint", None),
        headers=headers,
    )


def to_response(err: ApiError, *, head: bool = False) -> web.Response:
    headers = {"Content-Type": JSON_TYPE, **err.headers}
    if err.code:
        headers["Proxy-Status"] = f"PostgREST; error={err.code}"
    body = None if head else json.dumps(err.body, ensure_ascii=False).encode()
    return web.Response(status=err.status, body=body, headers=headers)
