"""What the realtime service asks Postgres: tables, columns, publication, roles, privileges, RLS.

Everything goes through one small pool of superuser connections. A query that meets a connection
broken by a Postgres restart is retried once on a fresh connection.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

import asyncpg

from devstack.realtime.capture import ensure_trigger, quote_ident

T = TypeVar("T")
META_TTL_SECONDS = 5.0
_RETRYABLE = (
    asyncpg.ConnectionDoesNotExistError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    ConnectionError,
    OSError,
)


@dataclass(frozen=True)
class Column:
    name: str
    typname: str  # pg_type.typname, what Realtime reports (`int8`, `_text`)
    sql_type: str  # format_type(), what a value is cast to


@dataclass(frozen=True)
class TableMeta:
    schema: str
    table: str
    columns: tuple[Column, ...]
    columns_json: str  # `[{"name":..,"type":..}]`, encoded once
    rls: bool
    primary_key: tuple[str, ...]
    loaded_at: float

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)


def loads(text: str) -> Any:
    # Decimal keeps numeric values exact for filter comparisons.
    return json.loads(text, parse_float=Decimal)


class Catalog:
    def __init__(self, dsn: str) -> None:
        self._dsn = dsn
        self._pool: asyncpg.Pool | None = None
        self._meta: dict[tuple[str, str], TableMeta] = {}

    async def start(self) -> None:
        self._pool = await asyncpg.create_pool(self._dsn, min_size=1, max_size=4)

    async def stop(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    async def run(self, work: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
        if self._pool is None:
            raise ConnectionError("the realtime service is stopped")
        try:
            async with self._pool.acquire() as conn:
                return await work(conn)
        except _RETRYABLE:
            # After a Postgres restart every pooled connection is dead: replace them all.
            await self._pool.expire_connections()
        async with self._pool.acquire() as conn:
            return await work(conn)

    # --- tables ---------------------------------------------------------------------------
    async def published(self) -> set[tuple[str, str]]:
        rows = await self.run(
            lambda c: c.fetch(
                "select schemaname, tablename from pg_publication_tables"
                " where pubname = 'supabase_realtime'"
            )
        )
        return {(r["schemaname"], r["tablename"]) for r in rows}

    async def schema_exists(self, schema: str) -> bool:
        return bool(
            await self.run(
                lambda c: c.fetchval(
                    "select exists(select 1 from pg_namespace where nspname=$1)", schema
                )
            )
        )

    async def table(self, schema: str, table: str, *, fresh: bool = False) -> TableMeta | None:
        cached = self._meta.get((schema, table))
        age = time.monotonic() - cached.loaded_at if cached is not None else META_TTL_SECONDS
        if cached is not None and not fresh and age < META_TTL_SECONDS:
            return cached
        row = await self.run(lambda c: c.fetchrow(_TABLE_SQL, schema, table))
        if row is None:
            self._meta.pop((schema, table), None)
            return None
        columns = tuple(Column(*c) for c in json.loads(row["columns"]))
        meta = TableMeta(
            schema,
            table,
            columns,
            json.dumps(
                [{"name": c.name, "type": c.typname} for c in columns],
                ensure_ascii=False,
                separators=(",", ":"),
            ),
            bool(row["relrowsecurity"]),
            tuple(row["pk"] or ()),
            time.monotonic(),
        )
        self._meta[(schema, table)] = meta
        return meta

    async def ensure_trigger(self, schema: str, table: str) -> None:
        await self.run(lambda c: ensure_trigger(c, schema, table))

    # --- roles ----------------------------------------------------------------------------
    async def bypasses_rls(self, role: str) -> bool:
        value = await self.run(
            lambda c: c.fetchval(
                "select rolbypassrls or rolsuper from pg_roles where rolname = $1", role
            )
        )
        return bool(value)

    async def can_select(self, role: str, schema: str, table: str) -> bool:
        value = await self.run(
            lambda c: c.fetchval(
                "select has_schema_privilege($1, $2, 'USAGE')"
                " and has_table_privilege($1, format('%I.%I', $2::text, $3::text), 'SELECT')",
                role,
                schema,
                table,
            )
        )
        return bool(value)

    async def cast_filter_values(self, column: Column, values: tuple[str, ...]) -> list[Any]:
        """Each value cast by Postgres to the column type, rendered as to_jsonb would render it.

        Raises asyncpg.DataError (and friends) with Postgres's own message for a bad value.
        """

        async def work(conn: asyncpg.Connection) -> list[Any]:
            async with conn.transaction():
                await conn.execute("set local timezone = 'UTC'")
                rows = await conn.fetch(
                    f"select to_jsonb(v::{column.sql_type})::text as j from unnest($1::text[]) v",
                    list(values),
                )
            return [loads(r["j"]) for r in rows]

        return await self.run(work)

    async def visible(
        self, meta: TableMeta, role: str, claims_json: str, record: dict[str, Any]
    ) -> bool:
        """Whether `role` sees the row (found by primary key) through RLS, as Realtime checks."""
        if not meta.primary_key or any(record.get(k) is None for k in meta.primary_key):
            return False
        conditions = []
        args: list[str] = []
        for key in meta.primary_key:
            column = meta.column(key)
            if column is None:
                return False
            args.append(json.dumps(record[key], default=str))
            conditions.append(
                f"t.{quote_ident(key)} = (${len(args)}::jsonb #>> '{{}}')::{column.sql_type}"
            )
        sql = (
            f"select exists(select 1 from {quote_ident(meta.schema)}.{quote_ident(meta.table)} t"
            f" where {' and '.join(conditions)})"
        )

        async def work(conn: asyncpg.Connection) -> bool:
            async with conn.transaction():
                await conn.execute(f"set local role {quote_ident(role)}")
                await conn.execute("select set_config('request.jwt.claims', $1, true)", claims_json)
                return bool(await conn.fetchval(sql, *args))

        return await self.run(work)


_TABLE_SQL = """
select c.relrowsecurity,
       (select coalesce(json_agg(json_build_array(a.attname, t.typname,
                                                  format_type(a.atttypid, a.atttypmod))
                                 order by a.attnum), '[]')::text
          from pg_attribute a join pg_type t on t.oid = a.atttypid
         where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped) as columns,
       (select array_agg(a.attname::text order by a.attnum)
          from pg_index i
          join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
         where i.indrelid = c.oid and i.indisprimary) as pk
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
 where n.nspname = $1 and c.relname = $2 and c.relkind in ('r', 'p')
