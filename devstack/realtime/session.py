"""One websocket: Phoenix messages in, replies and change frames out through one ordered queue.

Everything a socket sends goes through its queue and one writer task, so a join reply always
precedes its `system` message, which precedes the first change frame, and a slow client never
stalls the capture reader (a client that falls too far behind is disconnected, and reconnects).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

import asyncpg
from aiohttp import web

from devstack.keys import InvalidKey, Keys
from devstack.realtime import protocol
from devstack.realtime.catalog import Catalog
from devstack.realtime.channels import (
    Channel,
    JoinError,
    Registry,
    Subscriber,
    resolve_bindings,
)

log = logging.getLogger(__name__)

MAX_QUEUED_FRAMES = 20_000


class Session:
    def __init__(
        self,
        ws: web.WebSocketResponse,
        request: web.Request,
        claims: dict[str, Any],
        *,
        keys: Keys,
        catalog: Catalog,
        registry: Registry,
    ) -> None:
        self.ws = ws
        self.request = request
        self._apikey_claims = claims
        self._keys = keys
        self._catalog = catalog
        self._registry = registry
        self.channels: dict[str, Channel] = {}
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        self._writer: asyncio.Task[None] | None = None
        self.closed = False

    # --- output -----------------------------------------------------------------------------
    def start(self) -> None:
        self._writer = asyncio.create_task(self._write(), name="realtime-socket-writer")

    def send(self, text: str) -> None:
        if self.closed:
            return
        if self._queue.qsize() >= MAX_QUEUED_FRAMES:
            log.warning("realtime: a client is %d frames behind; dropping it", MAX_QUEUED_FRAMES)
            self.abort()
            return
        self._queue.put_nowait(text)

    async def _write(self) -> None:
        try:
            while True:
                text = await self._queue.get()
                if text is None:
                    return
                await self.ws.send_str(text)
        except (ConnectionError, RuntimeError) as exc:
            log.debug("realtime: socket writer stopped: %s", exc)
            self.abort()

    def abort(self) -> None:
        """Drop the connection without a close frame: the client sees 1006, as on a network cut."""
        self._forget_channels()
        self.closed = True
        transport = self.request.transport
        if transport is not None:
            transport.abort()

    async def close(self, code: int = 1000, message: str = "") -> None:
        self._forget_channels()
        if not self.closed:
            self.closed = True
            self._queue.put_nowait(None)
            if self._writer is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(self._writer, 2)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.ws.close(code=code, message=message.encode()), 2)
        if self._writer is not None and not self._writer.done():
            self._writer.cancel()

    def _forget_channels(self) -> None:
        for channel in self.channels.values():
            self._registry.remove(channel)
        self.channels.clear()

    # --- input ------------------------------------------------------------------------------
    async def handle(self, text: str) -> None:
        try:
            msg = protocol.parse_client(text)
        except protocol.ProtocolError as exc:
            log.debug("realtime: ignoring a frame: %s", exc)
            return
        if msg.topic == protocol.PHOENIX_TOPIC:
            if msg.event == "heartbeat":
                self.send(protocol.reply(msg.topic, msg.ref, None, {}))
            return
        if msg.event == "phx_join":
            await self._join(msg)
        elif msg.topic not in self.channels:
            # Phoenix's answer to a push on a topic this socket has not joined.
            self.send(protocol.error_reply(msg.topic, msg.ref, msg.join_ref, "unmatched topic"))
        elif msg.event == "phx_leave":
            channel = self.channels.pop(msg.topic)
            self._registry.remove(channel)
            self.send(protocol.reply(msg.topic, msg.ref, msg.join_ref, {}))
            self.send(protocol.phx_close(msg.topic, channel.join_ref))
        elif msg.event == "access_token":
            await self._access_token(msg)
        # broadcast / presence pushes: not served by the devstack, ignored like unknown events.

    async def _subscriber(self, token: Any) -> Subscriber:
        claims = self._apikey_claims
        if isinstance(token, str) and token:
            try:
                claims = self._keys.verify(token)
            except InvalidKey as exc:
                raise JoinError(f"InvalidJWTToken: {exc}") from None
        role = str(claims["role"])
        bypass = await self._catalog.bypasses_rls(role)
        return Subscriber(role, json.dumps(claims), bypass)

    async def _join(self, msg: protocol.ClientMessage) -> None:
        config = msg.payload.get("config")
        raw_bindings = config.get("postgres_changes", []) if isinstance(config, dict) else []
        # A second join to a joined topic replaces the first (Phoenix closes the old channel).
        previous = self.channels.pop(msg.topic, None)
        if previous is not None:
            self._registry.remove(previous)
        try:
            if not isinstance(raw_bindings, list):
                raise JoinError("Unable to subscribe: config.postgres_changes must be a list")
            subscriber = await self._subscriber(msg.payload.get("access_token"))
            bindings = await resolve_bindings(self._catalog, raw_bindings, subscriber)
        except JoinError as exc:
            self.send(protocol.error_reply(msg.topic, msg.ref, msg.join_ref, str(exc)))
            return
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            # Postgres is restarting: a transient join error, retried by the client's backoff.
            self.send(
                protocol.error_reply(
                    msg.topic, msg.ref, msg.join_ref, f"DatabaseUnavailable: {exc}"
                )
            )
            return
        if self.closed:
            return
        channel = Channel(msg.topic, msg.join_ref, raw_bindings, bindings, subscriber, self.send)
        # Live before the reply: a change committed after the client sees the reply is delivered.
        self.channels[msg.topic] = channel
        self._registry.add(channel)
        echoed = [{**raw, "id": b.id} for raw, b in zip(raw_bindings, bindings, strict=True)]
        self.send(protocol.reply(msg.topic, msg.ref, msg.join_ref, {"postgres_changes": echoed}))
        if bindings:
            self.send(protocol.system(msg.topic, status="ok", message="Subscribed to PostgreSQL"))

    async def _access_token(self, msg: protocol.ClientMessage) -> None:
        """Stored without a reply (as Realtime does); the bindings are re-resolved for the role."""
        channel = self.channels[msg.topic]
        try:
            subscriber = await self._subscriber(msg.payload.get("access_token"))
            if subscriber == channel.subscriber:
                return
            bindings = await resolve_bindings(self._catalog, channel.raw_bindings, subscriber)
        except JoinError as exc:
            # Realtime's answer to a token that no longer allows the subscription.
            self._registry.remove(self.channels.pop(msg.topic))
            self.send(protocol.system(msg.topic, status="error", message=str(exc)))
            self.send(protocol.phx_close(msg.topic, channel.join_ref))
            return
        replacement = Channel(
            channel.topic, channel.join_ref, channel.raw_bindings, bindings, subscriber, self.send
        )
        self._registry.remove(channel)
        self.channels[msg.topic] = replacement
        self._registry.add(replacement)
