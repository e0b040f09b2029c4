"""Request headers that steer a PostgREST request: the caller's role, Prefer, Accept, profiles."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from devstack.keys import InvalidKey, Keys
from devstack.rest.errors import ApiError, invalid_apikey, jwt_error, missing_apikey, pgrst

ARRAY_TYPE = "application/json; charset=utf-8"
OBJECT_MEDIA = "application/vnd.pgrst.object+json"


@dataclass(frozen=True)
class Identity:
    role: str
    claims: dict[str, Any]

    @property
    def authenticated(self) -> bool:
        # PostgREST answers 42501 with 401 only to the anonymous role.
        return self.role != "anon"


def identify(request: web.Request, keys: Keys) -> Identity:
    """The Supabase gateway's apikey check, then PostgREST's JWT check of Authorization."""
    apikey = request.headers.get("apikey") or request.query.get("apikey")
    if not apikey:
        raise missing_apikey()
    try:
        claims = keys.verify_apikey(apikey)
    except InvalidKey:
        raise invalid_apikey() from None
    auth = request.headers.get("Authorization", "")
    scheme, _, token = auth.partition(" ")
    token = token.strip()
    # The clients send the key itself as the Bearer when nobody is signed in; for an `sb_` key
    # the gateway then stands in the key's role. Any other Bearer is a JWT for PostgREST.
    if scheme.lower() == "bearer" and token and token != apikey:
        try:
            claims = keys.verify(token)
        except InvalidKey as exc:
            raise jwt_error(str(exc)) from None
    return Identity(str(claims["role"]), claims)


@dataclass
class Prefer:
    representation: bool = False
    headers_only: bool = False
    count: str | None = None  # exact | planned | estimated
    resolution: str | None = None  # merge-duplicates | ignore-duplicates
    missing_default: bool = False
    strict: bool = False
    max_affected: int | None = None
    applied: list[str] = field(default_factory=list)


def parse_prefer(request: web.Request) -> Prefer:
    prefer = Prefer()
    tokens = [t.strip() for v in request.headers.getall("Prefer", []) for t in v.split(",")]
    for token in tokens:
        key, _, value = token.partition("=")
        applied = True
        if key == "return" and value in ("representation", "minimal", "headers-only"):
            prefer.representation = value == "representation"
            prefer.headers_only = value == "headers-only"
        elif key == "count" and value in ("exact", "planned", "estimated"):
            prefer.count = value
        elif key == "resolution" and value in ("merge-duplicates", "ignore-duplicates"):
            prefer.resolution = value
        elif key == "missing" and value in ("default", "null"):
            prefer.missing_default = value == "default"
        elif key == "handling" and value in ("strict", "lenient"):
            prefer.strict = value == "strict"
        elif key == "max-affected" and value.isdigit():
            prefer.max_affected = int(value)
        else:
            applied = False
        if applied:
            prefer.applied.append(token)
    return prefer


@dataclass(frozen=True)
class Accept:
    shape: str  # "array" | "object" | "csv"
    strip_nulls: bool
    content_type: str


CSV_TYPE = "text/csv; charset=utf-8"
_ARRAY_MEDIA = ("*/*", "application/*", "application/json", "application/vnd.pgrst.array+json")
_PLAN_OPTIONS = ("analyze", "verbose", "settings", "buffers", "wal")


def _to_mime(media: str, params: dict[str, str]) -> str:
    """PostgREST's `toMime` of a decoded media type, as its PGRST107 message lists them."""
    if media in ("application/vnd.pgrst.array+json", "application/vnd.pgrst.object+json"):
        stripped = params.get("nulls") == "stripped"
        if media.endswith("array+json"):
            return f"{media};nulls=stripped" if stripped else "application/json"
        return f"{media};nulls=stripped" if stripped else media
    if media.startswith("application/vnd.pgrst.plan"):
        fmt = "json" if media.endswith("+json") else "text"
        inner = params.get("for", "application/json").strip('"').strip().lower() or "*/*"
        mime = f'application/vnd.pgrst.plan+{fmt}; for="{_to_mime(inner, {})}"'
        options = [o for o in params.get("options", "").split("|") if o in _PLAN_OPTIONS]
        return mime + (f"; options={'|'.join(options)}" if options else "")
    return media


def negotiate(request: web.Request) -> Accept:
    header = request.headers.get("Accept", "").strip()
    if not header:
        return Accept("array", False, ARRAY_TYPE)
    ranges: list[tuple[float, int, str, dict[str, str]]] = []
    for i, part in enumerate(header.split(",")):
        media, *raw_params = [p.strip() for p in part.split(";")]
        params = {
            k.strip().lower(): v.strip() for k, _, v in (p.partition("=") for p in raw_params)
        }
        try:
            quality = float(params.pop("q", "1"))
        except ValueError:
            quality = 1.0
        ranges.append((-quality, i, media.lower(), params))
    for _, _, media, params in sorted(ranges):
        strip = params.get("nulls") == "stripped"
        if media == OBJECT_MEDIA:
            suffix = ";nulls=stripped" if strip else ""
            return Accept("object", strip, f"{OBJECT_MEDIA}{suffix}; charset=utf-8")
        if media == "text/csv":
            return Accept("csv", False, CSV_TYPE)
        if media in _ARRAY_MEDIA:
            return Accept("array", strip, ARRAY_TYPE)
        # application/vnd.pgrst.plan (explain()) is not produced: Supabase projects keep
        # PostgREST's db-plan-enabled off, so it ends in the PGRST107 below.
    asked = ", ".join(_to_mime(media, params) for _, _, media, params in ranges)
    raise pgrst(406, "PGRST107", f"None of these media types are available: {asked}")


def pick_schema(request: web.Request, exposed: tuple[str, ...]) -> str:
    header = "Accept-Profile" if request.method in ("GET", "HEAD") else "Content-Profile"
    schema = request.headers.get(header) or exposed[0]
    if schema not in exposed:
        raise pgrst(
            406,
            "PGRST106",
            f"Invalid schema: {schema}",
            hint=f"Only the following schemas are exposed: {', '.join(exposed)}",
        )
    return schema


def content_range(lower: int, page_total: int, total: int | None) -> str:
    upper = lower + page_total - 1
    total_s = "*" if total is None else str(total)
    if total != 0 and lower <= upper:
        return f"{lower}-{upper}/{total_s}"
    return f"*/{total_s}"


def range_status(lower: int, page_total: int, total: int | None) -> int:
    if total is None:
        return 200
    if lower > total:
        raise range_not_satisfiable(lower, total)
    return 206 if page_total < total else 200


def range_not_satisfiable(lower: int, total: int) -> ApiError:
    return pgrst(
        416,
        "PGRST103",
        "Requested range not satisfiable",
        details=f"An offset of {lower} was requested, but there are only {total} rows.",
    )
