"""Parameterised SQL for reads, writes and RPC calls, shaped like PostgREST's statements.

Values only ever travel as bind parameters, sent as text and cast to the column's type in SQL
(`$1::text::bigint`), so Postgres parses them and reports bad input with its own 22P02 text.
Identifiers come from the schema cache (or are checked against it) and are always quoted.
Every statement returns one row: (total, page_total, body), the body rendered by Postgres
(`json_agg`) so timestamps, numerics and jsonb look exactly as PostgREST renders them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from devstack.rest.query import BINARY_OPS, Condition, Logic, OrderTerm, Query, SelectItem
from devstack.rest.schema_cache import Column, Function, Relation

TEXT_TYPES = {"text", "character varying", "character", "name", "citext"}


class UnknownColumn(Exception):
    """A column not in the schema cache; the caller reloads once, then reports 42703."""

    def __init__(self, column: str) -> None:
        super().__init__(column)
        self.column = column


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def qualified(schema: str, name: str) -> str:
    return f"{ident(schema)}.{ident(name)}"


class Params:
    def __init__(self) -> None:
        self.values: list[Any] = []

    def add(self, value: Any) -> str:
        self.values.append(value)
        return f"${len(self.values)}"


@dataclass(frozen=True)
class Target:
    """What column references resolve against: a table, or a function call's result."""

    qualifier: str  # SQL that prefixes a column, e.g. "public"."todos"
    columns: dict[str, Column]

    def column(self, name: str) -> Column:
        col = self.columns.get(name)
        if col is None:
            raise UnknownColumn(name)
        return col

    def ref(self, name: str) -> str:
        self.column(name)
        return f"{self.qualifier}.{ident(name)}"


def _condition(target: Target, cond: Condition, params: Params) -> str:
    col = target.column(cond.column)
    expr = target.ref(cond.column)
    textual = col.type in TEXT_TYPES
    if cond.op == "is":
        sql = f"{expr} is {cond.value}"  # one of IS_VALUES, checked by the parser
    elif cond.op == "in":
        sql = f"{expr} = any({params.add(list(cond.value))}::text[]::{col.type}[])"
    elif cond.op in ("like", "ilike", "match", "imatch"):
        lhs = expr if textual else f"{expr}::text"
        op = BINARY_OPS[cond.op]
        if cond.quantifier:
            sql = f"{lhs} {op} {cond.quantifier}({params.add(list(cond.value))}::text[])"
        else:
            sql = f"{lhs} {op} {params.add(cond.value)}::text"
    elif cond.quantifier:
        value = params.add(list(cond.value))
        sql = f"{expr} {BINARY_OPS[cond.op]} {cond.quantifier}({value}::text[]::{col.type}[])"
    else:
        sql = f"{expr} {BINARY_OPS[cond.op]} {params.add(cond.value)}::text::{col.type}"
    return f"not ({sql})" if cond.negated else sql


def _logic(target: Target, node: Condition | Logic, params: Params) -> str:
    if isinstance(node, Condition):
        return _condition(target, node, params)
    parts = [_logic(target, child, params) for child in node.children]
    sql = "(" + f" {node.conjunction} ".join(parts) + ")"
    return f"not {sql}" if node.negated else sql


def where_clause(target: Target, where: list[Condition | Logic], params: Params) -> str:
    if not where:
        return ""
    return " where " + " and ".join(_logic(target, node, params) for node in where)


def projection(target: Target, items: list[SelectItem]) -> str:
    parts = []
    for item in items:
        if item.column is None:
            parts.append(f"{target.qualifier}.*")
        else:
            parts.append(f"{target.ref(item.column)} as {ident(item.alias or item.column)}")
    return ", ".join(parts)


def order_clause(target: Target, order: list[OrderTerm]) -> str:
    if not order:
        return ""
    terms = []
    for term in order:
        sql = f"{target.ref(term.column)} {'desc' if term.desc else 'asc'}"
        if term.nulls:
            sql += f" nulls {term.nulls}"
        terms.append(sql)
    return " order by " + ", ".join(terms)


