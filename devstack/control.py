"""Fault controls of a running devstack, for resilience tests and `agentp fault ...`.

Reachable over HTTP with the service key only, so nothing but the stack's owner can break it:
`POST /_devstack/faults/{fault}?seconds=N&count=N&status=N` (the parameters each fault reads
are listed in devstack.faults). `GET /_devstack/realtime/sockets` lists the open realtime
websockets (client address, joined topics), for the benches that count an app's sockets.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, Protocol

from aiohttp import web

from devstack.faults import FAULT_HELP, FAULTS
from devstack.keys import InvalidKey, Keys


class FaultTarget(Protocol):
    """What the faults act on: the parts of a running `DevStack` (devstack/stack.py)."""

    keys: Keys
    rest: Any
    realtime: Any
    yclients: Any
    bot: Any

    @property
    def postgres_down(self) -> bool: ...

    async def restart_postgres(self, down_for: float = 0.0) -> None: ...


# Restarts scheduled by `stop-bot --seconds`: held so the loop does not drop them half-way.
_restarts: set[asyncio.Future[None]] = set()


class FaultRefused(ValueError):
    """The fault cannot apply to this stack, or a parameter is out of range."""


@dataclass(frozen=True)
class FaultParams:
    seconds: float = 0.0
    count: int = 1
    status: int = 503


async def apply_fault(
    stack: FaultTarget, fault: str, seconds: float = 0.0, *, count: int = 1, status: int = 503
) -> None:
    params = FaultParams(seconds, count, status)
    _check(params)
    if fault == "drop-sockets":
        await stack.realtime.drop_all()
    elif fault == "refuse-sockets":
        stack.realtime.refuse_new(seconds)
    elif fault == "restart-realtime":
        await stack.realtime.restart()
    elif fault == "restart-postgres":
        if stack.postgres_down:
            raise FaultRefused("Postgres is already down and comes back by itself")
        await stack.restart_postgres(seconds)
    elif fault == "rest-unavailable":
        stack.rest.make_unavailable(seconds)
    elif fault.startswith("yclients-") and fault in FAULT_HELP:
        _yclients_fault(stack, fault, params)
    elif fault in {"stop-bot", "start-bot"}:
        await _bot_fault(stack, fault, seconds)
    else:
        raise ValueError(f"unknown fault {fault!r}; one of: {', '.join(FAULTS)}")


async def _bot_fault(stack: FaultTarget, fault: str, seconds: float) -> None:
    """A bot that stops polling, as a crashed or wedged bot does: the dashboard must notice."""
    bot = stack.bot
    if bot is None:
        raise FaultRefused("this devstack runs without the bot simulator (--bot off)")
    if fault == "start-bot":
        await bot.start()
        return
    await bot.stop()
    if seconds > 0:

        def restart() -> None:
            task = asyncio.ensure_future(bot.start())
            _restarts.add(task)
            task.add_done_callback(_restarts.discard)

        asyncio.get_running_loop().call_later(seconds, restart)


def _yclients_fault(stack: FaultTarget, fault: str, params: FaultParams) -> None:
    sandbox = stack.yclients
    if sandbox is None:
        raise FaultRefused("this devstack runs without the YClients sandbox")
    if fault == "yclients-errors":
        if not 500 <= params.status <= 599:
            raise FaultRefused("status must be a 5xx")
        sandbox.fail_next(params.count, status=params.status)
    elif fault == "yclients-throttle":
        sandbox.throttle_next(params.count, retry_after=params.seconds or 1.0)
    else:
        sandbox.hang_next(params.count, seconds=params.seconds or None)


def _check(params: FaultParams) -> None:
    if not 0 <= params.seconds <= 3600:
        raise FaultRefused("seconds must be between 0 and 3600")
    if not 1 <= params.count <= 10_000:
        raise FaultRefused("count must be between 1 and 10000")


def _params(request: web.Request) -> FaultParams:
    try:
        return FaultParams(
            seconds=float(request.query.get("seconds", "0")),
            count=int(request.query.get("count", "1")),
            status=int(request.query.get("status", "503")),
        )
    except ValueError:
        raise FaultRefused("seconds, count and status must be numbers") from None


def _owner(stack: FaultTarget, request: web.Request) -> FaultTarget | None:
    """The stack, if the request carries its service key."""
    token = request.headers.get("apikey") or request.query.get("apikey") or ""
    try:
        claims = stack.keys.verify_apikey(token)
    except InvalidKey:
        claims = {}
    return stack if claims.get("role") == "service_role" else None


def _unauthorized() -> web.Response:
    return web.json_response({"message": "the service key is required"}, status=401)


async def _sockets(target: FaultTarget, request: web.Request) -> web.Response:
    stack = _owner(target, request)
    if stack is None:
        return _unauthorized()
    sockets = [
        {"peer": list(s.peer) if s.peer else None, "topics": list(s.topics)}
        for s in stack.realtime.open_sockets()
    ]
    return web.json_response({"sockets": sockets})


async def _handle(target: FaultTarget, request: web.Request) -> web.Response:
    stack = _owner(target, request)
    if stack is None:
        return _unauthorized()
    fault = request.match_info["fault"]
    if fault not in FAULTS:
        return web.json_response(
            {"message": f"unknown fault; one of {', '.join(FAULTS)}"}, status=404
        )
    try:
        params = _params(request)
        await apply_fault(stack, fault, params.seconds, count=params.count, status=params.status)
    except FaultRefused as exc:
        return web.json_response({"message": str(exc)}, status=400)
    return web.json_response({"ok": True, "fault": fault})


def add_control_routes(app: web.Application, stack: FaultTarget) -> None:
    async def handle(request: web.Request) -> web.Response:
        return await _handle(stack, request)

    async def sockets(request: web.Request) -> web.Response:
        return await _sockets(stack, request)

    app.router.add_post("/_devstack/faults/{fault}", handle)
    app.router.add_get("/_devstack/realtime/sockets", sockets)
