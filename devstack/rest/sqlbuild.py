"""Parameterised SQL for reads, writes and RPC calls, shaped like PostgREST's statements.

Values only ever travel as bind parameters, sent as text and cast to the column's type in SQL
(`$1::text::bigint`), so Postgres parses them and reports bad input with its own 22P02 text.
Identifiers come from the schema cache (or are checked against it) and are always quoted.
Every statement returns one row: (total, page_total, body), the body rendered by Postgres
(`json_agg`) so timestamps, numerics and jsonb look exactly as PostgREST renders them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any

from devstack.rest.embedding import EmbedNode
from devstack.rest.errors import pgrst
from devstack.rest.query import (
    BINARY_OPS,
    FTS_OPS,
    Condition,
    Embed,
    JsonPath,
    Logic,
    OrderTerm,
    Query,
    SelectItem,
)
from devstack.rest.schema_cache import Column, Function, Relation


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
class Related:
    """A to-one embedded resource, for `order=rel(col)`: its table and join columns."""

    table: str
    columns: dict[str, Column]
    pairs: tuple[tuple[str, str], ...]  # (parent column, related column)


@dataclass(frozen=True)
class Target:
    """What column references resolve against: a table, or a function call's result."""

    qualifier: str  # SQL that prefixes a column, e.g. "public"."todos"
    columns: dict[str, Column]
    # Embedded resources of this level: label -> the alias of their lateral join.
    embeds: dict[str, str] = field(default_factory=dict)
    related: dict[str, Related] = field(default_factory=dict)

    def column(self, name: str) -> Column:
        col = self.columns.get(name)
        if col is None:
            raise UnknownColumn(name)
        return col

    def ref(self, name: str) -> str:
        self.column(name)
        return f"{self.qualifier}.{ident(name)}"


def _json_key(key: str) -> str:
    body = key.removeprefix("-")
    if body.isdigit():
        return key  # an array index, as PostgREST sends it: ->0, ->-1
    return "'" + key.replace("'", "''") + "'"


def json_path_sql(expr: str, path: JsonPath) -> str:
    return expr + "".join(f"{arrow}{_json_key(key)}" for arrow, key in path)


def _operand(target: Target, column: str, path: JsonPath) -> tuple[str, str]:
    """(SQL of the filtered expression, the type its values are cast to)."""
    col = target.column(column)
    expr = json_path_sql(target.ref(column), path)
    if path and path[-1][0] == "->>":
        return expr, "pg_catalog.text"
    return expr, col.cast


def array_literal(values: str | tuple[str, ...]) -> str:
    """PostgREST's pgBuildArrayLiteral: every element double-quoted, so Postgres parses each
    one as the column's type."""
    items = (values,) if isinstance(values, str) else values

    def quoted(value: str) -> str:
        value = value.replace("\x00", "").replace("\\", "\\\\").replace('"', '\\"')
        return f'"{value}"'

    return "{" + ",".join(quoted(v) for v in items) + "}"


def _embed_null_filter(target: Target, cond: Condition) -> str:
    # `cities=not.is.null`: keep the rows whose embedded resource is (not) empty.
    if cond.op != "is" or cond.value not in ("null", "not_null") or cond.path:
        raise pgrst(
            400,
            "PGRST120",
            f"Bad operator on the '{cond.column}' embedded resource",
            details="Only is null or not is null filters are allowed on embedded resources",
        )
    is_null = (cond.value == "null") != cond.negated
    return f"{target.embeds[cond.column]}.body is {'' if is_null else 'not '}null"


