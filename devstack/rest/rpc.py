"""/rest/v1/rpc/{fn}: resolving the overload PostgREST would call, and calling it.

POST takes the arguments from the JSON body; GET and HEAD take them from the query string
(the other query parameters filter a set result) and run read-only, like PostgREST.
"""

from __future__ import annotations

import json
from typing import Any

import asyncpg
from aiohttp import web

from devstack.rest.embedding import plan_embeds
from devstack.rest.errors import pgrst, single_coerce
from devstack.rest.execution import execute, read_response, respond, unknown_column
from devstack.rest.negotiation import Accept, Identity, Prefer
from devstack.rest.query import RESERVED, parse_query
from devstack.rest.schema_cache import Function
from devstack.rest.service_api import RestBackend
from devstack.rest.sqlbuild import (
    Params,
    Statement,
    Target,
    UnknownColumn,
    build_read,
    build_rpc_scalar,
    rpc_call,
)


def _matches(fn: Function, given: set[str], *, from_body: bool) -> bool:
    names = {a.name for a in fn.args}
    if from_body and not given <= names:
        return False
    return fn.required <= given


def _not_found(service: RestBackend, schema: str, name: str, given: set[str]) -> Exception:
    qualified_name = f"{schema}.{name}"
    args = ", ".join(sorted(given))
    if given:
        message = f"Could not find the function {qualified_name}({args}) in the schema cache"
        searched = f"with parameters {args}"
    else:
        message = (
            f"Could not find the function {qualified_name} without parameters in the schema cache"
        )
        searched = "without parameters"
    similar = service.cache.similar_function(schema, name)
    return pgrst(
        404,
        "PGRST202",
        message,
        details=f"Searched for the function {qualified_name} {searched} or with a single "
        "unnamed json/jsonb parameter, but no matches were found in the schema cache.",
        hint=f"Perhaps you meant to call the function {schema}.{similar}" if similar else None,
    )


async def _resolve(
    service: RestBackend,
    schema: str,
    name: str,
    body: Any,
    query_keys: set[str],
    *,
    from_body: bool,
) -> tuple[Function, dict[str, Any]]:
    for attempt in (1, 2):
        generation = service.generation
        for fn in service.cache.functions.get((schema, name), []):
            if from_body and fn.single_unnamed_json:
                return fn, body
            if from_body:
                given = set(body) if isinstance(body, dict) else set()
                if isinstance(body, dict) and _matches(fn, given, from_body=True):
                    return fn, body
            else:
                names = {a.name for a in fn.args}
                if _matches(fn, query_keys & names, from_body=False):
                    return fn, {}
        if attempt == 1:
            # A function created since the last load: look once more before the 404.
            await service.reload_if_unchanged(generation)
    given = set(body) if from_body and isinstance(body, dict) else query_keys
    raise _not_found(service, schema, name, given)


async def call_function(
    service: RestBackend,
    request: web.Request,
    identity: Identity,
    schema: str,
    name: str,
    accept: Accept,
    prefer: Prefer,
) -> web.Response:
    method = request.method
    if method not in ("GET", "HEAD", "POST"):
        raise pgrst(405, "PGRST101", f"Cannot use the {method} method on RPC")
    from_body = method == "POST"
    body: Any = {}
    if from_body:
        raw = await request.read()
        try:
            body = json.loads(raw) if raw.strip() else {}
        except ValueError:
            raise pgrst(400, "PGRST102", "Empty or invalid json") from None
    pairs = list(request.query.items())
    query_keys = {k for k, _ in pairs if k not in RESERVED}
    fn, args = await _resolve(service, schema, name, body, query_keys, from_body=from_body)
    if not from_body:
        names = {a.name for a in fn.args}
        args = {k: v for k, v in pairs if k in names}
    query = parse_query(pairs, rpc_args=set(args) if not from_body else None)
    # A function that returns rows of a table embeds from that table's relationships;
    # any other result has none (PGRST200).
    result_rel = service.cache.relation(*fn.result_relation) if fn.result_relation else None
    embeds = plan_embeds(
        service.cache, result_rel, query, origin_name=fn.name, origin_schema=fn.schema
    )
    params = Params()
    binds, call = rpc_call(fn, args, params, from_body=from_body)
    head = method == "HEAD"

    if fn.result_columns is not None:
        shape = accept.shape if fn.returns_set or accept.shape == "csv" else "object"
        shape = "none" if head else shape
        target = Target('"pgrst_call"', fn.result_columns)
        try:
            stmt = build_read(
                f'{binds}{call} as "pgrst_call"',
                target,
                query,
                params,
                shape=shape,
                strip_nulls=accept.strip_nulls,
                exact_count=prefer.count == "exact",
                embeds=embeds,
            )
        except UnknownColumn as exc:
            raise unknown_column(fn.name, fn.result_columns, exc.column) from None
        if fn.returns_set:
            return await read_response(
                service, request, identity, stmt, query, accept, prefer, readonly=not from_body
            )
        return await _scalar_response(service, request, identity, stmt, accept, prefer, void=False)
    if accept.shape == "csv":
        # CSV is served for functions that return rows; a scalar result is refused.
        raise pgrst(406, "PGRST107", "None of these media types are available: text/csv")
    stmt = build_rpc_scalar(fn, binds, call, params, query, strip_nulls=accept.strip_nulls)
    if fn.returns_set:
        return await read_response(
            service, request, identity, stmt, query, accept, prefer, readonly=not from_body
        )
    return await _scalar_response(service, request, identity, stmt, accept, prefer, void=fn.is_void)


async def _scalar_response(
    service: RestBackend,
    request: web.Request,
    identity: Identity,
    stmt: Statement,
    accept: Accept,
    prefer: Prefer,
    *,
    void: bool,
) -> web.Response:
    async def work(conn: asyncpg.Connection) -> tuple[int | None, int, str | None]:
        return await execute(conn, stmt, None)

    readonly = request.method != "POST"
    _, page_total, body = await service.run(identity, request, work, readonly=readonly)
    if accept.shape == "object" and page_total != 1:
        raise single_coerce(page_total)
    if void:
        return respond(204, None, accept=accept, prefer=prefer, head=True, content_range_value=None)
    return respond(
        200,
        body,
        accept=accept,
        prefer=prefer,
        head=request.method == "HEAD",
        content_range_value=None,
    )
