"""The YClients sandbox: the endpoints the app uses, over aiohttp, with fault knobs.

Routes are relative, so the app works mounted as a sub-app (the devstack serves it under
`/yclients`, making the base URL `http://HOST:PORT/yclients/api/v1`).
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import math
import random
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from devstack.yclients_sandbox.config import SandboxCompany, SandboxConfig
from devstack.yclients_sandbox.data import (
    RecordFactory,
    SandboxRecord,
    generate_year,
    no_colon,
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_AUTH = re.compile(r"^\s*Bearer\s+([^,\s]+)\s*(?:,\s*User\s+([^,\s]+)\s*)?$", re.IGNORECASE)
_AUTH_REQUIRED = "Необходима авторизация"


@dataclass(frozen=True, slots=True)
class RequestLogEntry:
    at: float
    method: str
    path: str
    query: dict[str, str]
    status: int


@dataclass(slots=True)
class _Fault:
    kind: str  # "status" | "throttle" | "hang"
    status: int = 503
    retry_after: float | None = None
    body: Any = None
    hold: float | None = None  # a hang's longest wait; None: until released


@dataclass(slots=True)
class CompanyData:
    company: SandboxCompany
    zone: ZoneInfo
    factory: RecordFactory
    records: list[SandboxRecord]
    by_id: dict[int, SandboxRecord] = field(default_factory=dict)

    def resort(self) -> None:
        self.records.sort(key=lambda r: (r.start, r.id))


class Sandbox:
    """State of one sandbox app: data, request log, rate limiter and fault queue."""

    def __init__(self, config: SandboxConfig, *, clock: Callable[[], float] = time.monotonic):
        self.config = config
        self.clock = clock
        self.companies = {c.company_id: c for c in config.companies}
        self._data: dict[int, CompanyData] = {}
        self._faults: deque[_Fault] = deque()
        self._hang_release = asyncio.Event()
        self._arrivals: dict[str, deque[float]] = {}
        self.log: list[RequestLogEntry] = []
        self.throttled = 0

    # -- knobs for tests, the bench and the demo -------------------------------------------

    def fail_next(self, n: int = 1, *, status: int = 503, body: Any = None) -> None:
        """The next n API requests answer `status` (a 5xx, or any code with `body`)."""
        self._faults.extend(_Fault("status", status=status, body=body) for _ in range(n))

    def throttle_next(self, n: int = 1, *, retry_after: float | None = 1.0) -> None:
        """The next n API requests answer 429 (with Retry-After unless None)."""
        self._faults.extend(_Fault("throttle", retry_after=retry_after) for _ in range(n))

    def hang_next(self, n: int = 1, *, seconds: float | None = None) -> None:
        """The next n API requests answer nothing until `release_hangs()` or shutdown, or for
        at most `seconds` each; then 503."""
        self._faults.extend(_Fault("hang", hold=seconds) for _ in range(n))

    def release_hangs(self) -> None:
        self._hang_release.set()
        self._hang_release = asyncio.Event()

    def clear_faults(self) -> None:
        self._faults.clear()

    def reset_log(self) -> None:
        self.log.clear()
        self.throttled = 0

    def api_requests(self, path_contains: str = "") -> list[RequestLogEntry]:
        return [e for e in self.log if path_contains in e.path]

    def data(self, company_id: int) -> CompanyData:
        """The company's records, generated on first use (a year takes a moment)."""
        found = self._data.get(company_id)
        if found is None:
            company = self.companies[company_id]
            zone = ZoneInfo(company.timezone_name)
            if self.config.anchor is None:
                now = datetime.now(zone)
                anchor = now.date()
            else:
                anchor = self.config.anchor
                now = datetime.combine(anchor, datetime.min.time(), tzinfo=zone) + timedelta(
                    hours=12
                )
            factory, records = generate_year(
                company_id=company_id,
                seed=company.seed,
                zone=zone,
                first_day=anchor - timedelta(days=self.config.days_back - 1),
                last_day=anchor + timedelta(days=self.config.days_ahead),
                now=now,
                records_per_day=company.records_per_day,
                deleted_share=self.config.deleted_share,
            )
            found = CompanyData(company, zone, factory, records, {r.id: r for r in records})
            self._data[company_id] = found
        return found

    def update_record(
        self,
        company_id: int,
        record_id: int,
        *,
        attendance: int | None = None,
        deleted: bool | None = None,
        start: datetime | None = None,
        changed: datetime | None = None,
    ) -> None:
        """Change a record the way staff would; it then shows up in `changed_after` reads."""
        data = self.data(company_id)
        record = data.by_id[record_id]
        when = (changed or datetime.now(UTC)).astimezone(data.zone)
        payload = dict(record.payload)  # copy-on-write: payloads may be shared with readers
        if attendance is not None:
            payload["attendance"] = payload["visit_attendance"] = attendance
        if deleted is not None:
            payload["deleted"] = deleted
            record.deleted = deleted
        if start is not None:
            start = start.astimezone(data.zone)
            payload["datetime"] = start.isoformat()
            payload["date"] = start.strftime("%Y-%m-%d %H:%M:%S")
            record.start = start
        payload["last_change_date"] = no_colon(when)
        record.last_change = when
        record.payload = payload
        if start is not None:
            data.resort()

    def create_record(
        self,
        company_id: int,
        *,
        start: datetime,
        attendance: int = 0,
        staff_index: int = 0,
        service_indexes: tuple[int, ...] = (0,),
        client_index: int | None = 0,
        changed: datetime | None = None,
    ) -> int:
        data = self.data(company_id)
        when = (changed or datetime.now(UTC)).astimezone(data.zone)
        record = data.factory.build(
            random.Random(data.factory.next_id),
            start=start.astimezone(data.zone),
            staff_index=staff_index,
            service_indexes=list(service_indexes),
            client=None if client_index is None else data.factory.cat.clients[client_index],
            attendance=attendance,
            deleted=False,
            created=when,
            changed=when,
        )
        data.records.append(record)
        data.by_id[record.id] = record
        data.resort()
        return record.id

    def simulate_day_of_changes(
        self, company_id: int, *, changed: int = 30, created: int = 8, deleted: int = 4
    ) -> int:
        """A working day at the front desk: marks, new bookings, cancellations. Returns count."""
        data = self.data(company_id)
        rng = random.Random(f"day-{company_id}-{len(data.records)}")
        today = datetime.now(data.zone).replace(hour=12, minute=0, second=0, microsecond=0)
        recent = [r for r in data.records if abs((r.start - today).days) <= 7 and not r.deleted]
        picks = rng.sample(recent, min(len(recent), changed + deleted))
        for record in picks[:changed]:
            self.update_record(company_id, record.id, attendance=rng.choice((1, 1, 1, -1, 2)))
        for record in picks[changed:]:
            self.update_record(company_id, record.id, deleted=True)
        for i in range(created):
            self.create_record(
                company_id,
                start=today + timedelta(days=rng.randint(0, 6), hours=rng.randint(-2, 7)),
                staff_index=i % 6,
                service_indexes=(rng.randrange(10),),
                client_index=rng.randrange(700),
            )
        return len(picks) + created

    # -- request pipeline ------------------------------------------------------------------

    def over_limit(self, ip: str) -> float | None:
        """Seconds until the caller may retry, or None when within the documented limits."""
        now = self.clock()
        log = self._arrivals.setdefault(ip, deque())
        while log and log[0] <= now - 60.0:
            log.popleft()
        waits: list[float] = []
        per_second, per_minute = self.config.rate_per_second, self.config.rate_per_minute
        if per_second is not None and len(log) >= per_second:
            oldest = log[-per_second]
            if oldest > now - 1.0:
                waits.append(oldest + 1.0 - now)
        if per_minute is not None and len(log) >= per_minute:
            oldest = log[-per_minute]
            if oldest > now - 60.0:
                waits.append(oldest + 60.0 - now)
        if waits:
            return max(waits)
        log.append(now)
        return None

    async def apply_fault(self) -> web.StreamResponse | None:
        if not self._faults:
            return None
        fault = self._faults.popleft()
        if fault.kind == "hang":
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._hang_release.wait(), fault.hold)
            return _error(503, "Сервис временно недоступен")
        if fault.kind == "throttle":
            self.throttled += 1
            return _throttled(fault.retry_after)
        if fault.body is not None:
            return web.json_response(fault.body, status=fault.status)
        return _error(fault.status, "Внутренняя ошибка сервера")


