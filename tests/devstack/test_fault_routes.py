"""Fault routes over HTTP (what `agentp fault` and the chaos suite call): the REST side's 503
and its recovery, the YClients sandbox's bursts and hangs, and the checks on the caller."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from postgrest.exceptions import APIError

from devstack.stack import DevStack
from tests.devstack.rest_helpers import Api

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def control(devstack: DevStack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        base_url=f"{devstack.url}/_devstack/faults",
        headers={"apikey": devstack.info.service_key},
        timeout=30,
    ) as client:
        yield client
    # Whatever a test left behind must not leak into the next one.
    devstack.rest.make_unavailable(0)
    if devstack.yclients is not None:
        devstack.yclients.clear_faults()
        devstack.yclients.release_hangs()


async def test_rest_unavailable_answers_the_gateways_503_until_it_is_lifted(
    control: httpx.AsyncClient, service_api: Api
) -> None:
    assert (await control.post("/rest-unavailable", params={"seconds": 60})).status_code == 200
    table = service_api.sb.schema("dashboard").table("tenants")
    with pytest.raises(APIError) as down:
        await table.select("id").limit(1).retry(False).execute()
    # The gateway's body has no code: only the HTTP status says "try again later".
    assert down.value.code is None and down.value.message == "name resolution failed"
    assert service_api.last.status_code == 503
    with pytest.raises(APIError):
        await table.insert({"name": "never written"}).execute()
    assert service_api.last.status_code == 503

    assert (await control.post("/rest-unavailable", params={"seconds": 0})).status_code == 200
    await table.select("id").limit(1).retry(False).execute()
    assert service_api.last.status_code == 200


async def test_rest_unavailable_ends_by_itself_and_the_clients_get_retry_gets_through(
    control: httpx.AsyncClient, service_api: Api
) -> None:
    seen = len(service_api.seen)
    assert (await control.post("/rest-unavailable", params={"seconds": 0.5})).status_code == 200
    # supabase-py retries a GET on 503 after 1 s (X-Retry-Count: 1): by then the window is over.
    result = await service_api.sb.schema("dashboard").table("tenants").select("id").execute()
    assert isinstance(result.data, list)
    answers = service_api.seen[seen:]
    assert [r.status_code for r in answers] == [503, 200]
    assert answers[1].request.headers["X-Retry-Count"] == "1"


async def test_postgres_stays_down_for_the_seconds_asked_then_comes_back_by_itself(
    control: httpx.AsyncClient, devstack: DevStack, service_api: Api
) -> None:
    down = await control.post("/restart-postgres", params={"seconds": 1})
    assert down.status_code == 200
    # It answered once Postgres was down, and it is still down.
    with pytest.raises((OSError, asyncpg.PostgresError)):
        await asyncpg.connect(devstack.pg.dsn(), timeout=5)
    again = await control.post("/restart-postgres", params={"seconds": 1})
    assert again.status_code == 400 and "already down" in again.json()["message"]
    seen = len(service_api.seen)
    # The client retries a GET on 503 after 1, 2 and 4 s: one of them finds Postgres back.
    result = await service_api.sb.schema("dashboard").table("tenants").select("id").execute()
    assert isinstance(result.data, list)
    statuses = [r.status_code for r in service_api.seen[seen:]]
    assert statuses[0] == 503 and statuses[-1] == 200
    assert service_api.last.status_code == 200


async def test_yclients_bursts_and_hangs_apply_to_the_next_requests_only(
    control: httpx.AsyncClient, devstack: DevStack
) -> None:
    assert devstack.info.yclients_url is not None
    url = f"{devstack.info.yclients_url}/company/1"
    ok = await control.post("/yclients-errors", params={"count": 2, "status": 502})
    assert ok.status_code == 200
    assert (await control.post("/yclients-throttle", params={"seconds": 3})).status_code == 200
    assert (await control.post("/yclients-hang", params={"seconds": 0.2})).status_code == 200
    async with httpx.AsyncClient(timeout=30) as http:
        answers = [await http.get(url) for _ in range(5)]
    # Two 502s, a 429 with the asked Retry-After, a hang answered 503, then the API itself
    # (which wants a token).
    assert [r.status_code for r in answers] == [502, 502, 429, 503, 401]
    assert answers[2].headers["Retry-After"] == "3"


async def test_faults_need_the_service_key_and_sane_parameters(
    control: httpx.AsyncClient, devstack: DevStack
) -> None:
    anon = await control.post(
        "/rest-unavailable", params={"seconds": 60}, headers={"apikey": devstack.info.anon_key}
    )
    assert anon.status_code == 401
    assert not devstack.rest.unavailable
    refused = {
        "count=zero": await control.post("/yclients-errors", params={"count": "zero"}),
        "count=0": await control.post("/yclients-errors", params={"count": 0}),
        "status=404": await control.post("/yclients-errors", params={"status": 404}),
        "seconds=-1": await control.post("/rest-unavailable", params={"seconds": -1}),
    }
    assert {name: r.status_code for name, r in refused.items()} == dict.fromkeys(refused, 400)
    assert not devstack.rest.unavailable
    unknown = await control.post("/unplug-everything")
    assert unknown.status_code == 404 and "rest-unavailable" in unknown.json()["message"]


async def agentp_fault(data_dir: Path, *args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "cli.main",
        "fault",
        *args,
        "--data-dir",
        str(data_dir),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=ROOT,
    )
    out, err = await proc.communicate()
    return proc.returncode or 0, out.decode(), err.decode()


async def test_agentp_fault_sends_the_new_faults_with_their_defaults(
    control: httpx.AsyncClient, devstack: DevStack, tmp_path: Path
) -> None:
    # What a running devstack writes for `agentp fault` to find it.
    state = {"url": devstack.url, "service_key": devstack.info.service_key}
    (tmp_path / "stack.json").write_text(json.dumps(state))
    code, out, err = await agentp_fault(tmp_path, "rest-unavailable")
    assert code == 0, err
    assert "fault rest-unavailable applied" in out
    assert devstack.rest.unavailable, "10 s by default"
    code, out, err = await agentp_fault(tmp_path, "yclients-errors", "--status", "404")
    assert code == 1 and "status must be a 5xx" in err
