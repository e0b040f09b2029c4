"""Every PostgREST filter operator, JSON paths, logic trees, CSV, Prefer and explain().

Each filter's expected rows come from the equivalent SQL run directly on the devstack's
Postgres in the same test, so the operator means what it means in PostgREST.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
from postgrest.exceptions import APIError

from devstack.stack import DevStack
from tests.devstack.rest_helpers import Api, run_supabase_js


@pytest.fixture
async def ops(devstack: DevStack, db: asyncpg.Connection) -> AsyncIterator[str]:
    t = f"ops_{uuid.uuid4().hex[:8]}"
    await db.execute(
        f"""
        create table public.{t} (
          id int primary key, title text, body text, tsv tsvector, r int4range,
          tags text[], data jsonb, n int, flag boolean, note text default 'dflt'
        );
        insert into public.{t} values
          (1, 'The Fat Cats', 'fat cats ate rats', to_tsvector('english', 'fat cats ate rats'),
           '[1,5)', '{{a,b}}', '{{"a": {{"b": "x"}}, "k": 1}}', 1, true, 'n1'),
          (2, 'a (b), "c"', 'the quick brown fox', to_tsvector('english', 'the quick brown fox'),
           '[5,10)', '{{b,c}}', '{{"a": {{"b": "y"}}, "k": 2}}', 2, false, 'n2'),
          (3, 'Apple pie', 'cats and dogs', to_tsvector('english', 'cats and dogs'),
           '[20,30)', '{{}}', '{{"a": {{"b": "x"}}, "k": 3}}', null, null, 'n3'),
          (4, null, null, null, null, null, null, 4, true, 'n4');
        """
    )
    await devstack.rest.reload_schema()
    yield t
    await db.execute(f"drop table public.{t}")


# (column, operator, value as sent on the wire, the same condition in SQL)
FILTERS = [
    ("body", "fts", "cat & rat", "to_tsvector(body) @@ to_tsquery('cat & rat')"),
    (
        "body",
        "fts(english)",
        "cat & rat",
        "to_tsvector('english', body) @@ to_tsquery('english', 'cat & rat')",
    ),
    ("tsv", "plfts(english)", "cats", "tsv @@ plainto_tsquery('english', 'cats')"),
    (
        "body",
        "phfts(english)",
        "brown fox",
        "to_tsvector('english', body) @@ phraseto_tsquery('english', 'brown fox')",
    ),
    (
        "body",
        "wfts(english)",
        "cats -rats",
        "to_tsvector('english', body) @@ websearch_to_tsquery('english', 'cats -rats')",
    ),
    ("title", "match", "^[A-Z]", "title ~ '^[A-Z]'"),
    ("title", "imatch", "^a", "title ~* '^a'"),
    ("flag", "isdistinct", "true", "flag is distinct from true"),
    ("title", "like(any)", "{*Cat*,Apple*}", "title like any('{%Cat%,Apple%}')"),
    ("title", "like(all)", "{*a*,*e*}", "title like all('{%a%,%e%}')"),
    ("title", "ilike(all)", "{*A*,*T*}", "title ilike all('{%A%,%T%}')"),
    ("title", "match(any)", "{^T,^A}", "title ~ any('{^T,^A}')"),
    ("n", "eq(any)", "{1,3,4}", "n = any('{1,3,4}')"),
    ("n", "gt(all)", "{1,2}", "n > all('{1,2}')"),
    ("n", "lte(any)", "{1}", "n <= any('{1}')"),
    ("r", "sl", "[10,20)", "r << '[10,20)'"),
    ("r", "sr", "[3,4)", "r >> '[3,4)'"),
    ("r", "nxl", "[5,6)", "r &> '[5,6)'"),
    ("r", "nxr", "[5,6)", "r &< '[5,6)'"),
    ("r", "adj", "[10,20)", "r -|- '[10,20)'"),
    ("r", "ov", "[4,6)", "r && '[4,6)'"),
    ("r", "cs", "[2,3)", "r @> '[2,3)'"),
    ("r", "cd", "[0,11)", "r <@ '[0,11)'"),
    ("tags", "ov", "{a,c}", "tags && '{a,c}'"),
    ("tags", "cd", "{a,b,c}", "tags <@ '{a,b,c}'"),
    ("data", "cs", '{"k": 2}', """data @> '{"k": 2}'"""),
    ("data->a->>b", "eq", "x", "data->'a'->>'b' = 'x'"),
    ("data->k", "gt", "1", "data->'k' > '1'"),
    ("data->>k", "in", "(1,3)", "data->>'k' in ('1', '3')"),
    ("flag", "is", "not_null", "flag is not null"),
    ("flag", "not.is", "true", "not (flag is true)"),
    ("title", "neq", 'a (b), "c"', """title <> 'a (b), "c"'"""),
]


async def _sql_ids(db: asyncpg.Connection, table: str, where: str) -> list[int]:
    return [
        r["id"] for r in await db.fetch(f"select id from public.{table} where {where} order by id")
    ]


@pytest.mark.parametrize(
    ("column", "op", "value", "sql"), FILTERS, ids=[f[1] + ":" + f[0] for f in FILTERS]
)
async def test_filter_operator_matches_direct_sql(
    service_api: Api, db: asyncpg.Connection, ops: str, column: str, op: str, value: str, sql: str
) -> None:
    want = await _sql_ids(db, ops, sql)
    negated = op.startswith("not.")
    query = service_api.sb.table(ops).select("id").order("id")
    if negated:
        query = query.not_
    response = await query.filter(column, op.removeprefix("not."), value).execute()
    assert [row["id"] for row in response.data] == want
    assert want, "a case that matches nothing proves little"


LOGIC = [
    ("or", "(tags.cs.{a,b},n.eq.3)", "tags @> '{a,b}' or n = 3"),
    ("or", '(title.eq."a (b), \\"c\\"",id.eq.4)', """title = 'a (b), "c"' or id = 4"""),
    ("and", "(n.gte.1,not.or(id.eq.1,id.eq.2))", "n >= 1 and not (id = 1 or id = 2)"),
    ("not.and", "(flag.is.true,n.lt.4)", "not (flag is true and n < 4)"),
    ("or", '(r.adj."[10,20)",data->a->>b.eq.y)', "r -|- '[10,20)' or data->'a'->>'b' = 'y'"),
    (
        "or",
        "(id.in.(1,2),title.like(any).{*pie,*Cat*})",
        "id in (1, 2) or title like any('{%pie,%Cat%}')",
    ),
]


@pytest.mark.parametrize(("key", "value", "sql"), LOGIC)
async def test_logic_trees_match_direct_sql(
    raw_service: object, db: asyncpg.Connection, ops: str, key: str, value: str, sql: str
) -> None:
    import httpx

    assert isinstance(raw_service, httpx.AsyncClient)
    want = await _sql_ids(db, ops, sql)
    response = await raw_service.get(f"/{ops}", params={"select": "id", "order": "id", key: value})
    assert response.status_code == 200, response.text
    assert [row["id"] for row in response.json()] == want
    assert want


async def test_json_paths_in_select_and_order(service_api: Api, ops: str) -> None:
    data = (
        await service_api.sb.table(ops)
        .select("id, data->a->>b, k:data->k, kk:data->>k::int")
        .not_.is_("data", None)
        .order("data->k", desc=True)
        .execute()
    ).data
    assert data == [
        {"id": 3, "b": "x", "k": 3, "kk": 3},
        {"id": 2, "b": "y", "k": 2, "kk": 2},
        {"id": 1, "b": "x", "k": 1, "kk": 1},
    ]


async def test_csv_output(service_api: Api, ops: str) -> None:
    response = (
        await service_api.sb.table(ops)
        .select("id, title, n")
        .lte("id", 3)
        .order("id")
        .csv()
        .execute()
    )
    # Each line is the row as Postgres writes a record, as PostgREST sends it.
    assert response.data == 'id,title,n\n1,"The Fat Cats",1\n2,"a (b), ""c""",2\n3,"Apple pie",'
    assert service_api.last.headers["content-type"] == "text/csv; charset=utf-8"


