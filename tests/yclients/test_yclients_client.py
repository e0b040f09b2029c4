"""The client against respx: headers, every error shape, each retry rule, paging."""

from __future__ import annotations

import random
import traceback
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
import respx
from pydantic import SecretStr

from services.yclients import (
    ACCEPT_ALTEGIO,
    ACCEPT_YCLIENTS,
    RateLimiter,
    YClientsApiError,
    YClientsAuthError,
    YClientsClient,
    YClientsError,
    YClientsForbiddenError,
    YClientsNetworkError,
    YClientsNotFoundError,
    YClientsPaymentRequiredError,
    YClientsProtocolError,
    YClientsRateLimitError,
    YClientsServerError,
    YClientsUnstableDataError,
    YClientsValidationError,
)
from tests.yclients.conftest import FakeClock

BASE = "https://yclients.test/api/v1"
PARTNER = "partner-SECRET-7f3a"
USER = "user-SECRET-91c2"
CID = 555
RECORDS = f"/records/{CID}"
COMPANY = f"/company/{CID}/"


class Harness:
    def __init__(self, router: respx.MockRouter, clock: FakeClock, client: YClientsClient):
        self.router = router
        self.clock = clock
        self.client = client


@pytest.fixture
async def h() -> AsyncIterator[Harness]:
    router = respx.MockRouter(base_url=BASE, assert_all_called=False)
    clock = FakeClock()
    client = make_client(router, clock)
    yield Harness(router, clock, client)
    await client.aclose()


def make_client(
    router: respx.MockRouter, clock: FakeClock, base_url: str = BASE, **kw: Any
) -> YClientsClient:
    return YClientsClient(
        base_url=base_url,
        partner_token=SecretStr(PARTNER),
        user_token=SecretStr(USER),
        company_id=CID,
        transport=httpx.MockTransport(router.async_handler),
        limiter=RateLimiter(clock=clock, sleep=clock.sleep),
        sleep=clock.sleep,
        rng=random.Random(7),
        **kw,
    )


def ok(data: Any, **meta: Any) -> httpx.Response:
    return httpx.Response(200, json={"success": True, "data": data, "meta": meta})


def raw_record(rid: int, day: str = "2025-06-02", hour: int = 12) -> dict[str, Any]:
    return {
        "id": rid,
        "datetime": f"{day}T{hour:02d}:00:00+03:00",
        "last_change_date": f"{day}T{hour:02d}:30:00+0300",
        "attendance": 1,
        "staff_id": "7",
        "services": [{"id": "1", "title": "Стрижка", "cost": "1000.00"}],
    }


def assert_no_secret(error: BaseException) -> None:
    shown = "".join(traceback.format_exception(error)) + repr(error) + str(error)
    assert PARTNER not in shown and USER not in shown


async def test_sends_the_documented_headers(h: Harness) -> None:
    route = h.router.get(COMPANY).mock(
        return_value=ok({"id": CID, "title": "Салон", "timezone_name": "Asia/Yekaterinburg"})
    )
    company = await h.client.get_company()
    assert company.title == "Салон"
    assert (await h.client.company_timezone()).key == "Asia/Yekaterinburg"
    sent = route.calls.last.request
    assert sent.headers["Authorization"] == f"Bearer {PARTNER}, User {USER}"
    assert sent.headers["Accept"] == ACCEPT_YCLIENTS
    assert route.call_count == 1  # the zone is remembered
    assert PARTNER not in repr(h.client) and PARTNER not in repr(sent.headers)


async def test_altegio_base_url_gets_the_altegio_accept() -> None:
    router = respx.MockRouter(base_url="https://api.alteg.io/api/v1", assert_all_called=False)
    route = router.get(COMPANY).mock(return_value=ok({"id": CID, "timezone_name": "UTC"}))
    async with make_client(router, FakeClock(), base_url="https://api.alteg.io/api/v1") as c:
        await c.get_company()
    assert route.calls.last.request.headers["Accept"] == ACCEPT_ALTEGIO


