"""Realtime's REST broadcast: `POST /api/broadcast` (a batch) and
`POST /api/broadcast/{topic}/events/{event}` (one message, JSON or binary), both 202.

supabase-js uses them for `httpSend()` and when `send()` is called on a channel not yet joined;
supabase-py for `http_send()`. Public messages go out as they are; a private one goes out only
if the caller's role and claims pass the INSERT policies on realtime.messages for its topic
(the batch drops the rest silently, the single endpoint answers 403), as in Realtime's
`BatchBroadcast` and `SingleBroadcast`.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from devstack.keys import InvalidKey, Keys
from devstack.realtime.catalog import Catalog, write_policy
from devstack.realtime.protocol import UserBroadcast
from devstack.realtime.rooms import Rooms

BATCH_PATH = "/realtime/v1/api/broadcast"
SINGLE_PATH = BATCH_PATH + "/{topic}/events/{event}"


def _claims(request: web.Request, keys: Keys) -> dict[str, Any] | web.Response:
    apikey = request.headers.get("apikey") or request.query.get("apikey")
    if not apikey:
        return web.json_response(
            {
                "message": "No API key found in request",
                "hint": "No `apikey` request header or url param was found.",
            },
            status=401,
        )
    try:
        claims = keys.verify_apikey(apikey)
    except InvalidKey:
        return web.json_response(
            {
                "message": "Invalid API key",
                "hint": "Double check your Supabase `anon` or `service_role` API key.",
            },
            status=401,
        )
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() == "bearer" and token and token != apikey:
        try:
            claims = keys.verify(token)
        except InvalidKey as exc:
            return web.json_response({"message": str(exc)}, status=401)
    return claims


async def _may_send(catalog: Catalog, claims: dict[str, Any], topic: str) -> bool:
    return await write_policy(
        catalog,
        str(claims["role"]),
        json.dumps(claims),
        str(claims.get("sub") or ""),
        topic,
        "broadcast",
    )


def _unprocessable(errors: dict[str, Any]) -> web.Response:
    return web.json_response({"errors": errors}, status=422)


async def batch(request: web.Request, keys: Keys, catalog: Catalog, rooms: Rooms) -> web.Response:
    claims = _claims(request, keys)
    if isinstance(claims, web.Response):
        return claims
    try:
        body = await request.json()
    except ValueError:
        return _unprocessable({"messages": ["is invalid"]})
    messages = body.get("messages") if isinstance(body, dict) else None
    if not isinstance(messages, list) or not messages:
        return _unprocessable({"messages": ["can't be blank"]})
    problems: list[dict[str, list[str]]] = []
    for message in messages:
        problem: dict[str, list[str]] = {}
        if not isinstance(message, dict):
            problems.append({"message": ["is invalid"]})
            continue
        for field in ("topic", "event"):
            if not isinstance(message.get(field), str) or not message[field]:
                problem[field] = ["can't be blank"]
        if not isinstance(message.get("payload"), dict):
            problem["payload"] = ["can't be blank"]
        problems.append(problem)
    if any(problems):
        return _unprocessable({"messages": problems})
    allowed: dict[str, bool] = {}
    for message in messages:
        private = message.get("private") is True
        topic = message["topic"]
        if private:
            if topic not in allowed:
                allowed[topic] = await _may_send(catalog, claims, topic)
            if not allowed[topic]:
                continue
        payload: dict[str, Any] = {
            "payload": message["payload"],
            "event": message["event"],
            "type": "broadcast",
        }
        if isinstance(message.get("id"), str):
            payload["meta"] = {"id": message["id"]}
        rooms.broadcast((topic, private), payload, None)
    return web.Response(status=202)


async def single(request: web.Request, keys: Keys, catalog: Catalog, rooms: Rooms) -> web.Response:
    claims = _claims(request, keys)
    if isinstance(claims, web.Response):
        return claims
    topic, event = request.match_info["topic"], request.match_info["event"]
    private = request.query.get("private") == "true"
    raw = await request.read()
    if not raw:
        return _unprocessable({"payload": ["can't be blank"]})
    if request.content_type == "application/octet-stream":
        message = UserBroadcast(event, raw, False)
    else:
        try:
            json.loads(raw)
        except ValueError:
            return _unprocessable({"payload": ["is invalid"]})
        message = UserBroadcast(event, raw, True)
    if private and not await _may_send(catalog, claims, topic):
        return web.json_response({"message": "Unauthorized"}, status=403)
    rooms.broadcast((topic, private), message, None)
    return web.Response(status=202)