def _condition(target: Target, cond: Condition, params: Params) -> str:
    if cond.column in target.embeds and cond.column not in target.columns:
        return _embed_null_filter(target, cond)
    expr, cast = _operand(target, cond.column, cond.path)
    op = cond.op
    if op == "is":
        sql = f"{expr} is {'not null' if cond.value == 'not_null' else cond.value}"
    elif op == "in":
        sql = f"{expr} = any({params.add(array_literal(cond.value))}::text::{cast}[])"
    elif op in FTS_OPS:
        config = f"{params.add(cond.config)}::regconfig, " if cond.config else ""
        column = expr
        if cast != "pg_catalog.tsvector":
            column = f"to_tsvector({config}{expr})"
        sql = f"{column} @@ {FTS_OPS[op]}({config}{params.add(cond.value)}::text)"
    elif op in ("like", "ilike", "match", "imatch"):
        # The pattern is text; a column that is not text fails in Postgres, as in PostgREST.
        if cond.quantifier:
            sql = (
                f"{expr} {BINARY_OPS[op]} {cond.quantifier}({params.add(cond.value)}::text::text[])"
            )
        else:
            sql = f"{expr} {BINARY_OPS[op]} {params.add(cond.value)}::text"
    elif cond.quantifier:
        value = params.add(cond.value)
        sql = f"{expr} {BINARY_OPS[op]} {cond.quantifier}({value}::text::{cast}[])"
    else:
        sql = f"{expr} {BINARY_OPS[op]} {params.add(cond.value)}::text::{cast}"
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


def _item_sql(target: Target, item: SelectItem) -> str:
    if item.column is None:
        return f"{target.qualifier}.*"
    expr = json_path_sql(target.ref(item.column), item.path)
    if item.cast:
        expr = f"cast({expr} as {item.cast})"
    return f"{expr} as {ident(item.label)}"


def projection(target: Target, items: list[SelectItem]) -> str:
    return ", ".join(_item_sql(target, item) for item in items)


class Aliases:
    def __init__(self) -> None:
        self.n = 0

    def next(self) -> str:
        self.n += 1
        return f'"pgrst_{self.n}"'


def render_select(
    target: Target,
    items: list[SelectItem | Embed] | tuple[SelectItem | Embed, ...],
    nodes: list[EmbedNode],
    params: Params,
    aliases: Aliases,
) -> tuple[str, str, Target]:
    """(projection, lateral joins, the target that knows its embeds) of one level."""
    if not nodes:
        plain = [i for i in items if isinstance(i, SelectItem)]
        return projection(target, plain), "", target
    joins: list[str] = []
    embeds: dict[str, str] = {}
    related: dict[str, Related] = {}
    for node in nodes:
        lateral, join = _render_embed(target, node, params, aliases)
        joins.append(join)
        embeds[node.embed.label] = lateral
        rel = node.rel
        if rel.to_one and rel.junction is None:
            table = qualified(rel.target.schema, rel.target.name)
            related[node.embed.label] = Related(table, rel.target.columns, rel.pairs)
    scoped = replace(target, embeds=embeds, related=related)
    parts: list[str] = []
    for item in items:
        if isinstance(item, SelectItem):
            parts.append(_item_sql(scoped, item))
            continue
        node = next(n for n in nodes if n.embed is item)
        lateral = embeds[item.label]
        if not item.select:
            continue  # an empty embed only filters (`cities!inner()`), PostgREST shows nothing
        if item.spread:
            parts.append(f"{lateral}.*")
        elif node.rel.to_one:
            parts.append(f"{lateral}.body as {ident(item.label)}")
        else:
            parts.append(f"coalesce({lateral}.body, '[]') as {ident(item.label)}")
    return ", ".join(parts) or "1", "".join(joins), scoped


