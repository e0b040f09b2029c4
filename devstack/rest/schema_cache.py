"""What PostgREST keeps in its schema cache: relations, columns, primary keys and functions.

Loaded from pg_catalog by the `authenticator` role (the catalog is readable by everyone, so
the cache lists relations the request roles may not read: Postgres refuses those at query
time, as with PostgREST). Types are kept as `format_type()` text, used only to cast
parameters (`$1::text::bigint`), so a bad value fails with Postgres's own 22P02 text.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

import asyncpg


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    cast: str  # the catalog type name, without modifiers: what parameters are cast to


@dataclass
class Relation:
    schema: str
    name: str
    kind: str  # pg_class.relkind
    columns: dict[str, Column] = field(default_factory=dict)
    primary_key: tuple[str, ...] = ()


@dataclass(frozen=True)
class Argument:
    name: str
    type: str
    has_default: bool
    cast: str


@dataclass
class Function:
    schema: str
    name: str
    args: tuple[Argument, ...]
    returns_set: bool
    is_void: bool
    # The result columns when the function returns rows (a table type, OUT or TABLE params);
    # None for scalar results.
    result_columns: dict[str, Column] | None
    # The table or view whose rows it returns (`returns setof cities`): embedding starts there.
    result_relation: tuple[str, str] | None = None

    @property
    def required(self) -> set[str]:
        return {a.name for a in self.args if not a.has_default}

    @property
    def single_unnamed_json(self) -> bool:
        return (
            len(self.args) == 1 and not self.args[0].name and self.args[0].type in ("json", "jsonb")
        )


@dataclass(frozen=True)
class ForeignKey:
    """A foreign key between two cached relations: what resource embedding walks along."""

    name: str
    schema: str
    table: str
    columns: tuple[str, ...]
    ref_schema: str
    ref_table: str
    ref_columns: tuple[str, ...]
    # The referencing columns are a primary key or unique: one-to-one, as PostgREST infers.
    one_to_one: bool


@dataclass
class SchemaCache:
    relations: dict[tuple[str, str], Relation] = field(default_factory=dict)
    functions: dict[tuple[str, str], list[Function]] = field(default_factory=dict)
    foreign_keys: list[ForeignKey] = field(default_factory=list)

    def relation(self, schema: str, name: str) -> Relation | None:
        return self.relations.get((schema, name))

    def similar_relation(self, schema: str, name: str) -> str | None:
        names = [n for (s, n) in self.relations if s == schema]
        match = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
        return match[0] if match else None

    def similar_function(self, schema: str, name: str) -> str | None:
        names = [n for (s, n) in self.functions if s == schema]
        match = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
        return match[0] if match else None


_RELATIONS_SQL = """
select n.nspname as schema, c.relname as name, c.relkind::text as kind, c.oid,
       coalesce((select array_agg(a.attname::text order by k.ord)
                 from pg_index i
                 cross join unnest(i.indkey) with ordinality as k(attnum, ord)
                 join pg_attribute a on a.attrelid = c.oid and a.attnum = k.attnum
                 where i.indrelid = c.oid and i.indisprimary), '{}') as pk
from pg_class c join pg_namespace n on n.oid = c.relnamespace
where n.nspname = any($1::text[]) and c.relkind in ('r', 'v', 'm', 'f', 'p')
"""

_COLUMNS_SQL = """
select a.attrelid as relid, a.attname::text as name, format_type(a.atttypid, null) as type,
       quote_ident(tn.nspname) || '.' || quote_ident(t.typname) as cast
from pg_attribute a
join pg_type t on t.oid = a.atttypid
join pg_namespace tn on tn.oid = t.typnamespace
where a.attrelid = any($1::oid[]) and a.attnum > 0 and not a.attisdropped
order by a.attrelid, a.attnum
"""

# PostgREST's allM2OandO2ORels, restricted to the exposed schemas.
_FOREIGN_KEYS_SQL = """
with uniques as (
  select conrelid, array_agg(key order by key) as cols
  from pg_constraint, lateral unnest(conkey) as _(key)
  where contype in ('p', 'u')
  group by oid, conrelid
)
select c.conname::text as name, n1.nspname::text as schema, t1.relname::text as table,
       n2.nspname::text as ref_schema, t2.relname::text as ref_table,
       cols.names as columns, cols.ref_names as ref_columns,
       cols.nums in (select u.cols from uniques u where u.conrelid = c.conrelid) as one_to_one
from pg_constraint c
join lateral (
  select array_agg(a1.attname::text order by k.ord) as names,
         array_agg(a2.attname::text order by k.ord) as ref_names,
         array_agg(a1.attnum order by a1.attnum) as nums
  from unnest(c.conkey, c.confkey) with ordinality as k(col, ref, ord)
  join pg_attribute a1 on a1.attrelid = c.conrelid and a1.attnum = k.col
  join pg_attribute a2 on a2.attrelid = c.confrelid and a2.attnum = k.ref
) cols on true
join pg_class t1 on t1.oid = c.conrelid
join pg_namespace n1 on n1.oid = t1.relnamespace
join pg_class t2 on t2.oid = c.confrelid
join pg_namespace n2 on n2.oid = t2.relnamespace
where c.contype = 'f' and c.conparentid = 0
  and n1.nspname = any($1::text[]) and n2.nspname = any($1::text[])