ERROR_SHAPES = [
    pytest.param(
        401,
        {"success": False, "data": None, "meta": {"message": "Необходима авторизация"}},
        YClientsAuthError,
        ["company 555", "user token", "Необходима авторизация"],
        id="401-common",
    ),
    pytest.param(
        401,
        {"errors": {"code": 401, "message": "Unauthorized"}, "meta": {"message": "Unauthorized"}},
        YClientsAuthError,
        ["partner token", "Unauthorized"],
        id="401-company-shape",
    ),
    pytest.param(
        403,
        {"success": False, "data": None, "meta": {"message": "Нет прав"}},
        YClientsForbiddenError,
        ["no rights on company 555", "Нет прав"],
        id="403",
    ),
    pytest.param(
        404,
        {"errors": {"code": 404, "message": "Not found"}, "meta": {"message": "Not found"}},
        YClientsNotFoundError,
        ["company 555", "company id"],
        id="404",
    ),
    pytest.param(
        402,
        {"success": False, "meta": {"message": "Тариф"}},
        YClientsPaymentRequiredError,
        ["plan", "Тариф"],
        id="402",
    ),
    pytest.param(
        422,
        {"success": False, "meta": {"message": "Ошибка", "errors": {"[date_to]": ["Плохо"]}}},
        YClientsValidationError,
        ["date_to: Плохо"],
        id="422-field-map",
    ),
    pytest.param(
        422,
        {
            "success": False,
            "meta": {"errors": ["date_to is required", {"field": "count", "message": "too big"}]},
        },
        YClientsValidationError,
        ["date_to is required", "count: too big"],
        id="422-list",
    ),
    pytest.param(
        200,
        {"success": False, "data": None, "meta": {"message": "Филиал отключён"}},
        YClientsApiError,
        ["failure for company 555", "Филиал отключён"],
        id="200-success-false",
    ),
    pytest.param(409, "<html>conflict</html>", YClientsValidationError, ["409"], id="409-html"),
]


@pytest.mark.parametrize(("status", "body", "kind", "phrases"), ERROR_SHAPES)
async def test_error_shapes_become_clear_errors_and_are_not_retried(
    h: Harness, status: int, body: Any, kind: type[YClientsError], phrases: list[str]
) -> None:
    response = (
        httpx.Response(status, json=body)
        if not isinstance(body, str)
        else httpx.Response(status, text=body)
    )
    route = h.router.get(COMPANY).mock(return_value=response)
    with pytest.raises(kind) as caught:
        await h.client.get_company()
    assert route.call_count == 1
    for phrase in phrases:
        assert phrase in str(caught.value)
    assert caught.value.company_id == CID
    assert_no_secret(caught.value)


async def test_field_errors_are_kept_structured(h: Harness) -> None:
    h.router.get(COMPANY).mock(
        return_value=httpx.Response(
            422, json={"meta": {"errors": {"[date_to]": ["a", "b"], "count": "big"}}}
        )
    )
    with pytest.raises(YClientsValidationError) as caught:
        await h.client.get_company()
    assert caught.value.field_errors == {"date_to": ["a", "b"], "count": ["big"]}


async def test_an_echoed_token_is_redacted(h: Harness) -> None:
    h.router.get(COMPANY).mock(
        return_value=httpx.Response(401, json={"meta": {"message": f"bad token {USER}"}})
    )
    with pytest.raises(YClientsAuthError) as caught:
        await h.client.get_company()
    assert "bad token ***" in str(caught.value)
    assert_no_secret(caught.value)


async def test_non_json_success_is_a_protocol_error(h: Harness) -> None:
    h.router.get(COMPANY).mock(return_value=httpx.Response(200, text="<html>hi</html>"))
    with pytest.raises(YClientsProtocolError, match="company 555"):
        await h.client.get_company()


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_server_errors_are_retried_with_growing_jittered_backoff(
    h: Harness, status: int
) -> None:
    route = h.router.get(COMPANY).mock(
        side_effect=[
            httpx.Response(status, text="oops"),
            httpx.Response(status, json={"success": False, "meta": {"message": "down"}}),
            ok({"id": CID, "timezone_name": "Europe/Moscow"}),
        ]
    )
    await h.client.get_company()
    assert route.call_count == 3
    assert h.client.stats.retries == 2
    first, second = h.clock.sleeps
    assert 0.25 <= first <= 0.5
    assert 0.5 <= second <= 1.0