SANDBOX_KEY = web.AppKey("yclients_sandbox", Sandbox)


def sandbox_of(app: web.Application) -> Sandbox:
    return app[SANDBOX_KEY]


def _error(status: int, message: str) -> web.Response:
    return web.json_response(
        {"success": False, "data": None, "meta": {"message": message}}, status=status
    )


def _company_error(status: int, message: str) -> web.Response:
    # company endpoints answer errors in their own shape
    return web.json_response(
        {"errors": {"code": status, "message": message}, "meta": {"message": message}},
        status=status,
    )


def _throttled(retry_after: float | None) -> web.Response:
    headers = {"Retry-After": str(max(1, math.ceil(retry_after)))} if retry_after else {}
    return web.json_response(
        {"success": False, "data": None, "meta": {"message": "Превышен лимит запросов"}},
        status=429,
        headers=headers,
    )


@web.middleware
async def _pipeline(request: web.Request, handler: Handler) -> web.StreamResponse:
    sandbox = request.app[SANDBOX_KEY]
    status = 500
    try:
        wait = sandbox.over_limit(request.remote or "?")
        if wait is not None:
            sandbox.throttled += 1
            response: web.StreamResponse = _throttled(wait)
        else:
            faulted = await sandbox.apply_fault()
            response = faulted if faulted is not None else await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        sandbox.log.append(
            RequestLogEntry(
                sandbox.clock(), request.method, request.path, dict(request.query), status
            )
        )


