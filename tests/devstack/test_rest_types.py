"""Typed filters and RPC arguments: every answer is checked against the same SQL run directly.

PostgREST sends a filter value as an untyped literal (`"iso" = 'DZ'`), so Postgres reads it
as the column's type without modifiers. The expected rows come from exactly that SQL, sent to
the devstack's Postgres in the same test; a REST answer must match it, or fail with the same
SQLSTATE where Postgres refuses the comparison (json has no `=`).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from postgrest.exceptions import APIError

from devstack.stack import DevStack
from tests.devstack.rest_helpers import Api, run_supabase_js

# column -> (SQL type, row 1, row 2, row 3) as SQL literals; row 4 is all NULL.
COLUMNS: dict[str, tuple[str, str, str, str]] = {
    "c_bpchar": ("char(2)", "'DZ'", "'FR'", "'D'"),
    "c_varchar": ("varchar(3)", "'ab'", "'abc'", "'b'"),
    "c_bit": ("bit(3)", "B'101'", "B'110'", "B'001'"),
    "c_varbit": ("varbit(5)", "B'1'", "B'1011'", "B'10'"),
    "c_numeric": ("numeric(5,2)", "1.50", "12.25", "-3"),
    "c_tstz": ("timestamptz", "'2025-01-01 10:00+03'", "'2025-06-01 00:00Z'", "'2024-12-31'"),
    "c_time": ("time", "'10:00'", "'23:59:59.5'", "'00:00'"),
    "c_interval": ("interval", "'1 day'", "'2 hours'", "'1 mon'"),
    "c_uuid": (
        "uuid",
        "'00000000-0000-0000-0000-000000000001'",
        "'00000000-0000-0000-0000-00000000000a'",
        "'ffffffff-0000-0000-0000-000000000000'",
    ),
    "c_enum": ("{mood}", "'happy'", "'sad'", "'ok'"),
    "c_domain": ("{code3}", "'AAA'", "'BB'", "'C'"),
    "c_json": ("json", """'{"a": 1}'""", "'[1, 2]'", "'\"s\"'"),
    "c_jsonb": ("jsonb", """'{"a": 1}'""", "'[1, 2]'", "'\"s\"'"),
    "a_bpchar": ("char(2)[]", "'{DZ,FR}'", "'{AB}'", "'{}'"),
    "a_varchar": ("varchar(3)[]", "'{ab,abc}'", "'{b}'", "'{}'"),
    "a_bit": ("bit(3)[]", "'{101}'", "'{110,001}'", "'{}'"),
    "a_varbit": ("varbit[]", "'{1}'", "'{1011}'", "'{}'"),
    "a_numeric": ("numeric(5,2)[]", "'{1.5,2}'", "'{12.25}'", "'{}'"),
    "a_tstz": ("timestamptz[]", "'{2025-01-01 10:00+03}'", "'{2025-06-01 00:00Z}'", "'{}'"),
    "a_time": ("time[]", "'{10:00}'", "'{23:59:59.5}'", "'{}'"),
    "a_interval": ("interval[]", "'{1 day}'", "'{2 hours}'", "'{}'"),
    "a_uuid": ("uuid[]", "'{00000000-0000-0000-0000-000000000001}'", "'{}'", "'{}'"),
    "a_enum": ("{mood}[]", "'{happy,sad}'", "'{ok}'", "'{}'"),
    "a_domain": ("{code3}[]", "'{AAA}'", "'{BB,C}'", "'{}'"),
}


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _array_literal(values: list[str]) -> str:
    quoted = ['"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values]
    return "{" + ",".join(quoted) + "}"


@pytest.fixture
async def typed(devstack: DevStack, db: asyncpg.Connection) -> AsyncIterator[str]:
    suffix = uuid.uuid4().hex[:8]
    table, mood, code3 = f"typed_{suffix}", f"mood_{suffix}", f"code3_{suffix}"
    columns = ", ".join(
        f"{name} {spec[0].format(mood=mood, code3=code3)}" for name, spec in COLUMNS.items()
    )
    rows = [", ".join([str(i + 1), *(spec[1 + i] for spec in COLUMNS.values())]) for i in range(3)]
    await db.execute(
        f"""
        create type public.{mood} as enum ('sad', 'ok', 'happy');
        create domain public.{code3} as char(3) check (value <> 'ZZZ');
        create table public.{table} (id int primary key, {columns});
        insert into public.{table} values ({"), (".join(rows)}), (4{", null" * len(COLUMNS)});
        create function public.{table}_echo(
            b char(3), v varchar(2), bt bit(3), n numeric(4,1), t timestamptz, tm time,
            i interval, u uuid, e public.{mood}, d public.{code3}, ab char(2)[], j json, jb jsonb
        ) returns text language sql as $$
            select concat_ws('|', b, length(b), v, bt, n, t, tm, i, u, e, d, ab, j, jb)
        $$;
        """
    )
    await devstack.rest.reload_schema()
    yield table
    await db.execute(
        f"drop table public.{table}; drop function public.{table}_echo;"
        f"drop domain public.{code3}; drop type public.{mood};"
    )


async def _rendered(db: asyncpg.Connection, table: str, column: str) -> list[str]:
    """How PostgREST renders rows 1 and 2 of `column` in JSON: what a client sends back."""
    rows = await db.fetch(
        f"select to_json({column})::text as v, {column}::text as t from public.{table} "
        "where id in (1, 2) order by id"
    )
    values = []
    for row in rows:
        # Strings come back bare; arrays and json as their Postgres text form.
        if column.startswith("c_json"):
            values.append(row["v"])
        else:
            values.append(row["t"])
    return values


OPS = {"eq": "=", "neq": "<>", "gt": ">", "lt": "<"}


async def _expected(db: asyncpg.Connection, sql: str) -> list[int] | str:
    try:
        return [r["id"] for r in await db.fetch(sql)]
    except asyncpg.PostgresError as exc:
        return str(exc.sqlstate)


async def _through_rest(api: Api, table: str, op: str, column: str, value: Any) -> list[int] | str:
    query = api.sb.table(table).select("id").order("id")
    try:
        if op == "in":
            response = await query.in_(column, value).execute()
        elif op == "is":
            response = await query.is_(column, value).execute()
        else:
            response = await query.filter(column, op, value).execute()
    except APIError as err:
        return str(err.code)
    return [row["id"] for row in response.data]


async def test_every_type_with_eq_neq_gt_lt_in_is_matches_direct_sql(
    any_service_api: Api, db: asyncpg.Connection, typed: str
) -> None:
    checked = 0
    for column in COLUMNS:
        values = await _rendered(db, typed, column)
        base = f'select id from public.{typed} where "{column}"'
        for value in values:
            for op, sql_op in OPS.items():
                want = await _expected(db, f"{base} {sql_op} {_sql_literal(value)} order by id")
                got = await _through_rest(any_service_api, typed, op, column, value)
                assert got == want, (column, op, value)
                checked += 1
        want = await _expected(
            db, f"{base} = any({_sql_literal(_array_literal(values))}) order by id"
        )
        assert await _through_rest(any_service_api, typed, "in", column, values) == want, column
        want = await _expected(db, f"{base} is null order by id")
        assert await _through_rest(any_service_api, typed, "is", column, None) == want, column
        checked += 2
    assert checked == len(COLUMNS) * 10


async def test_char_2_keeps_both_letters(service_api: Api, typed: str) -> None:
    # The case: 'DZ' cast to `character` (char(1)) became 'D' and matched row 3.
    table = service_api.sb.table(typed)
    assert (await table.select("id").eq("c_bpchar", "DZ").execute()).data == [{"id": 1}]
    assert (await table.select("id").gt("c_bpchar", "DZ").execute()).data == [{"id": 2}]
    assert (await table.select("id").eq("c_bit", "101").execute()).data == [{"id": 1}]


RPC_ARGS: dict[str, Any] = {
    "b": "abc",
    "v": "xy",
    "bt": "101",
    "n": "123.4",
    "t": "2025-06-01T00:00:00+00:00",
    "tm": "23:59:59.5",
    "i": "2 hours",
    "u": "00000000-0000-0000-0000-00000000000a",
    "e": "happy",
    "d": "AAA",
    "ab": ["DZ", "FR"],
    "j": {"a": [1, 2]},
    "jb": {"a": [1, 2]},
}


async def test_rpc_arguments_keep_their_values_whole(
    service_api: Api, db: asyncpg.Connection, typed: str
) -> None:
    want = await db.fetchval(
        f"select public.{typed}_echo('abc', 'xy', '101', '123.4', '2025-06-01T00:00:00+00:00', "
        "'23:59:59.5', '2 hours', '00000000-0000-0000-0000-00000000000a', 'happy', 'AAA', "
        """'{DZ,FR}', '{"a": [1, 2]}', '{"a": [1, 2]}')"""
    )
    assert want.startswith("abc|3|xy|101|123.4|")
    posted = await service_api.sb.rpc(f"{typed}_echo", RPC_ARGS).execute()
    assert posted.data == want
    # GET sends arrays as {..} literals and objects as JSON; json text keeps its spacing there.
    got = await service_api.sb.rpc(f"{typed}_echo", RPC_ARGS, get=True).execute()
    assert got.data.split("|")[:11] == want.split("|")[:11]


@pytest.mark.parametrize("key", ["service_key", "secret_key"])
async def test_types_through_supabase_js(
    key: str, devstack: DevStack, db: asyncpg.Connection, typed: str
) -> None:
    cases = [
        ("eq", "c_bpchar", "DZ"),
        ("neq", "c_bpchar", "DZ"),
        ("gt", "c_bpchar", "DZ"),
        ("lt", "c_varchar", "abc"),
        ("eq", "c_bit", "101"),
        ("gt", "c_numeric", "1.5"),
        ("eq", "c_domain", "AAA"),
        ("lt", "c_enum", "happy"),
        ("eq", "a_bpchar", "{DZ,FR}"),
    ]
    source = f"""
const out = []
for (const [op, col, value] of {json.dumps(cases)}) {{
  const {{ data, error }} = await sb.from('{typed}').select('id').filter(col, op, value).order('id')
  out.push(error ? error.code : data.map(r => r.id))
}}
const inn = await sb.from('{typed}').select('id').in('c_bpchar', ['DZ', 'FR']).order('id')
out.push(inn.data.map(r => r.id))
const rpc = await sb.rpc('{typed}_echo', {json.dumps(RPC_ARGS)})
out.push(rpc.data)
done(out)
"""
    got = await run_supabase_js(devstack.info.supabase_url, getattr(devstack.info, key), source)
    sql = {"eq": "=", "neq": "<>", "gt": ">", "lt": "<"}
    for (op, col, value), answer in zip(cases, got, strict=False):
        want = await _expected(
            db,
            f'select id from public.{typed} where "{col}" {sql[op]} {_sql_literal(value)} '
            "order by id",
        )
        assert answer == want, (op, col, value)
    assert got[len(cases)] == [1, 2]
    assert got[len(cases) + 1].startswith("abc|3|xy|101|123.4|")