def _render_embed(
    parent: Target, node: EmbedNode, params: Params, aliases: Aliases
) -> tuple[str, str]:
    rel = node.rel
    alias = aliases.next()
    table = qualified(rel.target.schema, rel.target.name)
    child = Target(alias, rel.target.columns)
    if rel.junction is not None:
        junction = aliases.next()
        on = " and ".join(
            f"{junction}.{ident(j)} = {alias}.{ident(t)}" for j, t in rel.junction_target
        )
        source = f"{table} as {alias} join {qualified(rel.junction.schema, rel.junction.name)}"
        source += f" as {junction} on {on}"
        conds = [
            f"{junction}.{ident(j)} = {parent.qualifier}.{ident(o)}" for j, o in rel.junction_origin
        ]
    else:
        source = f"{table} as {alias}"
        conds = [f"{alias}.{ident(t)} = {parent.qualifier}.{ident(o)}" for o, t in rel.pairs]
    proj, joins, scoped = render_select(child, node.embed.select, node.children, params, aliases)
    conds += [_logic(scoped, n, params) for n in node.scope.where]
    inner = f"select {proj} from {source}{joins} where {' and '.join(conds)}"
    inner += order_clause(scoped, node.scope.order)
    if node.scope.limit is not None:
        inner += f" limit {params.add(node.scope.limit)}::bigint"
    if node.scope.offset:
        inner += f" offset {params.add(node.scope.offset)}::bigint"
    lateral = aliases.next()
    if node.embed.spread:
        sub = f"({inner})"
    elif rel.to_one:
        sub = f"(select to_json(_pgrst_r) as body from ({inner}) _pgrst_r)"
    else:
        # !inner keeps only parents with at least one embedded row: no row at all when empty.
        having = " having count(*) > 0" if node.embed.join == "inner" else ""
        sub = f"(select json_agg(_pgrst_r) as body from ({inner}) _pgrst_r{having})"
    kind = "inner" if node.embed.join == "inner" else "left"
    return lateral, f" {kind} join lateral {sub} as {lateral} on true"


def _order_expr(target: Target, term: OrderTerm) -> str:
    if term.relation is None:
        return json_path_sql(target.ref(term.column), term.path)
    related = target.related[term.relation]
    if term.column not in related.columns:
        raise UnknownColumn(term.column)
    alias = '"pgrst_o"'
    cond = " and ".join(
        f"{alias}.{ident(t)} = {target.qualifier}.{ident(p)}" for p, t in related.pairs
    )
    column = json_path_sql(f"{alias}.{ident(term.column)}", term.path)
    return f"(select {column} from {related.table} as {alias} where {cond})"


def order_clause(target: Target, order: list[OrderTerm]) -> str:
    if not order:
        return ""
    terms = []
    for term in order:
        sql = f"{_order_expr(target, term)} {'desc' if term.desc else 'asc'}"
        if term.nulls:
            sql += f" nulls {term.nulls}"
        terms.append(sql)
    return " order by " + ", ".join(terms)


# PostgREST's asCsvF: a header of the first row's keys, then each row as Postgres renders a
# record, without its parentheses.
_CSV_BODY = (
    "coalesce((select string_agg(k, ',') from json_object_keys(json_agg(_pgrst_t) -> 0) k), '')"
    " || chr(10) || "
    "coalesce(string_agg(substring(_pgrst_t::text, 2, length(_pgrst_t::text) - 2), chr(10)), '')"
)


def body_expr(shape: str, strip_nulls: bool) -> str:
    """shape: "array" (a JSON array), "object" (the only row, bare), "csv" or "none"."""
    row = "json_strip_nulls(to_json(_pgrst_t))" if strip_nulls else "to_json(_pgrst_t)"
    if shape == "array":
        return f"coalesce(json_agg({row}), '[]')::text"
    if shape == "object":
        return f"coalesce(json_agg({row}) -> 0, 'null')::text"
    if shape == "csv":
        return _CSV_BODY
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
    embeds: list[EmbedNode] | None = None,
) -> Statement:
    proj, joins, scoped = render_select(target, query.select, embeds or [], params, Aliases())
    where = where_clause(scoped, query.where, params)
    count_params = list(params.values)
    inner = f"select {proj} from {source}{joins}{where}"
    inner += order_clause(scoped, query.order)
    if query.limit is not None:
        inner += f" limit {params.add(query.limit)}::bigint"
    if query.offset:
        inner += f" offset {params.add(query.offset)}::bigint"
    count_sql = f"select 1 from {source}{joins}{where}"
    total = f"(select count(*) from ({count_sql}) _pgrst_c)" if exact_count else "null::bigint"
    sql = (
        f"select {total} as total, count(*) as page_total, "
        f"{body_expr(shape, strip_nulls)} as body from ({inner}) _pgrst_t"
    )
    return Statement(sql, params.values, count_sql, count_params)


