"""The refused rows of docs/devstack.md's "PostgREST features" table: each request gets its
status and PostgREST error code, never a 200.

The supported rows are checked in the other test_rest_*.py files. If a refused feature becomes
supported, move its row in the docs and its case from here to a test of what it returns.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from devstack.stack import DevStack

DOCS = Path(__file__).resolve().parents[2] / "docs" / "devstack.md"


@pytest.fixture(scope="module")
async def feature_tables(devstack: DevStack) -> AsyncIterator[tuple[str, str]]:
    s = uuid.uuid4().hex[:6]
    parent, child = f"fparent_{s}", f"fchild_{s}"
    conn = await devstack.connect()
    await conn.execute(
        f"""
        create table {parent} (id int primary key, name text);
        create table {child} (id int primary key, parent_id int references {parent} (id),
                              n int);
        create view {parent}_v as select * from {parent};
        insert into {parent} values (1, 'p');
        insert into {child} values (1, 1, 5);
        create function {parent}_one() returns int language sql as $$ select 1 $$;
        create function {parent}_rows() returns setof {parent} language sql
            as $$ select * from {parent} $$;
        create function {parent}_tab() returns table (id int) language sql
            as $$ select id from {parent} $$;
        """
    )
    await devstack.rest.reload_schema()
    yield parent, child
    await conn.execute(
        f"drop function {parent}_one(); drop function {parent}_rows(); drop view {parent}_v;"
        f"drop function {parent}_tab();"
        f"drop table {child}; drop table {parent}"
    )
    await conn.close()


# (the docs' words for it, method, path, query, headers, status, code); {p} and {c} are the
# parent and child tables.
REFUSED = [
    ("explain()", "GET", "{p}", {"select": "id"},
     {"Accept": 'application/vnd.pgrst.plan+text; for="application/json"'}, 406, "PGRST107"),
    ("explain()", "GET", "{p}", {"select": "id"},
     {"Accept": "application/vnd.pgrst.plan+json; options=analyze|verbose"}, 406, "PGRST107"),
    ("aggregates", "GET", "{p}", {"select": "count()"}, {}, 400, "PGRST123"),
    ("aggregates", "GET", "{c}", {"select": "n.sum()"}, {}, 400, "PGRST123"),
    ("aggregates", "GET", "{c}", {"select": "n.avg(),parent_id"}, {}, 400, "PGRST123"),
    ("spread of a to-many", "GET", "{p}", {"select": "id,...{c}(n)"}, {}, 400, "PGRST119"),
    ("related order through a to-many", "GET", "{p}",
     {"select": "id,{c}(n)", "order": "{c}(n)"}, {}, 400, "PGRST118"),
    ("an operator other than `is null` on an embedded resource", "GET", "{p}",
     {"select": "id,{c}(n)", "{c}": "eq.5"}, {}, 400, "PGRST120"),
    ("a filter on a resource the select does not embed", "GET", "{p}",
     {"select": "id", "{c}.n": "eq.5"}, {}, 400, "PGRST108"),
    ("embedding from a function result that is not a table's rows", "GET", "rpc/{p}_tab",
     {"select": "id,{c}(n)"}, {}, 400, "PGRST200"),
    ("through views", "GET", "{p}_v", {"select": "id,{c}(n)"}, {}, 400, "PGRST200"),
    ("`PUT`", "PUT", "{p}", {"id": "eq.1"}, {}, 405, "PGRST117"),
    ("`text/csv` from a function with a scalar result", "GET", "rpc/{p}_one", {},
     {"Accept": "text/csv"}, 406, "PGRST107"),
    ("other media types", "GET", "{p}", {}, {"Accept": "text/plain"}, 406, "PGRST107"),
    ("other media types", "GET", "{p}", {}, {"Accept": "application/geo+json"}, 406, "PGRST107"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("feature", "method", "path", "query", "headers", "status", "code"),
    REFUSED,
    ids=[f"{r[0]}-{i}" for i, r in enumerate(REFUSED)],
)
async def test_refused_features_answer_their_code_never_200(
    devstack: DevStack,
    feature_tables: tuple[str, str],
    feature: str,
    method: str,
    path: str,
    query: dict[str, str],
    headers: dict[str, str],
    status: int,
    code: str,
) -> None:
    parent, child = feature_tables

    def fill(text: str) -> str:
        return text.replace("{p}", parent).replace("{c}", child)

    key = devstack.info.service_key
    async with httpx.AsyncClient(timeout=30) as http:
        response = await http.request(
            method,
            f"{devstack.info.supabase_url}/rest/v1/{fill(path)}",
            params={fill(k): fill(v) for k, v in query.items()},
            headers={"apikey": key, "Authorization": f"Bearer {key}", **headers},
            json={"id": 1, "name": "x"} if method == "PUT" else None,
        )
    assert (response.status_code, response.json()["code"]) == (status, code), response.text
    assert response.headers["proxy-status"] == f"PostgREST; error={code}"


def test_every_refused_row_of_the_docs_is_tested() -> None:
    text = DOCS.read_text(encoding="utf-8")
    section = text[text.index("### PostgREST features") : text.index("### Schema cache")]
    refused_rows = [
        line for line in section.splitlines() if line.startswith("|") and "| refused" in line
    ]
    assert refused_rows
    for row in refused_rows:
        feature = row.split("|")[1]
        codes = set(re.findall(r"`(PGRST\d+)`", row.split("|")[2]))
        tested = {r[6] for r in REFUSED if r[0] in feature}
        assert tested, f"no refusal case for: {feature.strip()}"
        assert codes == tested, (feature, codes, tested)
    # And no 200 for what the table calls refused: every case above expects an error status.
    assert all(r[5] >= 400 for r in REFUSED)


async def test_views_are_served_only_their_embedding_is_refused(
    devstack: DevStack, feature_tables: tuple[str, str]
) -> None:
    key = devstack.info.service_key
    async with httpx.AsyncClient(timeout=30) as http:
        response = await http.get(
            f"{devstack.info.supabase_url}/rest/v1/{feature_tables[0]}_v",
            headers={"apikey": key},
        )
    assert (response.status_code, response.json()) == (200, [{"id": 1, "name": "p"}])


async def test_embedding_from_a_function_returning_table_rows(
    devstack: DevStack, feature_tables: tuple[str, str]
) -> None:
    parent, child = feature_tables
    key = devstack.info.service_key
    async with httpx.AsyncClient(timeout=30) as http:
        response = await http.get(
            f"{devstack.info.supabase_url}/rest/v1/rpc/{parent}_rows",
            params={"select": f"name,{child}(n)", f"{child}.n": "gt.1"},
            headers={"apikey": key},
        )
    assert (response.status_code, response.json()) == (200, [{"name": "p", child: [{"n": 5}]}])