@pytest.mark.parametrize("count", ["exact", "planned", "estimated"])
async def test_count_with_content_range(service_api: Api, ops: str, count: str) -> None:
    response = await service_api.sb.table(ops).select("id", count=count).limit(2).execute()  # type: ignore[arg-type]
    # planned is the planner's estimate, as in PostgREST; estimated counts this few exactly.
    total = response.count if count == "planned" else 4
    assert isinstance(total, int)
    assert response.count == total
    assert service_api.last.headers["content-range"] == f"0-1/{total}"
    assert service_api.last.status_code == (206 if total > 2 else 200)


async def test_prefer_return_variants(service_api: Api, raw_service: object, ops: str) -> None:
    import httpx

    assert isinstance(raw_service, httpx.AsyncClient)
    headers_only = await raw_service.post(
        f"/{ops}", json={"id": 10, "title": "h"}, headers={"Prefer": "return=headers-only"}
    )
    assert (headers_only.status_code, headers_only.text) == (201, "")
    assert headers_only.headers["location"] == f"/{ops}?id=eq.10"
    minimal = await raw_service.post(
        f"/{ops}", json={"id": 11, "title": "m"}, headers={"Prefer": "return=minimal"}
    )
    assert (minimal.status_code, minimal.text, "location" in minimal.headers) == (201, "", False)
    full = await raw_service.post(
        f"/{ops}",
        json=[{"id": 12}, {"id": 13, "note": None}],
        params={"columns": "id,note"},
        headers={"Prefer": "return=representation,missing=default"},
    )
    assert [row["note"] for row in full.json()] == ["dflt", None]
    merged = await service_api.sb.table(ops).upsert({"id": 12, "title": "merged"}).execute()
    assert merged.data[0]["title"] == "merged"
    ignored = (
        await service_api.sb.table(ops)
        .upsert(
            [{"id": 12, "title": "ignored"}, {"id": 14, "title": "new"}], ignore_duplicates=True
        )
        .execute()
    )
    assert [row["id"] for row in ignored.data] == [14]


