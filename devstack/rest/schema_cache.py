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

    @property
    def required(self) -> set[str]:
        return {a.name for a in self.args if not a.has_default}

    @property
    def single_unnamed_json(self) -> bool:
        return (
            len(self.args) == 1 and not self.args[0].name and self.args[0].type in ("json", "jsonb")
        )


@dataclass
class SchemaCache:
    relations: dict[tuple[str, str], Relation] = field(default_factory=dict)
    functions: dict[tuple[str, str], list[Function]] = field(default_factory=dict)

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
select a.attrelid as relid, a.attname::text as name, format_type(a.atttypid, null) as type
from pg_attribute a
where a.attrelid = any($1::oid[]) and a.attnum > 0 and not a.attisdropped
order by a.attrelid, a.attnum
"""

_FUNCTIONS_SQL = """
select n.nspname as schema, p.proname as name, p.proretset as returns_set,
       p.prorettype = 'void'::regtype as is_void, t.typtype::text as typtype, t.typrelid,
       p.pronargs as nargs, p.pronargdefaults as ndefaults,
       coalesce(p.proargnames, '{}') as argnames,
       coalesce(p.proargmodes::text[], '{}') as argmodes,
       array(select format_type(x, null) from unnest(p.proargtypes) with ordinality u(x, o)
             order by o) as intypes,
       array(select format_type(x, null) from unnest(coalesce(p.proallargtypes, p.proargtypes))
             with ordinality u(x, o) order by o) as alltypes
from pg_proc p
join pg_namespace n on n.oid = p.pronamespace
join pg_type t on t.oid = p.prorettype
where n.nspname = any($1::text[]) and p.prokind = 'f'
"""


def _function(row: Any, composite: dict[int, dict[str, Column]]) -> Function:
    names: list[str] = list(row["argnames"])
    modes: list[str] = list(row["argmodes"]) or ["i"] * len(row["alltypes"])
    alltypes: list[str] = list(row["alltypes"])
    names += [""] * (len(alltypes) - len(names))
    inputs = [(names[i], alltypes[i]) for i, m in enumerate(modes) if m in ("i", "b", "v")]
    outputs = [(names[i], alltypes[i]) for i, m in enumerate(modes) if m in ("o", "b", "t")]
    first_default = row["nargs"] - row["ndefaults"]
    args = tuple(Argument(n, t, i >= first_default) for i, (n, t) in enumerate(inputs))
    result: dict[str, Column] | None = None
    if row["typtype"] == "c":
        result = composite.get(row["typrelid"], {})
    elif outputs and not (len(outputs) == 1 and not row["returns_set"]):
        result = {n: Column(n, t) for n, t in outputs}
    return Function(row["schema"], row["name"], args, row["returns_set"], row["is_void"], result)


async def load_schema_cache(conn: asyncpg.Connection, schemas: tuple[str, ...]) -> SchemaCache:
    cache = SchemaCache()
    async with conn.transaction(readonly=True):
        rel_rows = await conn.fetch(_RELATIONS_SQL, list(schemas))
        fn_rows = await conn.fetch(_FUNCTIONS_SQL, list(schemas))
        relids = [r["oid"] for r in rel_rows] + [
            r["typrelid"] for r in fn_rows if r["typtype"] == "c"
        ]
        col_rows = await conn.fetch(_COLUMNS_SQL, relids)
    by_relid: dict[int, dict[str, Column]] = {}
    for row in col_rows:
        by_relid.setdefault(row["relid"], {})[row["name"]] = Column(row["name"], row["type"])
    for row in rel_rows:
        cache.relations[(row["schema"], row["name"])] = Relation(
            row["schema"], row["name"], row["kind"], by_relid.get(row["oid"], {}), tuple(row["pk"])
        )
    for row in fn_rows:
        fn = _function(row, by_relid)
        cache.functions.setdefault((fn.schema, fn.name), []).append(fn)
    return cache