async def test_server_errors_give_up_after_max_attempts(h: Harness) -> None:
    route = h.router.get(COMPANY).mock(
        return_value=httpx.Response(503, json={"success": False, "meta": {"message": "down"}})
    )
    with pytest.raises(YClientsServerError, match="HTTP 503: down") as caught:
        await h.client.get_company()
    assert route.call_count == 6
    assert_no_secret(caught.value)


async def test_429_honours_retry_after_seconds_and_holds_the_shared_limiter(h: Harness) -> None:
    route = h.router.get(COMPANY).mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "7"}, json={"success": False}),
            ok({"id": CID, "timezone_name": "Europe/Moscow"}),
        ]
    )
    start = h.clock.now
    await h.client.get_company()
    assert route.call_count == 2
    assert h.client.stats.throttled == 1
    # the retry waited the server's 7 s (+ jitter under 0.25 s), through the shared limiter
    assert 7.0 <= h.clock.now - start < 7.3


async def test_429_honours_retry_after_as_an_http_date(h: Harness) -> None:
    when = format_datetime(datetime(2999, 1, 1, tzinfo=UTC), usegmt=True)
    route = h.router.get(COMPANY).mock(
        return_value=httpx.Response(429, headers={"Retry-After": when})
    )
    with pytest.raises(YClientsRateLimitError, match="asked to wait"):
        await h.client.get_company()
    assert route.call_count == 1  # a wait past max_retry_after is reported, not slept through


async def test_429_without_retry_after_backs_off_and_finally_fails(h: Harness) -> None:
    route = h.router.get(COMPANY).mock(return_value=httpx.Response(429))
    with pytest.raises(YClientsRateLimitError, match="rate limit"):
        await h.client.get_company()
    assert route.call_count == 6
    assert h.client.stats.throttled == 6


@pytest.mark.parametrize(
    ("exc", "phrase"),
    [(httpx.ConnectError("refused"), "Cannot reach"), (httpx.ReadTimeout("slow"), "in time")],
)
async def test_network_failures_are_retried_then_reported(
    h: Harness, exc: Exception, phrase: str
) -> None:
    route = h.router.get(COMPANY).mock(side_effect=exc)
    with pytest.raises(YClientsNetworkError, match=phrase) as caught:
        await h.client.get_company()
    assert route.call_count == 6
    assert_no_secret(caught.value)


async def test_one_network_blip_is_absorbed(h: Harness) -> None:
    route = h.router.get(COMPANY).mock(side_effect=[httpx.ConnectError("reset"), ok({"id": CID})])
    company = await h.client.get_company()
    assert company.id == CID
    assert route.call_count == 2
    assert h.client.stats.network_errors == 1


async def test_pages_until_total_count(h: Harness) -> None:
    route = h.router.get(RECORDS).mock(
        side_effect=[
            ok([raw_record(1), raw_record(2)], page=1, total_count=5),
            ok([raw_record(3), raw_record(4)], page=2, total_count=5),
            ok([raw_record(5)], page=3, total_count=5),
        ]
    )
    pages = [
        p
        async for p in h.client.iter_record_pages(
            start_date=date(2025, 6, 1), end_date=date(2025, 6, 30), page_size=2
        )
    ]
    assert [len(p.records) for p in pages] == [2, 2, 1]
    assert [p.pages_total for p in pages] == [3, 3, 3]
    params = [dict(c.request.url.params) for c in route.calls]
    assert [p["page"] for p in params] == ["1", "2", "3"]
    # end_date + 1: the backend stops at 23:59:00 of end_date
    assert params[0]["end_date"] == "2025-07-01"
    assert params[0]["with_deleted"] == "1"
    assert params[0]["count"] == "2"


