"""One websocket: Phoenix messages in, replies and change frames out through one ordered queue.

The socket speaks the protocol version its URL asked for (`Wire`); a channel carries it, so the
dispatcher and the rooms encode each frame for the socket that receives it.

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
from devstack.realtime.catalog import Catalog, read_policies, replay_messages, write_policy
from devstack.realtime.channels import (
    Channel,
    ChannelConfig,
    JoinError,
    Policies,
    Registry,
    Subscriber,
    resolve_bindings,
)
from devstack.realtime.protocol import (
    PHOENIX_TOPIC,
    ClientMessage,
    ProtocolError,
    UserBroadcast,
    Wire,
)
from devstack.realtime.rooms import Rooms

log = logging.getLogger(__name__)

MAX_QUEUED_FRAMES = 20_000


class Session:
    def __init__(
        self,
        ws: web.WebSocketResponse,
        request: web.Request,
        claims: dict[str, Any],
        *,
        wire: Wire,
        keys: Keys,
        catalog: Catalog,
        registry: Registry,
        rooms: Rooms,
    ) -> None:
        self.ws = ws
        self.request = request
        self.wire = wire
        self._apikey_claims = claims
        self._keys = keys
        self._catalog = catalog
        self._registry = registry
        self._rooms = rooms
        self.channels: dict[str, Channel] = {}
        self._queue: asyncio.Queue[str | bytes | None] = asyncio.Queue()
        self._writer: asyncio.Task[None] | None = None
        self.closed = False

    # --- output -----------------------------------------------------------------------------
    def start(self) -> None:
        self._writer = asyncio.create_task(self._write(), name="realtime-socket-writer")

    def send(self, frame: str | bytes) -> None:
        if self.closed:
            return
        if self._queue.qsize() >= MAX_QUEUED_FRAMES:
            log.warning("realtime: a client is %d frames behind; dropping it", MAX_QUEUED_FRAMES)
            self.abort()
            return
        self._queue.put_nowait(frame)

    async def _write(self) -> None:
        try:
            while True:
                frame = await self._queue.get()
                if frame is None:
                    return
                if isinstance(frame, bytes):
                    await self.ws.send_bytes(frame)
                else:
                    await self.ws.send_str(frame)
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
        channels = list(self.channels.values())
        self.channels.clear()
        for channel in channels:
            self._drop(channel)

    def _drop(self, channel: Channel) -> None:
        # Out of the registry first: the presence leave goes to the members that stay.
        self._registry.remove(channel)
        self._rooms.untrack(channel)

    # --- input ------------------------------------------------------------------------------
    async def handle(self, text: str) -> None:
        try:
            msg = self.wire.parse(text)
        except ProtocolError as exc:
            log.debug("realtime: ignoring a frame: %s", exc)
            return
        await self._dispatch(msg)

    async def handle_binary(self, data: bytes) -> None:
        try:
            msg = self.wire.parse_binary(data)
        except ProtocolError as exc:
            log.debug("realtime: ignoring a binary frame: %s", exc)
            return
        await self._dispatch(msg)

    async def _dispatch(self, msg: ClientMessage) -> None:
        if msg.topic == PHOENIX_TOPIC:
            if msg.event == "heartbeat":
                self.send(self.wire.reply(msg.topic, msg.ref, None, {}))
            return
        if msg.event == "phx_join":
            await self._join(msg)
            return
        channel = self.channels.get(msg.topic)
        if channel is None:
            # Phoenix's answer to a push on a topic this socket has not joined.
            self.send(self.wire.error_reply(msg.topic, msg.ref, msg.join_ref, "unmatched topic"))
        elif msg.event == "phx_leave":
            del self.channels[msg.topic]
            self._drop(channel)
            self.send(self.wire.reply(msg.topic, msg.ref, msg.join_ref, {}))
            self.send(self.wire.phx_close(msg.topic, channel.join_ref))
        elif msg.event == "access_token":
            await self._access_token(msg)
        elif msg.event == "broadcast":
            await self._broadcast(channel, msg)
        elif msg.event == "presence":
            await self._presence(channel, msg)
        # Other events: Realtime logs "Unexpected message from client" and answers nothing.

    async def _subscriber(self, token: Any) -> Subscriber:
        claims = self._apikey_claims
        # Realtime: an `sb_` key as the access token means "the socket's own key" (no user).
        if isinstance(token, str) and token and not token.startswith("sb_"):
            try:
                claims = self._keys.verify(token)
            except InvalidKey as exc:
                raise JoinError(f"InvalidJWTToken: {exc}") from None
        role = str(claims["role"])
        bypass = await self._catalog.bypasses_rls(role)
        return Subscriber(role, json.dumps(claims), bypass)

    async def _policies(self, subscriber: Subscriber, topic: str) -> Policies:
        sub = str(json.loads(subscriber.claims_json).get("sub") or "")
        read = await read_policies(
            self._catalog, subscriber.role, subscriber.claims_json, sub, topic
        )
        return Policies(broadcast_read=read["broadcast"], presence_read=read["presence"])

    async def _join(self, msg: ClientMessage) -> None:
        raw_config = msg.payload.get("config")
        config = ChannelConfig.of(raw_config)
        raw_bindings = (
            raw_config.get("postgres_changes", []) if isinstance(raw_config, dict) else []
        )
        # A second join to a joined topic replaces the first (Phoenix closes the old channel).
        previous = self.channels.pop(msg.topic, None)
        if previous is not None:
            self._drop(previous)
        sub_topic = msg.topic.removeprefix("realtime:")
        policies: Policies | None = None
        try:
            if not msg.topic.startswith("realtime:"):
                raise JoinError("unmatched topic")  # Phoenix: no channel serves it
            if not sub_topic:
                raise JoinError("TopicNameRequired: You must provide a topic name")
            if not isinstance(raw_bindings, list):
                raise JoinError("Unable to subscribe: config.postgres_changes must be a list")
            subscriber = await self._subscriber(msg.payload.get("access_token"))
            if config.private:
                policies = await self._policies(subscriber, sub_topic)
                presence_read = config.presence_enabled and policies.presence_read
                if not (policies.broadcast_read or presence_read):
                    raise JoinError(
                        "Unauthorized: You do not have permissions to read from this Channel "
                        f"topic: {sub_topic}"
                    )
            replayed = await self._replay(raw_config, sub_topic, policies)
            bindings = await resolve_bindings(self._catalog, raw_bindings, subscriber)
        except JoinError as exc:
            self.send(self.wire.error_reply(msg.topic, msg.ref, msg.join_ref, str(exc)))
            return
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            # Postgres is restarting: a transient join error, retried by the client's backoff.
            self.send(
                self.wire.error_reply(
                    msg.topic, msg.ref, msg.join_ref, f"DatabaseUnavailable: {exc}"
                )
            )
            return
        if self.closed:
            return
        channel = Channel(
            msg.topic,
            msg.join_ref,
            raw_bindings,
            bindings,
            subscriber,
            self.send,
            self.wire,
            config,
            policies,
            frozenset(str(row["id"]) for row in replayed),
        )
        # Live before the reply: a change committed after the client sees the reply is delivered.
        self.channels[msg.topic] = channel
        self._registry.add(channel)
        echoed = [{**raw, "id": b.id} for raw, b in zip(raw_bindings, bindings, strict=True)]
        self.send(self.wire.reply(msg.topic, msg.ref, msg.join_ref, {"postgres_changes": echoed}))
        if bindings:
            self.send(
                self.wire.system(
                    msg.topic,
                    status="ok",
                    message="Subscribed to PostgreSQL",
                    join_ref=msg.join_ref,
                )
            )
        for row in replayed:
            self._send_replayed(channel, row)
        if config.presence_enabled and channel.reads_presence:
            state = self._rooms.state(channel.room)
            self.send(self.wire.push(msg.topic, "presence_state", state, msg.join_ref))

    async def _replay(
        self, raw_config: Any, sub_topic: str, policies: Policies | None
    ) -> list[asyncpg.Record]:
        """`config.broadcast.replay = {since, limit}`: a private channel's stored broadcasts."""
        broadcast = raw_config.get("broadcast") if isinstance(raw_config, dict) else None
        if not isinstance(broadcast, dict) or "replay" not in broadcast:
            return []
        if policies is None:
            raise JoinError("UnableToReplayMessages: Replay is not allowed for public channels")
        if not policies.broadcast_read:
            raise JoinError(
                "Unauthorized: You do not have permissions to read from this Channel "
                f"topic: {sub_topic}"
            )
        replay = broadcast["replay"]
        if not isinstance(replay, dict):
            return []
        since, limit = replay.get("since"), replay.get("limit") or 25
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (since, limit)):
            raise JoinError("UnableToReplayMessages: Replay params are not valid")
        assert isinstance(since, int) and isinstance(limit, int)
        return await replay_messages(self._catalog, sub_topic, since, limit)

    def _send_replayed(self, channel: Channel, row: asyncpg.Record) -> None:
        meta = {"replayed": True, "id": str(row["id"])}
        binary = row["binary_payload"]
        if binary is not None:
            # vsn 1.0.0 cannot carry a binary payload: Realtime skips it there.
            if self.wire.v2:
                message = UserBroadcast(str(row["event"]), bytes(binary), False, meta)
                frame = self.wire.broadcast(channel.topic, message)
                if frame is not None:
                    self.send(frame)
            return
        payload = {
            "payload": json.loads(row["payload"]) if row["payload"] is not None else None,
            "event": row["event"],
            "type": "broadcast",
            "meta": meta,
        }
        self.send(self.wire.push(channel.topic, "broadcast", payload, channel.join_ref))

    async def _access_token(self, msg: ClientMessage) -> None:
        """Stored without a reply (as Realtime does); the bindings are re-resolved for the role."""
        channel = self.channels[msg.topic]
        token = msg.payload.get("access_token")
        if not isinstance(token, str) or token.startswith("sb_"):
            return  # Realtime ignores these: an `sb_` key never replaces a user's token
        try:
            subscriber = await self._subscriber(token)
            if subscriber == channel.subscriber:
                return
            bindings = await resolve_bindings(self._catalog, channel.raw_bindings, subscriber)
            policies = channel.policies
            if policies is not None:
                policies = await self._policies(subscriber, channel.room[0])
                if channel.policies is not None and (
                    (channel.policies.broadcast_read and not policies.broadcast_read)
                    or (channel.policies.presence_read and not policies.presence_read)
                ):
                    raise JoinError(
                        "You no longer have permission to read from this Channel topic: "
                        f"{channel.room[0]}"
                    )
        except JoinError as exc:
            # Realtime's answer to a token that no longer allows the subscription.
            del self.channels[msg.topic]
            self._drop(channel)
            self.send(
                self.wire.system(
                    msg.topic, status="error", message=str(exc), join_ref=channel.join_ref
                )
            )
            self.send(self.wire.phx_close(msg.topic, channel.join_ref))
            return
        channel.rebind(bindings, subscriber)
        channel.policies = policies
        self._registry.rebound()

    async def _may_write(self, channel: Channel, extension: str) -> bool:
        """A private channel asks its INSERT policy once per extension, as Realtime caches it."""
        policies = channel.policies
        if policies is None:
            return True
        attribute = f"{extension}_write"
        verdict: bool | None = getattr(policies, attribute)
        if verdict is None:
            subscriber = channel.subscriber
            sub = str(json.loads(subscriber.claims_json).get("sub") or "")
            verdict = await write_policy(
                self._catalog,
                subscriber.role,
                subscriber.claims_json,
                sub,
                channel.room[0],
                extension,
            )
            setattr(policies, attribute, verdict)
        return verdict

    async def _broadcast(self, channel: Channel, msg: ClientMessage) -> None:
        if not await self._may_write(channel, "broadcast"):
            return  # Realtime drops it without a reply, ack or not
        message = msg.user_broadcast if msg.user_broadcast is not None else msg.payload
        self._rooms.broadcast(channel.room, message, channel)
        if channel.config.broadcast_ack:
            self.send(self.wire.reply(msg.topic, msg.ref, msg.join_ref, {}))

    async def _presence(self, channel: Channel, msg: ClientMessage) -> None:
        event = str(msg.payload.get("event", "")).lower()
        if event == "track":
            payload = msg.payload.get("payload", {})
            if not isinstance(payload, dict):
                self.send(
                    self.wire.error_reply(
                        msg.topic, msg.ref, msg.join_ref, "Presence track payload must be a map"
                    )
                )
                return
            if not await self._may_write(channel, "presence"):
                self.send(self.wire.reply(msg.topic, msg.ref, msg.join_ref, {}, status="error"))
                return
            self._rooms.track(channel, payload)
        elif event == "untrack":
            self._rooms.untrack(channel)
        else:
            self.send(self.wire.reply(msg.topic, msg.ref, msg.join_ref, {}, status="error"))
            return
        self.send(self.wire.reply(msg.topic, msg.ref, msg.join_ref, {}))
