"""The /rest/v1 request handlers: reads, writes and RPC calls, answered like PostgREST."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import asyncpg
from aiohttp import web

from devstack.rest.embedding import plan_embeds
from devstack.rest.errors import ApiError, pgrst, single_coerce, to_response
from devstack.rest.execution import build_for, find_relation, read_response, respond
from devstack.rest.negotiation import (
    Accept,
    Identity,
    Prefer,
    content_range,
    identify,
    negotiate,
    parse_prefer,
    pick_schema,
)
from devstack.rest.query import Query, SelectItem, parse_query
from devstack.rest.rpc import call_function
from devstack.rest.schema_cache import Relation
from devstack.rest.service_api import RestBackend
from devstack.rest.sqlbuild import (
    Params,
    Statement,
    Target,
    build_delete,
    build_insert,
    build_read,
    build_update,
    qualified,
)


async def handle(service: RestBackend, request: web.Request, *, rpc: bool) -> web.StreamResponse:
    head = request.method == "HEAD"
    try:
        identity = identify(request, service.keys)
        schema = pick_schema(request, service.schemas)
        accept = negotiate(request)
        prefer = parse_prefer(request)
        name = request.match_info["name"]
        if rpc:
            return await call_function(service, request, identity, schema, name, accept, prefer)
        if request.method in ("GET", "HEAD"):
            return await _read(service, request, identity, schema, name, accept, prefer)
        if request.method in ("POST", "PATCH", "DELETE"):
            return await _write(service, request, identity, schema, name, accept, prefer)
        raise pgrst(405, "PGRST117", f"Unsupported HTTP method: {request.method}")
    except ApiError as err:
        return to_response(err, head=head)


async def _read(
    service: RestBackend,
    request: web.Request,
    identity: Identity,
    schema: str,
    name: str,
    accept: Accept,
    prefer: Prefer,
) -> web.Response:
    query = parse_query(list(request.query.items()))
    if request.method == "GET" and "Range" in request.headers:
        _apply_range_header(query, request.headers["Range"])
    shape = "none" if request.method == "HEAD" else accept.shape

    def builder(rel: Relation) -> Statement:
        table = qualified(rel.schema, rel.name)
        return build_read(
            table,
            Target(table, rel.columns),
            query,
            Params(),
            shape=shape,
            strip_nulls=accept.strip_nulls,
            exact_count=prefer.count == "exact",
            embeds=plan_embeds(service.cache, rel, query),
        )

    stmt = await build_for(service, schema, name, builder)
    return await read_response(service, request, identity, stmt, query, accept, prefer)


def _apply_range_header(query: Query, header: str) -> None:
    """PostgREST's `Range: 0-9` on GET, intersected with limit/offset (RangeQuery.hs)."""
    match = re.fullmatch(r"([0-9]+)-([0-9]*)", header.strip())
    if match is None:
        return  # PostgREST ignores a Range it cannot parse
    lower = max(int(match[1]), query.offset)
    uppers = [int(match[2])] if match[2] else []
    if query.limit is not None:
        if query.limit == 0:
            return  # limit=0 wins over any Range
        uppers.append(query.offset + query.limit - 1)
    upper = min(uppers) if uppers else None
    if upper is not None and upper < lower:
        header_empty = bool(match[2]) and int(match[2]) < int(match[1])
        raise pgrst(
            416,
            "PGRST103",
            "Requested range not satisfiable",
            details="The lower boundary must be lower than or equal to the upper boundary "
            "in the Range header."
            if header_empty
            else "Limit should be greater than or equal to zero.",
        )
    query.offset = lower
    query.limit = None if upper is None else upper - lower + 1


def _json_body(raw: bytes) -> Any:
    try:
        return json.loads(raw or b"{}")
    except ValueError:
        raise pgrst(400, "PGRST102", "Empty or invalid json") from None


def _insert_rows(payload: Any, query: Query) -> tuple[list[dict[str, Any]], list[str]]:
    rows = [payload] if isinstance(payload, dict) else payload
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise pgrst(400, "PGRST102", "Empty or invalid json")
    if query.columns is not None:
        return rows, query.columns
    columns = list(rows[0]) if rows else []
    if any(set(r) != set(columns) for r in rows):
        raise pgrst(400, "PGRST102", "All object keys must match")
    return rows, columns