@pytest.fixture
async def raw_service(devstack: DevStack) -> AsyncIterator[object]:
    import httpx

    key = devstack.info.service_key
    async with httpx.AsyncClient(
        base_url=f"{devstack.info.supabase_url}/rest/v1",
        headers={"apikey": key, "Authorization": f"Bearer {key}"},
        timeout=30,
    ) as client:
        yield client


async def test_explain_is_refused_by_both_clients(
    devstack: DevStack, service_api: Api, ops: str
) -> None:
    with pytest.raises(APIError) as err:
        await service_api.sb.table(ops).select("id").explain(analyze=True).execute()
    assert err.value.code == "PGRST107"
    assert service_api.last.status_code == 406
    out = await run_supabase_js(
        devstack.info.supabase_url,
        devstack.info.service_key,
        f"const r = await sb.from('{ops}').select('id').explain()\n"
        "done([r.status, r.error && r.error.code, r.error && r.error.message])",
    )
    assert out == [
        406,
        "PGRST107",
        "None of these media types are available: "
        'application/vnd.pgrst.plan+text; for="application/json"',
    ]


@pytest.mark.parametrize("key", ["service_key", "secret_key"])
async def test_operators_through_supabase_js_builders(
    key: str, devstack: DevStack, db: asyncpg.Connection, ops: str
) -> None:
    body = f"""
const t = () => sb.from('{ops}').select('id').order('id')
const ids = (r) => r.error ? r.error.code : r.data.map(x => x.id)
const out = {{}}
out.textSearch = ids(await t().textSearch('body', "'cat' & 'rat'", {{ config: 'english' }}))
out.plain = ids(await t().textSearch('body', 'cats', {{ type: 'plain', config: 'english' }}))
out.phrase = ids(await t().textSearch('body', 'brown fox', {{ type: 'phrase', config: 'english' }}))
out.websearch = ids(await t().textSearch('body', 'cats -rats', {{ type: 'websearch' }}))
out.overlaps = ids(await t().overlaps('tags', ['a', 'c']))
out.contains = ids(await t().contains('data', {{ k: 2 }}))
out.containedBy = ids(await t().containedBy('tags', ['a', 'b', 'c']))
out.rangeLt = ids(await t().rangeLt('r', '[10,20)'))
out.rangeGt = ids(await t().rangeGt('r', '[3,4)'))
out.rangeGte = ids(await t().rangeGte('r', '[5,6)'))
out.rangeLte = ids(await t().rangeLte('r', '[5,6)'))
out.rangeAdjacent = ids(await t().rangeAdjacent('r', '[10,20)'))
out.likeAnyOf = ids(await t().likeAnyOf('title', ['%Cat%', 'Apple%']))
out.ilikeAllOf = ids(await t().ilikeAllOf('title', ['%A%', '%T%']))
out.match = ids(await t().match({{ n: 2, flag: false }}))
out.imatch = ids(await t().filter('title', 'imatch', '^a'))
out.isDistinct = ids(await t().isDistinct('flag', true))
out.notOr = ids(await t().not('id', 'in', '(1,2)').or('n.eq.3,and(flag.is.true,n.gt.1)'))
out.jsonPath = ids(await t().eq('data->a->>b', 'x'))
const csv = await sb.from('{ops}').select('id, n').lte('id', 2).order('id').csv()
out.csv = csv.data
const counted = await sb.from('{ops}').select('id', {{ count: 'exact', head: true }})
out.count = counted.count
done(out)
"""
    out = await run_supabase_js(devstack.info.supabase_url, getattr(devstack.info, key), body)
    expected_sql = {
        "textSearch": "to_tsvector('english', body) @@ to_tsquery('english', '''cat'' & ''rat''')",
        "plain": "to_tsvector('english', body) @@ plainto_tsquery('english', 'cats')",
        "phrase": "to_tsvector('english', body) @@ phraseto_tsquery('english', 'brown fox')",
        "websearch": "to_tsvector(body) @@ websearch_to_tsquery('cats -rats')",
        "overlaps": "tags && '{a,c}'",
        "contains": """data @> '{"k": 2}'""",
        "containedBy": "tags <@ '{a,b,c}'",
        "rangeLt": "r << '[10,20)'",
        "rangeGt": "r >> '[3,4)'",
        "rangeGte": "r &> '[5,6)'",
        "rangeLte": "r &< '[5,6)'",
        "rangeAdjacent": "r -|- '[10,20)'",
        "likeAnyOf": "title like any('{%Cat%,Apple%}')",
        "ilikeAllOf": "title ilike all('{%A%,%T%}')",
        "match": "n = 2 and flag = false",
        "imatch": "title ~* '^a'",
        "isDistinct": "flag is distinct from true",
        "notOr": "not (id in (1, 2)) and (n = 3 or (flag is true and n > 1))",
        "jsonPath": "data->'a'->>'b' = 'x'",
    }
    for name, where in expected_sql.items():
        assert out[name] == await _sql_ids(db, ops, where), name
    assert out["csv"] == "id,n\n1,1\n2,2"
    assert out["count"] == 4


