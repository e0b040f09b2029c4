"""The devstack's Realtime: `/realtime/v1/websocket`, Phoenix channels with postgres_changes,
Broadcast and Presence, public and private, in protocol vsn 1.0.0 and 2.0.0.

Pieces: `capture` (triggers + queue + reader, commit order), `catalog` (what Postgres is asked),
`channels` (join-time resolution of bindings), `filters`, `dispatch` (one frame per change per
channel; rows of realtime.messages become broadcasts), `rooms` (broadcast and presence),
`session` (one websocket), `protocol` (frames). This module wires them to aiohttp and carries the
fault controls the resilience tests use.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass

import aiohttp
import asyncpg
from aiohttp import web

from devstack.keys import InvalidKey, Keys
from devstack.realtime import capture, http_broadcast
from devstack.realtime.catalog import Catalog
from devstack.realtime.channels import Registry
from devstack.realtime.dispatch import Dispatcher
from devstack.realtime.protocol import VERSIONS, VSN_1, Wire
from devstack.realtime.rooms import Rooms
from devstack.realtime.session import Session

log = logging.getLogger(__name__)

PATH = "/realtime/v1/websocket"
# Server pings keep idle sockets alive through anything in between and find dead clients;
# the client answers them itself (websockets), and aiohttp answers the client's own pings.
PING_SECONDS = 20.0
MAX_CLIENT_FRAME = 1024 * 1024


def _gateway_error(message: str, hint: str) -> web.Response:
    return web.json_response({"message": message, "hint": hint}, status=401)


@dataclass(frozen=True)
class OpenSocket:
    """One open websocket as the server sees it: the client's address and its joined topics."""

    peer: tuple[str, int] | None
    topics: tuple[str, ...]


class RealtimeService:
    def __init__(self, *, dsn: str, keys: Keys) -> None:
        self._dsn = dsn
        self._keys = keys
        self._catalog = Catalog(dsn)
        self.registry = Registry()
        self.rooms = Rooms(self.registry)
        self.dispatcher = Dispatcher(self._catalog, self.registry, self.rooms)
        self._reader = capture.Reader(dsn, self.dispatcher.dispatch)
        self._sessions: set[Session] = set()
        self._running = False
        self._refuse_until = 0.0

    # --- life cycle -------------------------------------------------------------------------
    async def start(self) -> None:
        await self._catalog.start()
        conn = await asyncpg.connect(self._dsn)
        try:
            async with conn.transaction():
                # Two devstacks starting on one database must not interleave the DDL.
                await conn.execute(
                    "select pg_advisory_xact_lock($1)", capture.COMMIT_ORDER_LOCK + 1
                )
                await capture.install_capture(conn)
                await capture.sync_triggers(conn)
            await self._reader.start(conn)
        finally:
            await conn.close()
        self._running = True

    async def stop(self) -> None:
        self._running = False
        sessions = list(self._sessions)
        await asyncio.gather(
            *(s.close(aiohttp.WSCloseCode.SERVICE_RESTART, "realtime stopping") for s in sessions),
            return_exceptions=True,
        )
        await self._reader.stop()
        await self._catalog.stop()

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get(PATH, self._handle)
        app.router.add_post(http_broadcast.BATCH_PATH, self._http_batch)
        app.router.add_post(http_broadcast.SINGLE_PATH, self._http_single)

    async def _http_batch(self, request: web.Request) -> web.Response:
        return await http_broadcast.batch(request, self._keys, self._catalog, self.rooms)

    async def _http_single(self, request: web.Request) -> web.Response:
        return await http_broadcast.single(request, self._keys, self._catalog, self.rooms)

    # --- faults -----------------------------------------------------------------------------
    async def drop_all(self) -> None:
        """Every websocket is cut now, without a close frame (the client sees 1006)."""
        for session in list(self._sessions):
            session.abort()

    def refuse_new(self, seconds: float) -> None:
        """New websocket upgrades get 503 for `seconds`; open sockets are untouched."""
        self._refuse_until = time.monotonic() + max(0.0, seconds)

    async def restart(self) -> None:
        """Stop (sockets closed with 1012) and start again while Postgres keeps committing."""
        started = time.monotonic()
        await self.stop()
        await self.start()
        log.info("realtime restarted in %.0f ms", (time.monotonic() - started) * 1000)

    def open_sockets(self) -> list[OpenSocket]:
        """The websockets open now (the benches count an app's sockets by their peers)."""
        sockets = []
        for session in list(self._sessions):
            if session.closed:
                continue
            transport = session.request.transport
            peer = transport.get_extra_info("peername") if transport is not None else None
            address = (str(peer[0]), int(peer[1])) if peer else None
            sockets.append(OpenSocket(address, tuple(sorted(session.channels))))
        return sockets

    @property
    def delivered(self) -> int:
        return self._reader.delivered

    # --- the websocket ----------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if not self._running or time.monotonic() < self._refuse_until:
            return web.json_response({"message": "Realtime is unavailable"}, status=503)
        vsn = request.query.get("vsn", VSN_1)
        if vsn not in VERSIONS:
            # Phoenix refuses a transport version it has no serializer for before the upgrade.
            return web.json_response({"message": f"unsupported protocol vsn {vsn}"}, status=400)
        token = request.query.get("apikey") or request.headers.get("apikey")
        if not token:
            return _gateway_error(
                "No API key found in request",
                "No `apikey` request header or url param was found.",
            )
        try:
            claims = self._keys.verify_apikey(token)
        except InvalidKey:
            return _gateway_error(
                "Invalid API key", "Double check your Supabase `anon` or `service_role` API key."
            )
        ws = web.WebSocketResponse(
            heartbeat=PING_SECONDS,
            max_msg_size=MAX_CLIENT_FRAME,
            compress=False,  # local sockets: deflate would only add latency
            timeout=2.0,
        )
        await ws.prepare(request)
        session = Session(
            ws,
            request,
            claims,
            wire=Wire(vsn),
            keys=self._keys,
            catalog=self._catalog,
            registry=self.registry,
            rooms=self.rooms,
        )
        self._sessions.add(session)
        session.start()
        try:
            async for msg in ws:
                try:
                    if msg.type == aiohttp.WSMsgType.TEXT:
                        await session.handle(msg.data)
                    elif msg.type == aiohttp.WSMsgType.BINARY:
                        await session.handle_binary(msg.data)
                except Exception:
                    log.exception("realtime: handling a client message failed")
                if session.closed:
                    break
        finally:
            self._sessions.discard(session)
            with contextlib.suppress(Exception):
                await session.close()
        return ws