def body_expr(shape: str, strip_nulls: bool) -> str:
    """shape: "array" (a JSON array), "object" (the only row, bare) or "none" (no body)."""
    row = "json_strip_nulls(to_json(_pgrst_t))" if strip_nulls else "to_json(_pgrst_t)"
    if shape == "array":
        return f"coalesce(json_agg({row}), '[]')::text"
    if shape == "object":
        return f"coalesce(json_agg({row}) -> 0, 'null')::text"
    return "null::text"


@dataclass
class Statement:
    sql: str
    params: list[Any]
    # For Prefer: count=planned|estimated: the plain filtered scan to EXPLAIN or count, and
    # the leading parameters it uses.
    count_sql: str | None = None
    count_params: list[Any] | None = None


def build_read(
    source: str,
    target: Target,
    query: Query,
    params: Params,
    *,
    shape: str,
    strip_nulls: bool,
    exact_count: bool,
) -> Statement:
    where = where_clause(target, query.where, params)
    count_params = list(params.values)
    inner = f"select {projection(target, query.select)} from {source}{where}"
    inner += order_clause(target, query.order)
    if query.limit is not None:
        inner += f" limit {params.add(query.limit)}::bigint"
    if query.offset:
        inner += f" offset {params.add(query.offset)}::bigint"
    count_sql = f"select 1 from {source}{where}"
    total = f"(select count(*) from ({count_sql}) _pgrst_c)" if exact_count else "null::bigint"
    sql = (
        f"select {total} as total, count(*) as page_total, "
        f"{body_expr(shape, strip_nulls)} as body from ({inner}) _pgrst_t"
    )
    return Statement(sql, params.values, count_sql, count_params)


def _finish_write(
    cte: str, rel: Relation, query: Query, *, returning: bool, shape: str, strip_nulls: bool
) -> str:
    inner = "select 1 from pgrst_source"
    if returning:
        source = Target('"pgrst_source"', rel.columns)
        inner = f"select {projection(source, query.select)} from pgrst_source"
    return (
        f"with {cte} select null::bigint as total, count(*) as page_total, "
        f"{body_expr(shape if returning else 'none', strip_nulls)} as body "
        f"from ({inner}) _pgrst_t"
    )


def build_insert(
    rel: Relation,
    rows: list[dict[str, Any]],
    columns: list[str],
    query: Query,
    *,
    missing_default: bool,
    resolution: str | None,
    returning: bool,
    shape: str,
    strip_nulls: bool,
) -> Statement:
    params = Params()
    table = qualified(rel.schema, rel.name)
    for name in columns:
        Target(table, rel.columns).column(name)
    # With missing=default, rows that lack a key must get that column's DEFAULT, which an
    # INSERT can only express by leaving the column out: one INSERT per distinct key set.
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        cols = tuple(c for c in columns if c in row) if missing_default else tuple(columns)
        groups.setdefault(cols, []).append(row)
    if not groups:
        groups[tuple(columns)] = []
    spec = ""
    if resolution:
        target_cols = query.on_conflict or list(rel.primary_key)
        for name in target_cols:
            Target(table, rel.columns).column(name)
        spec = f" ({', '.join(map(ident, target_cols))})" if target_cols else ""
    ctes = []
    returned = f"{table}.*" if returning else "1"
    for i, (cols, group) in enumerate(groups.items()):
        col_list = ", ".join(map(ident, cols))
        target_list = f" ({col_list})" if cols else ""
        clause = ""
        if resolution == "merge-duplicates" and cols:
            sets = ", ".join(f"{ident(c)} = excluded.{ident(c)}" for c in cols)
            clause = f" on conflict{spec} do update set {sets}"
        elif resolution:
            clause = f" on conflict{spec} do nothing"
        payload = params.add(json.dumps(group))
        ctes.append(
            f"pgrst_ins_{i} as (insert into {table}{target_list} select {col_list} "
            f"from json_populate_recordset(null::{table}, {payload}::json) _{clause} "
            f"returning {returned})"
        )
    union = " union all ".join(f"select * from pgrst_ins_{i}" for i in range(len(ctes)))
    cte = ", ".join([*ctes, f"pgrst_source as ({union})"])
    sql = _finish_write(cte, rel, query, returning=returning, shape=shape, strip_nulls=strip_nulls)
    return Statement(sql, params.values)