order by c.conrelid, c.conname
"""

_FUNCTIONS_SQL = """
select n.nspname as schema, p.proname as name, p.proretset as returns_set,
       p.prorettype = 'void'::regtype as is_void, t.typtype::text as typtype, t.typrelid,
       (select array[rn.nspname::text, rc.relname::text] from pg_class rc
        join pg_namespace rn on rn.oid = rc.relnamespace
        where rc.oid = t.typrelid and rc.relkind in ('r', 'v', 'm', 'f', 'p')) as result_relation,
       p.pronargs as nargs, p.pronargdefaults as ndefaults,
       coalesce(p.proargnames, '{}') as argnames,
       coalesce(p.proargmodes::text[], '{}') as argmodes,
       array(select format_type(x, null) from unnest(p.proargtypes) with ordinality u(x, o)
             order by o) as intypes,
       array(select format_type(x, null) from unnest(coalesce(p.proallargtypes, p.proargtypes))
             with ordinality u(x, o) order by o) as alltypes,
       array(select (select quote_ident(tn.nspname) || '.' || quote_ident(t.typname)
                     from pg_type t join pg_namespace tn on tn.oid = t.typnamespace
                     where t.oid = x)
             from unnest(coalesce(p.proallargtypes, p.proargtypes))
             with ordinality u(x, o) order by o) as allcasts
from pg_proc p
join pg_namespace n on n.oid = p.pronamespace
join pg_type t on t.oid = p.prorettype
where n.nspname = any($1::text[]) and p.prokind = 'f'
"""


def _function(row: Any, composite: dict[int, dict[str, Column]]) -> Function:
    names: list[str] = list(row["argnames"])
    modes: list[str] = list(row["argmodes"]) or ["i"] * len(row["alltypes"])
    alltypes: list[str] = list(row["alltypes"])
    casts: list[str] = list(row["allcasts"])
    names += [""] * (len(alltypes) - len(names))
    inputs = [
        (names[i], alltypes[i], casts[i]) for i, m in enumerate(modes) if m in ("i", "b", "v")
    ]
    outputs = [
        (names[i], alltypes[i], casts[i]) for i, m in enumerate(modes) if m in ("o", "b", "t")
    ]
    first_default = row["nargs"] - row["ndefaults"]
    args = tuple(Argument(n, t, i >= first_default, c) for i, (n, t, c) in enumerate(inputs))
    result: dict[str, Column] | None = None
    if row["typtype"] == "c":
        result = composite.get(row["typrelid"], {})
    elif outputs and not (len(outputs) == 1 and not row["returns_set"]):
        result = {n: Column(n, t, c) for n, t, c in outputs}
    relation = tuple(row["result_relation"]) if row["result_relation"] else None
    return Function(
        row["schema"],
        row["name"],
        args,
        row["returns_set"],
        row["is_void"],
        result,
        (relation[0], relation[1]) if relation else None,
    )


async def load_schema_cache(conn: asyncpg.Connection, schemas: tuple[str, ...]) -> SchemaCache:
    cache = SchemaCache()
    async with conn.transaction(readonly=True):
        rel_rows = await conn.fetch(_RELATIONS_SQL, list(schemas))
        fn_rows = await conn.fetch(_FUNCTIONS_SQL, list(schemas))
        relids = [r["oid"] for r in rel_rows] + [
            r["typrelid"] for r in fn_rows if r["typtype"] == "c"
        ]
        col_rows = await conn.fetch(_COLUMNS_SQL, relids)
        fk_rows = await conn.fetch(_FOREIGN_KEYS_SQL, list(schemas))
    by_relid: dict[int, dict[str, Column]] = {}
    for row in col_rows:
        by_relid.setdefault(row["relid"], {})[row["name"]] = Column(
            row["name"], row["type"], row["cast"]
        )
    for row in rel_rows:
        cache.relations[(row["schema"], row["name"])] = Relation(
            row["schema"], row["name"], row["kind"], by_relid.get(row["oid"], {}), tuple(row["pk"])
        )
    cache.foreign_keys = [
        ForeignKey(
            r["name"],
            r["schema"],
            r["table"],
            tuple(r["columns"]),
            r["ref_schema"],
            r["ref_table"],
            tuple(r["ref_columns"]),
            bool(r["one_to_one"]),
        )
        for r in fk_rows
    ]
    for row in fn_rows:
        fn = _function(row, by_relid)
        cache.functions.setdefault((fn.schema, fn.name), []).append(fn)
    return cache