"""


# --- private channels: Realtime's RLS check on realtime.messages ------------------------------
_SET_CONTEXT_SQL = """
select set_config('role', $1, true),
       set_config('realtime.topic', $2, true),
       set_config('request.jwt.claims', $3, true),
       set_config('request.jwt.claim.sub', $4, true),
       set_config('request.jwt.claim.role', $1, true)
"""


async def read_policies(
    catalog: Catalog, role: str, claims_json: str, sub: str, topic: str
) -> dict[str, bool]:
    """Which extensions `role` may read on `topic`, as Realtime asks: one message row per
    extension is inserted (as the owner), then selected back under the caller's role and claims;
    the SELECT policies decide what comes back. Everything is rolled back."""
    ids = {"broadcast": uuid.uuid4(), "presence": uuid.uuid4()}

    async def work(conn: asyncpg.Connection) -> dict[str, bool]:
        tx = conn.transaction()
        await tx.start()
        try:
            for extension, message_id in ids.items():
                await conn.execute(
                    "insert into realtime.messages (id, topic, extension) values ($1, $2, $3)",
                    message_id,
                    topic,
                    extension,
                )
            await conn.execute(_SET_CONTEXT_SQL, role, topic, claims_json, sub)
            rows = await conn.fetch(
                "select id from realtime.messages where id = any($1::uuid[])", list(ids.values())
            )
        finally:
            await tx.rollback()
        seen = {r["id"] for r in rows}
        return {extension: message_id in seen for extension, message_id in ids.items()}

    return await catalog.run(work)


async def write_policy(
    catalog: Catalog, role: str, claims_json: str, sub: str, topic: str, extension: str
) -> bool:
    """Whether `role` may send `extension` messages on `topic`: an INSERT under its role and
    claims that the INSERT policies allow or refuse (42501). Rolled back."""

    async def work(conn: asyncpg.Connection) -> bool:
        tx = conn.transaction()
        await tx.start()
        try:
            await conn.execute(_SET_CONTEXT_SQL, role, topic, claims_json, sub)
            try:
                await conn.execute(
                    "insert into realtime.messages (topic, extension) values ($1, $2)",
                    topic,
                    extension,
                )
            except asyncpg.InsufficientPrivilegeError:
                return False
            return True
        finally:
            await tx.rollback()

    return await catalog.run(work)


async def replay_messages(
    catalog: Catalog, topic: str, since_ms: int, limit: int
) -> list[asyncpg.Record]:
    """The last `limit` (1..25) private broadcasts of `topic` stored since `since_ms`, oldest
    first: what Realtime's `Messages.replay` sends a private channel joining with `replay`."""
    limit = max(min(limit, 25), 1)
    rows = await catalog.run(
        lambda c: c.fetch(
            """select id::text, event, payload::text, binary_payload from realtime.messages
                where topic = $1 and private is true and extension = 'broadcast'
                  and inserted_at >= to_timestamp($2 / 1000.0) at time zone 'UTC'
                  and inserted_at < timezone('utc', now()) + interval '1 minute'
                order by inserted_at desc limit $3""",
            topic,
            since_ms,
            limit,
        )
    )
    return list(reversed(rows))