async def test_range_header_on_get(raw_service: object, ops: str) -> None:
    import httpx

    assert isinstance(raw_service, httpx.AsyncClient)
    params = {"select": "id", "order": "id"}
    ranged = await raw_service.get(f"/{ops}", params=params, headers={"Range": "1-2"})
    assert [row["id"] for row in ranged.json()] == [2, 3]
    assert ranged.headers["content-range"] == "1-2/*"
    limited = await raw_service.get(
        f"/{ops}", params={**params, "limit": "1"}, headers={"Range": "1-2"}
    )
    assert limited.status_code == 416
    assert limited.json()["details"] == "Limit should be greater than or equal to zero."
    backwards = await raw_service.get(f"/{ops}", params=params, headers={"Range": "3-1"})
    assert (backwards.status_code, backwards.json()["code"]) == (416, "PGRST103")


@pytest.mark.parametrize("key", ["service_key", "secret_key"])
async def test_writes_and_prefer_through_supabase_js(
    key: str, devstack: DevStack, db: asyncpg.Connection, ops: str
) -> None:
    body = f"""
const t = () => sb.from('{ops}')
const out = {{}}
const minimal = await t().insert({{ id: 20, title: 'm' }})
out.minimal = [minimal.status, minimal.data]
const rep = await t().insert({{ id: 21, title: 'r' }}).select('id, note')
out.representation = [rep.status, rep.data]
const dflt = await t().insert([{{ id: 22 }}, {{ id: 23, title: 't' }}], {{ defaultToNull: false }})
  .select('id, note').order('id')
out.missingDefault = dflt.data
const merged = await t().upsert({{ id: 21, title: 'merged' }}).select('id, title')
out.merge = [merged.status, merged.data]
const ignored = await t().upsert([{{ id: 21, title: 'no' }}, {{ id: 24, title: 'yes' }}],
  {{ ignoreDuplicates: true }}).select('id')
out.ignore = ignored.data
const counted = await t().insert({{ id: 25 }}, {{ count: 'exact' }})
out.insertCount = counted.count
const upd = await t().update({{ title: 'u' }}).in('id', [22, 23]).select('id, title').order('id')
out.update = upd.data
const del = await t().delete().eq('id', 25)
out.deleteStatus = del.status
const unfiltered = await t().delete()
out.unfiltered = [unfiltered.status, unfiltered.error.code]
const json = await t().select('id, data->a->>b, k:data->k').eq('id', 2)
out.jsonPath = json.data
done(out)
"""
    out = await run_supabase_js(devstack.info.supabase_url, getattr(devstack.info, key), body)
    assert out["minimal"] == [201, None]
    assert out["representation"] == [201, [{"id": 21, "note": "dflt"}]]
    assert out["missingDefault"] == [{"id": 22, "note": "dflt"}, {"id": 23, "note": "dflt"}]
    assert out["merge"] == [200, [{"id": 21, "title": "merged"}]]
    assert out["ignore"] == [{"id": 24}]
    assert out["insertCount"] == 1
    assert out["update"] == [{"id": 22, "title": "u"}, {"id": 23, "title": "u"}]
    assert out["deleteStatus"] == 204
    assert out["unfiltered"] == [400, "21000"]
    assert out["jsonPath"] == [{"id": 2, "b": "y", "k": 2}]
    assert await db.fetchval(f"select count(*) from public.{ops} where id = 25") == 0
