"""Run the conformance cases against one endpoint, and compare two runs.

An endpoint is a REST URL, a service key and a Postgres URL: the tables are made and dropped
with SQL (the REST API cannot create tables), the cases go through HTTP as a client sends them.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx

from devstack.conformance.cases import CASES, SETUP_SQL, TEARDOWN_SQL, Case

# Headers whose value belongs to the answer; the others (dates, lengths, servers) do not.
COMPARED_HEADERS = ("content-range", "content-type", "location", "preference-applied")
# A real project reloads its schema cache asynchronously after NOTIFY.
SCHEMA_WAIT_SECONDS = 30.0


@dataclass(frozen=True)
class Endpoint:
    label: str
    url: str  # the project URL, e.g. https://xyz.supabase.co
    key: str  # a service key: the secret key or the legacy service_role JWT
    db_url: str


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: Any


def _fill(text: str, prefix: str) -> str:
    return text.replace("{p}", prefix)


def _normalise(value: Any, prefix: str) -> Any:
    """Put the run's random prefix back to `{p}` so two runs compare equal."""
    if isinstance(value, str):
        return value.replace(prefix, "{p}")
    if isinstance(value, list):
        return [_normalise(v, prefix) for v in value]
    if isinstance(value, dict):
        return {_normalise(k, prefix): _normalise(v, prefix) for k, v in value.items()}
    return value


async def _send(http: httpx.AsyncClient, case: Case, prefix: str) -> Answer:
    params: list[tuple[str, str | int | float | bool | None]] = [
        (_fill(k, prefix), _fill(v, prefix)) for k, v in case.params
    ]
    headers = {k: _fill(v, prefix) for k, v in case.headers.items()}
    response = await http.request(
        case.method,
        f"/rest/v1/{_fill(case.path, prefix)}",
        params=params,
        headers=headers,
        content=None if case.body is None else json.dumps(case.body),
    )
    text = response.text
    body: Any
    try:
        body = json.loads(text) if text else None
    except ValueError:
        body = text
    kept = {h: response.headers[h] for h in COMPARED_HEADERS if h in response.headers}
    return Answer(response.status_code, _normalise(kept, prefix), _normalise(body, prefix))


async def _wait_for_tables(http: httpx.AsyncClient, prefix: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SCHEMA_WAIT_SECONDS
    while True:
        response = await http.get(f"/rest/v1/{prefix}_todos", params={"select": "id"})
        if response.status_code == 200:
            return
        if loop.time() > deadline:
            raise RuntimeError(
                f"the schema cache never showed {prefix}_todos: {response.status_code} "
                f"{response.text[:200]}"
            )
        await asyncio.sleep(0.5)


async def run_cases(endpoint: Endpoint, cases: list[Case] | None = None) -> dict[str, Answer]:
    """Create the tables, send every case in order, drop the tables."""
    prefix = f"conformance_{secrets.token_hex(4)}"
    conn = await asyncpg.connect(endpoint.db_url)
    headers = {
        "apikey": endpoint.key,
        "Authorization": f"Bearer {endpoint.key}",
        "Content-Type": "application/json",
    }
    answers: dict[str, Answer] = {}
    try:
        await conn.execute(_fill(SETUP_SQL, prefix))
        async with httpx.AsyncClient(base_url=endpoint.url, headers=headers, timeout=30) as http:
            await _wait_for_tables(http, prefix)
            for case in cases or CASES:
                answers[case.name] = await _send(http, case, prefix)
    finally:
        await conn.execute(_fill(TEARDOWN_SQL, prefix))
        await conn.close()
    return answers


def differences(
    left: dict[str, Answer], right: dict[str, Answer], labels: tuple[str, str]
) -> list[str]:
    """One readable paragraph per case whose answers differ."""
    out: list[str] = []
    for name in left:
        a, b = left[name], right.get(name)
        if b is None:
            out.append(f"{name}: missing on {labels[1]}")
            continue
        lines = []
        if a.status != b.status:
            lines.append(f"  status: {labels[0]} {a.status}, {labels[1]} {b.status}")
        for header in sorted(set(a.headers) | set(b.headers)):
            if a.headers.get(header) != b.headers.get(header):
                lines.append(
                    f"  {header}: {labels[0]} {a.headers.get(header)!r}, "
                    f"{labels[1]} {b.headers.get(header)!r}"
                )
        if a.body != b.body:
            lines.append(f"  body: {labels[0]} {json.dumps(a.body, ensure_ascii=False)}")
            lines.append(f"        {labels[1]} {json.dumps(b.body, ensure_ascii=False)}")
        if lines:
            out.append(f"{name}:\n" + "\n".join(lines))
    return out


async def compare(left: Endpoint, right: Endpoint) -> tuple[list[str], int]:
    """(the differences, how many cases ran): each side gets tables of its own."""
    a = await run_cases(left)
    b = await run_cases(right)
    return differences(a, b, (left.label, right.label)), len(a)
