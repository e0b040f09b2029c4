"""Read-only async YClients / Altegio client: envelopes, retries, paging.

Every request goes through the process-wide limiter (see limiter.py) before each attempt,
including retries, because YClients counts attempts, not successes.
"""

from __future__ import annotations

import asyncio
import math
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from datetime import date, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from pydantic import ValidationError

from services.backoff import backoff_delay
from services.secret import SecretStr
from services.urls import shown_url
from services.yclients.errors import (
    YClientsApiError,
    YClientsError,
    YClientsNetworkError,
    YClientsProtocolError,
    YClientsRateLimitError,
    YClientsServerError,
    YClientsUnstableDataError,
    describe_fields,
    parse_error_body,
)
from services.yclients.limiter import Limiter, shared_limiter
from services.yclients.models import (
    ApiCompany,
    ApiRecord,
    Record,
    company_zone,
    record_from_api,
)
from services.yclients.responses import (
    RETRY_STATUSES,
    ApiResponse,
    ClientStats,
    RecordPage,
    envelope_data,
    first_error,
    json_or_text,
    retry_after_seconds,
    server_time,
    status_error,
    total_count,
)

YCLIENTS_BASE_URL = "https://api.yclients.com/api/v1"
ALTEGIO_BASE_URL = "https://api.alteg.io/api/v1"
ACCEPT_YCLIENTS = "application/vnd.yclients.v2+json"
ACCEPT_ALTEGIO = "application/vnd.api.v2+json"

DEFAULT_PAGE_SIZE = 300

Sleep = Callable[[float], Awaitable[None]]