def build_update(
    rel: Relation,
    values: dict[str, Any],
    query: Query,
    *,
    returning: bool,
    shape: str,
    strip_nulls: bool,
) -> Statement:
    params = Params()
    table = qualified(rel.schema, rel.name)
    target = Target(table, rel.columns)
    for name in values:
        target.column(name)
    sets = ", ".join(f"{ident(c)} = _pgrst_body.{ident(c)}" for c in values)
    payload = params.add(json.dumps(values))
    where = where_clause(target, query.where, params)
    returned = f"{table}.*" if returning else "1"
    cte = (
        f"pgrst_source as (update {table} set {sets} from (select * from "
        f"json_populate_record(null::{table}, {payload}::json)) _pgrst_body{where} "
        f"returning {returned})"
    )
    sql = _finish_write(cte, rel, query, returning=returning, shape=shape, strip_nulls=strip_nulls)
    return Statement(sql, params.values)


def build_delete(
    rel: Relation, query: Query, *, returning: bool, shape: str, strip_nulls: bool
) -> Statement:
    params = Params()
    table = qualified(rel.schema, rel.name)
    where = where_clause(Target(table, rel.columns), query.where, params)
    returned = f"{table}.*" if returning else "1"
    cte = f"pgrst_source as (delete from {table}{where} returning {returned})"
    sql = _finish_write(cte, rel, query, returning=returning, shape=shape, strip_nulls=strip_nulls)
    return Statement(sql, params.values)


def rpc_call(
    fn: Function, args: dict[str, Any], params: Params, *, from_body: bool
) -> tuple[str, str]:
    """(FROM items that bind the arguments, the call expression)."""
    name = qualified(fn.schema, fn.name)
    if fn.single_unnamed_json:
        return "", f"{name}({params.add(json.dumps(args))}::text::{fn.args[0].type})"
    given = [a for a in fn.args if a.name in args]
    if from_body:
        # json_to_record turns JSON arrays into Postgres arrays and keeps nested json as json.
        binds = ""
        if given:
            payload = params.add(json.dumps({a.name: args[a.name] for a in given}))
            defs = ", ".join(f"{ident(a.name)} {a.type}" for a in given)
            binds = f"json_to_record({payload}::json) as _pgrst_args({defs}), "
        call_args = ", ".join(f"{ident(a.name)} := _pgrst_args.{ident(a.name)}" for a in given)
        return binds, f"{name}({call_args})"
    call_args = ", ".join(
        f"{ident(a.name)} := {params.add(str(args[a.name]))}::text::{a.type}" for a in given
    )
    return "", f"{name}({call_args})"


def build_rpc_scalar(
    fn: Function, binds: str, call: str, params: Params, query: Query, *, strip_nulls: bool
) -> Statement:
    if fn.returns_set:
        inner = f"select pgrst_scalar from {binds}{call} as pgrst_scalar"
        if query.limit is not None:
            inner += f" limit {params.add(query.limit)}::bigint"
        if query.offset:
            inner += f" offset {params.add(query.offset)}::bigint"
        sql = (
            "select null::bigint as total, count(*) as page_total, "
            "coalesce(json_agg(_pgrst_t.pgrst_scalar), '[]')::text as body "
            f"from ({inner}) _pgrst_t"
        )
    else:
        source = f" from {binds.rstrip(', ')}" if binds else ""
        body = "null::text" if fn.is_void else f"to_json({call})::text"
        if fn.is_void:
            sql = (
                f"select null::bigint as total, 1::bigint as page_total, {body} as body "
                f"from (select {call}{source}) _pgrst_t"
            )
        else:
            sql = f"select null::bigint as total, 1::bigint as page_total, {body} as body{source}"
    return Statement(sql, params.values)