async def test_a_short_page_ends_the_scan(h: Harness) -> None:
    route = h.router.get(RECORDS).mock(
        side_effect=[ok([raw_record(1), raw_record(2)], total_count=9), ok([raw_record(3)])]
    )
    got = [
        r.id
        for p in [
            p
            async for p in h.client.iter_record_pages(
                start_date=date(2025, 6, 1), end_date=date(2025, 6, 2), page_size=2
            )
        ]
        for r in p.records
    ]
    assert got == [1, 2, 3]
    assert route.call_count == 2


async def test_changing_total_restarts_the_scan(h: Harness) -> None:
    h.router.get(COMPANY).mock(return_value=ok({"id": CID, "timezone_name": "Europe/Moscow"}))
    route = h.router.get(RECORDS).mock(
        side_effect=[
            ok([raw_record(1), raw_record(2)], total_count=3),
            ok([raw_record(3)], total_count=4),  # a booking arrived mid-scan
            ok([raw_record(1), raw_record(2)], total_count=4),
            ok([raw_record(3), raw_record(4)], total_count=4),
        ]
    )
    records = await h.client.fetch_records(date(2025, 6, 1), date(2025, 6, 30), page_size=2)
    assert [r.id for r in records] == [1, 2, 3, 4]
    assert route.call_count == 4


async def test_repeated_ids_are_deduplicated_and_restart_the_scan(h: Harness) -> None:
    h.router.get(COMPANY).mock(return_value=ok({"id": CID, "timezone_name": "Europe/Moscow"}))
    route = h.router.get(RECORDS).mock(
        side_effect=[
            ok([raw_record(1), raw_record(2)], total_count=4),
            ok([raw_record(2), raw_record(3)], total_count=4),  # pages shifted: 2 again
            ok([raw_record(1), raw_record(2)], total_count=4),
            ok([raw_record(3), raw_record(4)], total_count=4),
        ]
    )
    records = await h.client.fetch_records(date(2025, 6, 1), date(2025, 6, 30), page_size=2)
    assert [r.id for r in records] == [1, 2, 3, 4]
    assert route.call_count == 4


async def test_a_total_that_never_settles_is_reported(h: Harness) -> None:
    counter = iter(range(100, 200))

    def moving(request: httpx.Request) -> httpx.Response:
        return ok([raw_record(next(counter))], total_count=next(counter))

    h.router.get(RECORDS).mock(side_effect=moving)
    with pytest.raises(YClientsUnstableDataError, match="kept changing"):
        async for _ in h.client.iter_record_pages(
            start_date=date(2025, 6, 1), end_date=date(2025, 6, 2), page_size=1, max_restarts=2
        ):
            pass


async def test_fetch_records_keeps_only_local_days_of_the_period(h: Harness) -> None:
    h.router.get(COMPANY).mock(return_value=ok({"id": CID, "timezone_name": "Europe/Moscow"}))
    late = raw_record(2, "2025-06-30", 23)
    next_day = raw_record(3, "2025-07-01", 10)
    h.router.get(RECORDS).mock(return_value=ok([raw_record(1), late, next_day], total_count=3))
    records = await h.client.fetch_records(date(2025, 6, 1), date(2025, 6, 30))
    assert [r.id for r in records] == [1, 2]


async def test_changed_after_is_sent_in_company_local_time(h: Harness) -> None:
    h.router.get(COMPANY).mock(return_value=ok({"id": CID, "timezone_name": "Asia/Yekaterinburg"}))
    route = h.router.get(RECORDS).mock(return_value=ok([], total_count=0))
    async for _ in h.client.iter_record_pages(
        start_date=date(2025, 6, 1),
        end_date=date(2025, 6, 2),
        changed_after=datetime(2025, 6, 2, 7, 0, 30, 999, tzinfo=UTC),
    ):
        pass
    assert route.calls.last.request.url.params["changed_after"] == "2025-06-02T12:00:30"


async def test_malformed_records_are_a_protocol_error(h: Harness) -> None:
    h.router.get(RECORDS).mock(return_value=ok([{"id": "not-a-number"}], total_count=1))
    with pytest.raises(YClientsProtocolError, match="records"):
        async for _ in h.client.iter_record_pages(
            start_date=date(2025, 6, 1), end_date=date(2025, 6, 2)
        ):
            pass
