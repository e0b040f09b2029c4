"""The sandbox over real HTTP, mounted under /yclients like the devstack mounts it."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

import httpx
import pytest

from devstack.yclients_sandbox import (
    DEMO_PARTNER_TOKEN,
    DEMO_SANDBOX_CONFIG,
    DEMO_USER_TOKENS,
    create_sandbox_app,
    demo_sandbox_config,
    sandbox_of,
)
from services.yclients import YClientsNetworkError, YClientsServerError
from tests.yclients.conftest import (
    ANCHOR,
    BARHAT,
    LOTOS,
    FakeClock,
    Served,
    sandbox_client,
    serve_sandbox,
    unlimited_config,
)


def auth(company: int = LOTOS, partner: str = DEMO_PARTNER_TOKEN) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {partner}, User {DEMO_USER_TOKENS[company]}",
        "Accept": "application/vnd.yclients.v2+json",
    }


async def get(
    served: Served,
    path: str,
    headers: dict[str, str],
    *,
    http: httpx.AsyncClient | None = None,
    **params: str,
) -> httpx.Response:
    if http is not None:
        return await http.get(f"{served.base_url}{path}", headers=headers, params=params)
    async with httpx.AsyncClient() as fresh:
        return await fresh.get(f"{served.base_url}{path}", headers=headers, params=params)


def test_demo_config_matches_what_the_lead_seeds() -> None:
    companies = {c.company_id: c for c in DEMO_SANDBOX_CONFIG.companies}
    assert set(companies) == {100001, 100002}
    assert companies[100001].timezone_name == "Europe/Moscow"
    assert companies[100002].timezone_name == "Asia/Yekaterinburg"
    assert companies[100001].name == "Салон «Лотос»"
    assert companies[100002].name == "Студия «Бархат»"
    assert DEMO_SANDBOX_CONFIG.rate_per_second == 5
    assert DEMO_SANDBOX_CONFIG.rate_per_minute == 200
    assert DEMO_USER_TOKENS[100001] not in repr(DEMO_SANDBOX_CONFIG)


async def test_company_and_records_under_a_sub_app_prefix(open_sandbox: Served) -> None:
    assert "/yclients/api/v1" in open_sandbox.base_url
    company = await get(open_sandbox, f"/company/{BARHAT}/", auth(BARHAT))
    assert company.status_code == 200
    assert company.json()["data"]["timezone_name"] == "Asia/Yekaterinburg"
    assert company.json()["data"]["title"] == "Студия «Бархат»"
    records = await get(
        open_sandbox,
        f"/records/{LOTOS}",
        auth(),
        start_date="2025-06-01",
        end_date="2025-06-01",
        count="5",
    )
    body = records.json()
    assert body["success"] is True
    assert body["meta"]["page"] == 1
    assert body["meta"]["total_count"] > 5
    assert len(body["data"]) == 5


async def test_records_carry_the_documented_quirks(open_sandbox: Served) -> None:
    body = (
        await get(
            open_sandbox,
            f"/records/{LOTOS}",
            auth(),
            start_date="2025-05-01",
            end_date="2025-05-31",
            count="1000",
        )
    ).json()
    data = body["data"]
    assert all(re.fullmatch(r".+[+-]\d{4}", r["last_change_date"]) for r in data)
    assert all(re.fullmatch(r".+[+-]\d{2}:\d{2}", r["datetime"]) for r in data)
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", r["date"]) for r in data)
    assert all(isinstance(r["visit_id"], str) for r in data)
    costs = [s["cost"] for r in data for s in r["services"]]
    assert any(isinstance(c, str) for c in costs) and any(isinstance(c, int) for c in costs)
    assert any(r["client"] is None for r in data)
    phones = [r["client"]["phone"] for r in data if r["client"]]
    assert any(isinstance(p, int) for p in phones) and any(isinstance(p, str) for p in phones)
    assert {r["attendance"] for r in data} >= {-1, 0, 1}
    assert not any(r["deleted"] for r in data)


async def test_deleted_records_only_on_request(open_sandbox: Served) -> None:
    async def total(with_deleted: str = "0") -> int:
        response = await get(
            open_sandbox,
            f"/records/{LOTOS}",
            auth(),
            start_date="2025-01-01",
            end_date="2025-06-30",
            count="1",
            with_deleted=with_deleted,
        )
        return int(response.json()["meta"]["total_count"])

    assert await total(with_deleted="1") > await total()


async def test_end_date_stops_at_23_59(open_sandbox: Served) -> None:
    data = open_sandbox.sandbox.data(LOTOS)
    record = data.records[0]
    late = record.start.replace(hour=23, minute=59, second=30)
    open_sandbox.sandbox.update_record(LOTOS, record.id, start=late)
    day = late.date().isoformat()
    body = (
        await get(
            open_sandbox, f"/records/{LOTOS}", auth(), start_date=day, end_date=day, count="1000"
        )
    ).json()
    assert record.id not in [r["id"] for r in body["data"]]


@pytest.mark.parametrize(
    ("path", "headers", "status", "shape"),
    [
        (f"/records/{LOTOS}", {"Authorization": "Bearer wrong, User x"}, 401, "meta"),
        (f"/records/{LOTOS}", {"Authorization": f"Bearer {DEMO_PARTNER_TOKEN}"}, 401, "meta"),
        (
            f"/records/{LOTOS}",
            {"Authorization": f"Bearer {DEMO_PARTNER_TOKEN}, User nope"},
            401,
            "meta",
        ),
        (f"/records/{LOTOS}", auth(BARHAT), 403, "meta"),
        ("/records/999", auth(), 404, "meta"),
        ("/records/abc", auth(), 404, "meta"),
        (f"/company/{LOTOS}/", {"Authorization": "Bearer wrong"}, 401, "errors"),
        ("/company/999/", auth(), 404, "errors"),
    ],
)
async def test_auth_and_lookup_errors_use_the_documented_shapes(
    open_sandbox: Served, path: str, headers: dict[str, str], status: int, shape: str
) -> None:
    response = await get(open_sandbox, path, headers)
    assert response.status_code == status
    body = response.json()
    if shape == "errors":
        assert body["errors"]["code"] == status and body["errors"]["message"]
    else:
        assert body["success"] is False and body["meta"]["message"]


async def test_bad_query_is_422_with_a_field_map(open_sandbox: Served) -> None:
    response = await get(open_sandbox, f"/records/{LOTOS}", auth(), start_date="June")
    assert response.status_code == 422
    assert "[start_date]" in response.json()["meta"]["errors"]


async def test_rate_limit_enforced_with_429_and_retry_after() -> None:
    clock = FakeClock()
    async with (
        serve_sandbox(demo_sandbox_config(anchor=ANCHOR), clock=clock) as served,
        httpx.AsyncClient() as http,
    ):
        path, headers = f"/company/{LOTOS}/", auth()
        statuses = [(await get(served, path, headers, http=http)).status_code for _ in range(6)]
        assert statuses == [200] * 5 + [429]
        throttled = await get(served, path, headers, http=http)
        assert throttled.headers["Retry-After"] == "1"
        assert throttled.json()["success"] is False
        clock.now += 1.0
        assert (await get(served, path, headers, http=http)).status_code == 200
        # the minute window: 200 accepted within 60 s, then 429 until the oldest ages out
        for _ in range(40):
            clock.now += 1.0
            for _ in range(5):
                await get(served, path, headers, http=http)
        clock.now += 1.0
        blocked = await get(served, path, headers, http=http)
        assert blocked.status_code == 429
        assert int(blocked.headers["Retry-After"]) > 1
        assert served.sandbox.throttled >= 3


async def test_fault_knobs_5xx_429_and_hang() -> None:
    async with serve_sandbox(unlimited_config()) as served:
        served.sandbox.fail_next(2, status=502)
        served.sandbox.throttle_next(1, retry_after=None)
        async with sandbox_client(served.base_url, backoff_base=0.001) as client:
            company = await client.get_company()
            assert company.id == LOTOS
            assert client.stats.retries == 3
            assert client.stats.throttled == 1
            statuses = [e.status for e in served.sandbox.log]
            assert statuses == [502, 502, 429, 200]

            served.sandbox.fail_next(10, status=500)
        async with sandbox_client(served.base_url, backoff_base=0.001, max_attempts=2) as c2:
            with pytest.raises(YClientsServerError):
                await c2.get_company()
        served.sandbox.clear_faults()

        served.sandbox.hang_next(1)
        async with sandbox_client(served.base_url, timeout=0.2, max_attempts=1) as c3:
            with pytest.raises(YClientsNetworkError, match="in time"):
                await c3.get_company()
        served.sandbox.release_hangs()
        async with sandbox_client(served.base_url) as c4:
            assert (await c4.get_company()).id == LOTOS


async def test_data_is_deterministic_per_seed() -> None:
    config = demo_sandbox_config(anchor=date(2025, 3, 31))
    one = sandbox_of(create_sandbox_app(config)).data(BARHAT)
    two = sandbox_of(create_sandbox_app(config)).data(BARHAT)
    assert [r.payload for r in one.records[:500]] == [r.payload for r in two.records[:500]]
    assert len(one.records) == len(two.records) > 300 * 15
    other = sandbox_of(create_sandbox_app(replace(config, anchor=date(2025, 4, 1)))).data(BARHAT)
    assert other.records[-1].start.date() == date(2025, 5, 1)
    first = min(r.start.date() for r in one.records)
    assert first == date(2024, 4, 1)