def _authorize(
    request: web.Request, company_id_text: str, *, company_shape: bool
) -> CompanyData | web.Response:
    sandbox = request.app[SANDBOX_KEY]
    fail = _company_error if company_shape else _error
    match = _AUTH.match(request.headers.get("Authorization", ""))
    partner = sandbox.config.partner_token
    if match is None or match.group(1) != partner:
        return fail(401, _AUTH_REQUIRED)
    user = match.group(2)
    try:
        company_id = int(company_id_text)
    except ValueError:
        return fail(404, "Филиал не найден")
    company = sandbox.companies.get(company_id)
    if company is None:
        return fail(404, "Филиал не найден")
    if user is None:
        return fail(401, _AUTH_REQUIRED)
    if user != company.user_token:
        known = any(c.user_token == user for c in sandbox.companies.values())
        if known:
            return fail(403, "Нет прав на управление филиалом")
        return fail(401, _AUTH_REQUIRED)
    return sandbox.data(company_id)


def _company_json(company: SandboxCompany, zone: ZoneInfo) -> dict[str, Any]:
    offset = datetime.now(zone).utcoffset() or timedelta(0)
    return {
        "id": company.company_id,
        "title": company.name,
        "public_title": company.name,
        "country": "Россия",
        "city": "Москва" if company.timezone_name == "Europe/Moscow" else "Екатеринбург",
        "address": "ул. Примерная, д. 1",
        "timezone": str(int(offset.total_seconds() // 3600)),
        "timezone_name": company.timezone_name,
        "currency_short_title": "₽",
        "phone": "+7 900 000-00-00",
        "active": 1,
    }


async def _company(request: web.Request) -> web.Response:
    found = _authorize(request, request.match_info["company_id"], company_shape=True)
    if isinstance(found, web.Response):
        return found
    return web.json_response(
        {"success": True, "data": _company_json(found.company, found.zone), "meta": []}
    )


async def _companies(request: web.Request) -> web.Response:
    sandbox = request.app[SANDBOX_KEY]
    match = _AUTH.match(request.headers.get("Authorization", ""))
    if match is None or match.group(1) != sandbox.config.partner_token:
        return _error(401, _AUTH_REQUIRED)
    user = match.group(2)
    mine = [
        _company_json(c, ZoneInfo(c.timezone_name))
        for c in sandbox.companies.values()
        if request.query.get("my") != "1" or c.user_token == user
    ]
    return web.json_response({"success": True, "data": mine, "meta": {"total_count": len(mine)}})


def _parse_query(request: web.Request, zone: ZoneInfo) -> dict[str, Any] | web.Response:
    q = request.query
    errors: dict[str, list[str]] = {}
    parsed: dict[str, Any] = {}

    def integer(name: str, default: int, low: int) -> None:
        text = q.get(name)
        if text is None or text == "":
            parsed[name] = default
            return
        try:
            value = int(text)
        except ValueError:
            errors[f"[{name}]"] = ["Значение должно быть целым числом"]
            return
        if value < low:
            errors[f"[{name}]"] = [f"Значение должно быть не меньше {low}"]
        parsed[name] = value

    def day(name: str) -> None:
        text = q.get(name)
        if not text:
            parsed[name] = None
            return
        try:
            parsed[name] = date.fromisoformat(text)
        except ValueError:
            errors[f"[{name}]"] = ["Неверный формат даты, ожидается ГГГГ-ММ-ДД"]

    def moment(name: str) -> None:
        text = q.get(name)
        if not text:
            parsed[name] = None
            return
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            errors[f"[{name}]"] = ["Неверный формат даты и времени"]
            return
        parsed[name] = value if value.tzinfo else value.replace(tzinfo=zone)

    integer("page", 1, 1)
    integer("count", request.app[SANDBOX_KEY].config.default_page_size, 1)
    for name in ("staff_id", "client_id"):
        integer(name, 0, 0)
    for name in ("start_date", "end_date", "c_start_date", "c_end_date"):
        day(name)
    for name in ("changed_after", "changed_before"):
        moment(name)
    if errors:
        return web.json_response(
            {
                "success": False,
                "data": None,
                "meta": {"message": "Ошибка валидации", "errors": errors},
            },
            status=422,
        )
    parsed["with_deleted"] = q.get("with_deleted") in ("1", "true")
    return parsed


async def _records(request: web.Request) -> web.Response:
    found = _authorize(request, request.match_info["company_id"], company_shape=False)
    if isinstance(found, web.Response):
        return found
    params = _parse_query(request, found.zone)
    if isinstance(params, web.Response):
        return params
    zone = found.zone
    records = found.records
    lo, hi = 0, len(records)
    if params["start_date"] is not None:
        first = datetime.combine(params["start_date"], datetime.min.time(), tzinfo=zone)
        lo = bisect.bisect_left(records, first, key=lambda r: r.start)
    if params["end_date"] is not None:
        # The real backend stops at 23:59:00 of end_date, not at midnight.
        cutoff = datetime.combine(params["end_date"], datetime.min.time(), tzinfo=zone)
        cutoff += timedelta(hours=23, minutes=59)
        hi = bisect.bisect_left(records, cutoff, key=lambda r: r.start)
    selected = []
    after, before = params["changed_after"], params["changed_before"]
    staff_id, client_id = params["staff_id"], params["client_id"]
    for record in records[lo:hi]:
        if record.deleted and not params["with_deleted"]:
            continue
        if after is not None and record.last_change < after:
            continue
        if before is not None and record.last_change > before:
            continue
        if staff_id and record.payload["staff_id"] != staff_id:
            continue
        if client_id and (record.payload["client"] or {}).get("id") != client_id:
            continue
        selected.append(record)
    count = min(params["count"], request.app[SANDBOX_KEY].config.max_page_size)
    page = params["page"]
    chunk = selected[(page - 1) * count : page * count]
    return web.json_response(
        {
            "success": True,
            "data": [r.payload for r in chunk],
            "meta": {"page": page, "total_count": len(selected)},
        }
    )


async def _release_on_shutdown(app: web.Application) -> None:
    app[SANDBOX_KEY].release_hangs()


def create_sandbox_app(
    config: SandboxConfig, *, clock: Callable[[], float] = time.monotonic
) -> web.Application:
    """The sandbox as an aiohttp app; `clock` drives the rate limiter (tests freeze it)."""
    app = web.Application(middlewares=[_pipeline])
    app[SANDBOX_KEY] = Sandbox(config, clock=clock)
    for suffix in ("", "/"):
        app.router.add_get(f"/api/v1/company/{{company_id}}{suffix}", _company)
        app.router.add_get(f"/api/v1/records/{{company_id}}{suffix}", _records)
    app.router.add_get("/api/v1/companies", _companies)
    app.on_shutdown.append(_release_on_shutdown)
    return app