async def _check_body_columns(
    service: RestBackend, schema: str, name: str, columns: list[str]
) -> None:
    rel = await find_relation(service, schema, name)
    if all(c in rel.columns for c in columns):
        return
    await service.reload_if_unchanged(service.generation)
    rel = await find_relation(service, schema, name)
    for column in columns:
        if column not in rel.columns:
            raise pgrst(
                400,
                "PGRST204",
                f"Could not find the '{column}' column of '{name}' in the schema cache",
            )


def safeupdate(verb: str) -> ApiError:
    # What pg-safeupdate (preloaded by Supabase for the API roles) raises.
    return pgrst(400, "21000", f"{verb} requires a WHERE clause")


async def _write(
    service: RestBackend,
    request: web.Request,
    identity: Identity,
    schema: str,
    name: str,
    accept: Accept,
    prefer: Prefer,
) -> web.Response:
    method = request.method
    rel = await find_relation(service, schema, name)  # an unknown table: 404 before anything
    query = parse_query(list(request.query.items()))
    returning = prefer.representation
    # return=headers-only on an insert: PostgREST sends a Location built from the primary key
    # of the inserted row, so the statement returns that key and nothing else.
    location = method == "POST" and prefer.headers_only and bool(rel.primary_key)
    shape, strip = accept.shape, accept.strip_nulls
    if location:
        returning, shape = True, "array"
        query.select = [SelectItem(c) for c in rel.primary_key]
    builder: Callable[[Relation], Statement]
    if method == "POST":
        rows, columns = _insert_rows(_json_body(await request.read()), query)
        await _check_body_columns(service, schema, name, columns)

        def builder(rel: Relation) -> Statement:
            return build_insert(
                rel,
                rows,
                columns,
                query,
                missing_default=prefer.missing_default,
                resolution=prefer.resolution,
                returning=returning,
                shape=shape,
                strip_nulls=strip,
                embeds=plan_embeds(service.cache, rel, query),
            )
    elif method == "PATCH":
        if not query.where:
            raise safeupdate("UPDATE")
        values = _json_body(await request.read())
        if not isinstance(values, dict):
            raise pgrst(400, "PGRST102", "Empty or invalid json")
        if query.columns is not None:
            values = {k: v for k, v in values.items() if k in query.columns}
        await _check_body_columns(service, schema, name, list(values))
        if not values:
            # Nothing to set: PostgREST answers without touching a row.
            status = 200 if returning else 204
            return respond(
                status, "[]", accept=accept, prefer=prefer, head=False, content_range_value="*/*"
            )

        def builder(rel: Relation) -> Statement:
            return build_update(
                rel,
                values,
                query,
                returning=returning,
                shape=shape,
                strip_nulls=strip,
                embeds=plan_embeds(service.cache, rel, query),
            )
    else:
        if not query.where:
            raise safeupdate("DELETE")

        def builder(rel: Relation) -> Statement:
            return build_delete(
                rel,
                query,
                returning=returning,
                shape=shape,
                strip_nulls=strip,
                embeds=plan_embeds(service.cache, rel, query),
            )

    stmt = await build_for(service, schema, name, builder)

    inserted: list[int | None] = []

    async def work(conn: asyncpg.Connection) -> tuple[int, str | None]:
        row = await conn.fetchrow(stmt.sql, *stmt.params)
        affected = int(row["page_total"])
        inserted.append(row["inserted"])
        # Raising inside the transaction rolls the write back, as PostgREST does.
        if accept.shape == "object" and affected != 1:
            raise single_coerce(affected)
        if (
            prefer.strict
            and prefer.max_affected is not None
            and method != "POST"
            and affected > prefer.max_affected
        ):
            raise pgrst(
                400,
                "PGRST124",
                "Query result exceeds max-affected preference constraint",
                details=f"The query affects {affected} rows",
            )
        return affected, row["body"]

    affected, body = await service.run(identity, request, work, readonly=False)
    total = affected if prefer.count else None
    if method == "POST":
        headers = {}
        if location:
            rows = json.loads(body or "[]")
            if len(rows) == 1:
                pairs = [(k, "is.null" if v is None else f"eq.{v}") for k, v in rows[0].items()]
                headers["Location"] = f"/{name}?{urlencode(pairs)}"
            returning = False
        merged_only = prefer.resolution == "merge-duplicates" and inserted[-1] == 0
        return respond(
            200 if merged_only else 201,
            body if returning else None,
            headers=headers,
            accept=accept,
            prefer=prefer,
            head=False,
            content_range_value=content_range(1, 0, total),
        )
    return respond(
        200 if returning else 204,
        body,
        accept=accept,
        prefer=prefer,
        head=False,
        content_range_value=content_range(0, affected, total),
    )
