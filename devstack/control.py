"""Fault controls of a running devstack, for resilience tests and `agentp fault ...`.

Reachable over HTTP with the service key only, so nothing but the stack's owner can break it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from devstack.keys import InvalidKey

if TYPE_CHECKING:
    from devstack.stack import DevStack

FAULTS = ("drop-sockets", "refuse-sockets", "restart-realtime", "restart-postgres")


async def apply_fault(stack: DevStack, fault: str, seconds: float = 0.0) -> None:
    if fault == "drop-sockets":
        await stack.realtime.drop_all()
    elif fault == "refuse-sockets":
        stack.realtime.refuse_new(seconds)
    elif fault == "restart-realtime":
        await stack.realtime.restart()
    elif fault == "restart-postgres":
        await stack.restart_postgres()
    else:
        raise ValueError(f"unknown fault {fault!r}; one of: {', '.join(FAULTS)}")


async def _handle(request: web.Request) -> web.Response:
    from devstack.stack import STACK_KEY

    stack: DevStack = request.app[STACK_KEY]
    token = request.headers.get("apikey") or request.query.get("apikey") or ""
    try:
        claims = stack.keys.verify(token)
    except InvalidKey:
        claims = {}
    if claims.get("role") != "service_role":
        return web.json_response({"message": "the service key is required"}, status=401)
    fault = request.match_info["fault"]
    try:
        seconds = float(request.query.get("seconds", "0"))
    except ValueError:
        return web.json_response({"message": "seconds must be a number"}, status=400)
    if fault not in FAULTS:
        return web.json_response(
            {"message": f"unknown fault; one of {', '.join(FAULTS)}"}, status=404
        )
    await apply_fault(stack, fault, seconds)
    return web.json_response({"ok": True, "fault": fault})


def add_control_routes(app: web.Application) -> None:
    app.router.add_post("/_devstack/faults/{fault}", _handle)