class YClientsClient:
    def __init__(
        self,
        *,
        base_url: str,
        partner_token: SecretStr,
        user_token: SecretStr,
        company_id: int,
        transport: httpx.AsyncBaseTransport | None = None,
        limiter: Limiter | None = None,
        timeout: float = 30.0,
        max_attempts: int = 6,
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
        max_retry_after: float = 120.0,
        accept: str | None = None,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.company_id = int(company_id)
        self._secrets = tuple(
            s for s in (partner_token.get_secret_value(), user_token.get_secret_value()) if s
        )
        self._limiter = limiter if limiter is not None else shared_limiter()
        self._max_attempts = max(1, max_attempts)
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self._max_retry_after = max_retry_after
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._timezone: ZoneInfo | None = None
        self.stats = ClientStats()
        if accept is None:
            accept = ACCEPT_ALTEGIO if "alteg.io" in self.base_url else ACCEPT_YCLIENTS
        # httpx masks the Authorization header in its reprs, so the tokens stay out of logs.
        self._http = httpx.AsyncClient(
            base_url=self.base_url + "/",
            transport=transport,
            timeout=httpx.Timeout(timeout),
            headers={
                "Accept": accept,
                "Content-Type": "application/json",
                "Authorization": (
                    f"Bearer {partner_token.get_secret_value()}, "
                    f"User {user_token.get_secret_value()}"
                ),
            },
            follow_redirects=False,
        )

    def __repr__(self) -> str:
        return (
            f"YClientsClient(base_url={shown_url(self.base_url)!r}, company_id={self.company_id})"
        )

    async def __aenter__(self) -> YClientsClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- endpoints ---------------------------------------------------------------------------

    async def get_company(self) -> ApiCompany:
        response = await self._get(f"company/{self.company_id}/")
        data = envelope_data(response.body)
        if not isinstance(data, Mapping):
            raise self._protocol("company", "`data` is not an object")
        try:
            company = ApiCompany.model_validate(data)
        except ValidationError as exc:
            raise self._protocol("company", first_error(exc)) from None
        self._timezone = company_zone(company)
        return company

    async def company_timezone(self) -> ZoneInfo:
        if self._timezone is None:
            await self.get_company()
        assert self._timezone is not None
        return self._timezone

    async def iter_record_pages(
        self,
        *,
        start_date: date,
        end_date: date,
        changed_after: datetime | None = None,
        with_deleted: bool = True,
        page_size: int = DEFAULT_PAGE_SIZE,
        tz: tzinfo | None = None,
        max_restarts: int = 3,
    ) -> AsyncIterator[RecordPage]:
        """Yield pages of records whose visit falls in [start_date, end_date] (local dates).

        The request runs to `end_date + 1` because the backend stops at 23:59:00 of `end_date`;
        callers filter by local date. If `total_count` changes mid-scan or ids repeat (pages
        shifted under us), the scan restarts; records may then be yielded again, so consumers
        must treat pages as upserts.
        """
        params: dict[str, str] = {
            "start_date": start_date.isoformat(),
            "end_date": (end_date + timedelta(days=1)).isoformat(),
            "count": str(page_size),
        }
        if with_deleted:
            params["with_deleted"] = "1"
        if changed_after is not None:
            if changed_after.tzinfo is not None:
                zone = tz if tz is not None else await self.company_timezone()
                changed_after = changed_after.astimezone(zone).replace(tzinfo=None)
            params["changed_after"] = changed_after.replace(microsecond=0).isoformat()
        path = f"records/{self.company_id}"
        for attempt in range(max_restarts + 1):
            restarted = attempt > 0
            seen: set[int] = set()
            rows = 0
            total: int | None = None
            scan_started: datetime | None = None
            unstable = False
            page = 1
            while True:
                response = await self._get(path, {**params, "page": str(page)})
                data = envelope_data(response.body)
                if not isinstance(data, list):
                    raise self._protocol("records", "`data` is not a list")
                page_total = total_count(response.body)
                if total is None:
                    total = page_total if page_total is not None else len(data)
                    scan_started = response.server_time
                elif page_total is not None and page_total != total:
                    unstable = True
                    break
                fresh: list[ApiRecord] = []
                duplicate = False
                for raw in data:
                    try:
                        record = ApiRecord.model_validate(raw)
                    except ValidationError as exc:
                        raise self._protocol("records", first_error(exc)) from None
                    if record.id in seen:
                        duplicate = True
                        continue
                    seen.add(record.id)
                    fresh.append(record)
                rows += len(data)
                pages_total = max(1, math.ceil(total / page_size)) if total else 1
                yield RecordPage(
                    records=fresh,
                    page=page,
                    pages_total=max(pages_total, page),
                    total_count=total,
                    scan_started=scan_started,
                    restarted=restarted,
                )
                if duplicate:
                    unstable = True
                    break
                if rows >= total or len(data) < page_size or not data:
                    break
                page += 1
            if not unstable:
                return
        raise YClientsUnstableDataError(
            f"The records of company {self.company_id} kept changing while they were being "
            f"read ({max_restarts + 1} attempts); try again in a minute.",
            company_id=self.company_id,
        )

    async def fetch_records(
        self,
        start_date: date,
        end_date: date,
        *,
        with_deleted: bool = True,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> list[Record]:
        """All records whose local visit date is in [start_date, end_date], deleted included."""
        tz = await self.company_timezone()
        by_id: dict[int, Record] = {}
        async for page in self.iter_record_pages(
            start_date=start_date,
            end_date=end_date,
            with_deleted=with_deleted,
            page_size=page_size,
            tz=tz,
        ):
            for api in page.records:
                record = record_from_api(api, tz)
                if start_date <= record.local_date(tz) <= end_date:
                    by_id[record.id] = record
        return sorted(by_id.values(), key=lambda r: (r.start, r.id))

    # -- transport ---------------------------------------------------------------------------

    async def _get(self, path: str, params: Mapping[str, str] | None = None) -> ApiResponse:
        last_error: YClientsError | None = None
        delay: float | None
        for attempt in range(1, self._max_attempts + 1):
            await self._limiter.acquire()
            self.stats.requests += 1
            try:
                response = await self._http.get(path, params=params)
            except httpx.TimeoutException:
                self.stats.network_errors += 1
                last_error = YClientsNetworkError(
                    f"YClients did not answer in time ({shown_url(self.base_url)}, company "
                    f"{self.company_id}).",
                    company_id=self.company_id,
                    path=path,
                )
                delay = self._backoff(attempt)
            except httpx.TransportError as exc:
                self.stats.network_errors += 1
                last_error = YClientsNetworkError(
                    f"Cannot reach YClients at {shown_url(self.base_url)} ({type(exc).__name__}).",
                    company_id=self.company_id,
                    path=path,
                )
                delay = self._backoff(attempt)
            else:
                status = response.status_code
                if status not in RETRY_STATUSES and status < 500:
                    return self._accept(response, path)
                last_error, delay = self._retryable(response, path, attempt)
            if attempt == self._max_attempts or delay is None:
                break
            self.stats.retries += 1
            await self._sleep(delay)
        assert last_error is not None
        raise last_error

    def _retryable(
        self, response: httpx.Response, path: str, attempt: int
    ) -> tuple[YClientsError, float | None]:
        status = response.status_code
        message, _ = parse_error_body(json_or_text(response))
        detail = f": {self._redact(message)}" if message else ""
        retry_after = retry_after_seconds(response.headers.get("Retry-After"))
        if status == 429:
            self.stats.throttled += 1
            if retry_after is not None and retry_after > self._max_retry_after:
                return (
                    YClientsRateLimitError(
                        f"YClients asked to wait {retry_after:.0f} s before the next request "
                        f"(company {self.company_id}, HTTP 429{detail}); try again later.",
                        company_id=self.company_id,
                        status=status,
                        path=path,
                    ),
                    None,
                )
            error: YClientsError = YClientsRateLimitError(
                f"YClients kept refusing requests for company {self.company_id} as over the "
                f"rate limit (HTTP 429{detail}).",
                company_id=self.company_id,
                status=status,
                path=path,
            )
        else:
            self.stats.server_errors += 1
            error = YClientsServerError(
                f"YClients failed on its side for company {self.company_id} "
                f"(HTTP {status}{detail}); try again later.",
                company_id=self.company_id,
                status=status,
                path=path,
            )
        delay = self._backoff(attempt)
        if retry_after is not None:
            # The server's figure is a floor; a little jitter keeps waiters from stampeding.
            delay = retry_after + self._rng.uniform(0, 0.25)
        if status == 429:
            self._limiter.defer(delay)
        return error, delay

    def _backoff(self, attempt: int) -> float:
        ceiling = backoff_delay(attempt, self._backoff_base, self._backoff_cap)
        return ceiling * (0.5 + self._rng.random() / 2)

    def _accept(self, response: httpx.Response, path: str) -> ApiResponse:
        status = response.status_code
        body = json_or_text(response)
        if 200 <= status < 300:
            if not isinstance(body, Mapping):
                raise self._protocol(path, "the body is not a JSON object")
            if body.get("success") is False:
                message, fields = parse_error_body(body)
                raise YClientsApiError(
                    f"YClients reported a failure for company {self.company_id}"
                    f"{': ' + self._redact(message) if message else ''}"
                    f"{' (' + describe_fields(fields) + ')' if fields else ''}.",
                    company_id=self.company_id,
                    status=status,
                    api_message=message,
                    field_errors=fields,
                    path=path,
                )
            return ApiResponse(body, server_time(response), response.headers)
        raise self._status_error(status, body, path)

    def _status_error(self, status: int, body: Any, path: str) -> YClientsError:
        return status_error(status, body, path, company_id=self.company_id, redact=self._redact)

    def _protocol(self, what: str, why: str) -> YClientsProtocolError:
        return YClientsProtocolError(
            f"YClients sent an unexpected {what} response for company {self.company_id}: {why}.",
            company_id=self.company_id,
        )

    def _redact(self, text: str) -> str:
        # API messages may echo a header back; never let a token through that way.
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text
