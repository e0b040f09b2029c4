"""Shared steps of a request: finding a relation, building against the schema cache,
running the statement and shaping the HTTP answer (status, Content-Range, Content-Type)."""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable

import asyncpg
from aiohttp import web

from devstack.rest.errors import ApiError, pgrst, single_coerce
from devstack.rest.negotiation import Accept, Identity, Prefer, content_range, range_status
from devstack.rest.query import Query
from devstack.rest.schema_cache import Column, Relation
from devstack.rest.service_api import RestBackend
from devstack.rest.sqlbuild import Statement, UnknownColumn

# `Prefer: count=estimated` counts exactly up to this many rows, then trusts the planner
# (PostgREST's threshold is db-max-rows, which Supabase sets to 1000).
ESTIMATE_THRESHOLD = 1000


def unknown_column(label: str, columns: dict[str, Column], column: str) -> ApiError:
    """Postgres's own 42703 text, which PostgREST passes through."""
    match = difflib.get_close_matches(column, list(columns), n=1, cutoff=0.6)
    hint = f'Perhaps you meant to reference the column "{label}.{match[0]}".' if match else None
    return pgrst(400, "42703", f"column {label}.{column} does not exist", hint=hint)


async def find_relation(service: RestBackend, schema: str, name: str) -> Relation:
    generation = service.generation
    rel = service.cache.relation(schema, name)
    if rel is None:
        # Created since the last load? PostgREST would need a NOTIFY; we look once more.
        await service.reload_if_unchanged(generation)
        rel = service.cache.relation(schema, name)
    if rel is None:
        similar = service.cache.similar_relation(schema, name)
        raise pgrst(
            404,
            "PGRST205",
            f"Could not find the table '{schema}.{name}' in the schema cache",
            hint=f"Perhaps you meant the table '{schema}.{similar}'" if similar else None,
        )
    return rel


async def build_for(
    service: RestBackend, schema: str, name: str, builder: Callable[[Relation], Statement]
) -> Statement:
    """Build against the cache; an unknown column reloads the cache once before a 42703."""
    rel = await find_relation(service, schema, name)
    generation = service.generation
    try:
        return builder(rel)
    except UnknownColumn:
        await service.reload_if_unchanged(generation)
    rel = await find_relation(service, schema, name)
    try:
        return builder(rel)
    except UnknownColumn as exc:
        raise unknown_column(rel.name, rel.columns, exc.column) from None


async def execute(
    conn: asyncpg.Connection, stmt: Statement, count: str | None
) -> tuple[int | None, int, str | None]:
    row = await conn.fetchrow(stmt.sql, *stmt.params)
    total: int | None = row["total"]
    if count in ("planned", "estimated") and stmt.count_sql is not None:
        args = stmt.count_params or []
        exact = None
        if count == "estimated":
            exact = await conn.fetchval(
                f"select count(*) from ({stmt.count_sql} limit {ESTIMATE_THRESHOLD + 1}) _c", *args
            )
        if exact is not None and exact <= ESTIMATE_THRESHOLD:
            total = int(exact)
        else:
            plan = await conn.fetchval(f"explain (format json) {stmt.count_sql}", *args)
            total = int(json.loads(plan)[0]["Plan"]["Plan Rows"])
    return total, int(row["page_total"]), row["body"]


def respond(
    status: int,
    body: str | None,
    *,
    accept: Accept,
    prefer: Prefer,
    head: bool,
    content_range_value: str | None,
    headers: dict[str, str] | None = None,
) -> web.Response:
    headers = {"Content-Type": accept.content_type, **(headers or {})}
    if content_range_value is not None:
        headers["Content-Range"] = content_range_value
    if prefer.applied:
        headers["Preference-Applied"] = ",".join(prefer.applied)
    payload = None if head or body is None or status == 204 else body.encode()
    return web.Response(status=status, body=payload, headers=headers)


async def read_response(
    service: RestBackend,
    request: web.Request,
    identity: Identity,
    stmt: Statement,
    query: Query,
    accept: Accept,
    prefer: Prefer,
    *,
    readonly: bool = True,
) -> web.Response:
    async def work(conn: asyncpg.Connection) -> tuple[int | None, int, str | None]:
        return await execute(conn, stmt, prefer.count)

    total, page_total, body = await service.run(identity, request, work, readonly=readonly)
    if accept.shape == "object" and page_total != 1:
        raise single_coerce(page_total)
    status = range_status(query.offset, page_total, total)
    return respond(
        status,
        body,
        accept=accept,
        prefer=prefer,
        head=request.method == "HEAD",
        content_range_value=content_range(query.offset, page_total, total),
    )