def _finish_write(
    cte: str,
    rel: Relation,
    query: Query,
    params: Params,
    *,
    returning: bool,
    shape: str,
    strip_nulls: bool,
    embeds: list[EmbedNode] | None,
    inserted: str = "null::bigint",
) -> str:
    inner = "select 1 from pgrst_source"
    if returning:
        source = Target('"pgrst_source"', rel.columns)
        proj, joins, _ = render_select(source, query.select, embeds or [], params, Aliases())
        inner = f"select {proj} from pgrst_source{joins}"
    return (
        f"with {cte} select null::bigint as total, count(*) as page_total, "
        f"{body_expr(shape if returning else 'none', strip_nulls)} as body, "
        f"{inserted} as inserted from ({inner}) _pgrst_t"
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
    embeds: list[EmbedNode] | None = None,
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
    # Each inserted row comes back whole, with whether it is new (xmax = 0) or merged into an
    # existing one: an upsert that only merged answers 200, as PostgREST does.
    returned = "pgrst_target as pgrst_row, (pgrst_target.xmax = 0) as pgrst_new"
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
            f"pgrst_ins_{i} as (insert into {table} as pgrst_target{target_list} "
            f"select {col_list} "
            f"from json_populate_recordset(null::{table}, {payload}::json) _{clause} "
            f"returning {returned})"
        )
    union = " union all ".join(f"select * from pgrst_ins_{i}" for i in range(len(ctes)))
    cte = ", ".join(
        [
            *ctes,
            f"pgrst_all as ({union})",
            "pgrst_source as (select (pgrst_row).* from pgrst_all)",
        ]
    )
    sql = _finish_write(
        cte,
        rel,
        query,
        params,
        returning=returning,
        shape=shape,
        strip_nulls=strip_nulls,
        embeds=embeds,
        inserted="(select count(*) from pgrst_all where pgrst_new)",
    )
    return Statement(sql, params.values)


def build_update(
    rel: Relation,
    values: dict[str, Any],
    query: Query,
    *,
    returning: bool,
    shape: str,
    strip_nulls: bool,
    embeds: list[EmbedNode] | None = None,
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
    sql = _finish_write(
        cte,
        rel,
        query,
        params,
        returning=returning,
        shape=shape,
        strip_nulls=strip_nulls,
        embeds=embeds,
    )
    return Statement(sql, params.values)


def build_delete(
    rel: Relation,
    query: Query,
    *,
    returning: bool,
    shape: str,
    strip_nulls: bool,
    embeds: list[EmbedNode] | None = None,
) -> Statement:
    params = Params()
    table = qualified(rel.schema, rel.name)
    where = where_clause(Target(table, rel.columns), query.where, params)
    returned = f"{table}.*" if returning else "1"
    cte = f"pgrst_source as (delete from {table}{where} returning {returned})"
    sql = _finish_write(
        cte,
        rel,
        query,
        params,
        returning=returning,
        shape=shape,
        strip_nulls=strip_nulls,
        embeds=embeds,
    )
    return Statement(sql, params.values)


def rpc_call(
    fn: Function, args: dict[str, Any], params: Params, *, from_body: bool
) -> tuple[str, str]:
    """(FROM items that bind the arguments, the call expression)."""
    name = qualified(fn.schema, fn.name)
    if fn.single_unnamed_json:
        return "", f"{name}({params.add(json.dumps(args))}::text::{fn.args[0].cast})"
    given = [a for a in fn.args if a.name in args]
    if from_body:
        # json_to_record turns JSON arrays into Postgres arrays and keeps nested json as json.
        binds = ""
        if given:
            payload = params.add(json.dumps({a.name: args[a.name] for a in given}))
            defs = ", ".join(f"{ident(a.name)} {a.cast}" for a in given)
            binds = f"json_to_record({payload}::json) as _pgrst_args({defs}), "
        call_args = ", ".join(f"{ident(a.name)} := _pgrst_args.{ident(a.name)}" for a in given)
        return binds, f"{name}({call_args})"
    call_args = ", ".join(
        f"{ident(a.name)} := {params.add(str(args[a.name]))}::text::{a.cast}" for a in given
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
