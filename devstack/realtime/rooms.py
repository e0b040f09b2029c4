"""Broadcast and Presence: what one channel sends reaches the channels joined on its room.

A room is a topic plus the private flag (Realtime keeps `tenant:topic` and `tenant-private:topic`
apart). Broadcast goes to every member, the sender only with `broadcast.self`; a private member
receives only with the broadcast read policy. Presence keeps, per room, each tracking channel's
key and meta; `presence_diff` goes to every member allowed to read presence, the tracker too,
as Phoenix.Presence does.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from devstack.realtime.channels import Channel, Registry, Room
from devstack.realtime.protocol import ProtocolError, UserBroadcast

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Tracked:
    key: str
    meta: dict[str, Any]  # the tracked payload plus `phx_ref`


def _entries(tracked: Iterable[_Tracked]) -> dict[str, dict[str, list[dict[str, Any]]]]:
    grouped: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for item in tracked:
        grouped.setdefault(item.key, {"metas": []})["metas"].append(item.meta)
    return grouped


class Rooms:
    def __init__(self, registry: Registry) -> None:
        self._registry = registry
        self._presence: dict[Room, dict[Channel, _Tracked]] = {}
        self.broadcasts_sent = 0

    # --- broadcast ------------------------------------------------------------------------
    def broadcast(
        self, room: Room, message: dict[str, Any] | UserBroadcast, sender: Channel | None
    ) -> None:
        encoded: dict[tuple[bool, str], str | bytes | None] = {}
        message_id = _message_id(message)
        for member in self._registry.in_room(room):
            if member is sender and not member.config.broadcast_self:
                continue
            if not member.reads_broadcast:
                continue
            if message_id is not None and message_id in member.replayed:
                continue  # it came with the replay at join already
            key = (member.wire.v2, member.topic)
            if key not in encoded:
                try:
                    encoded[key] = member.wire.broadcast(member.topic, message)
                except ProtocolError as exc:
                    log.info("realtime: a broadcast on %s cannot be encoded: %s", room[0], exc)
                    encoded[key] = None
            frame = encoded[key]
            if frame is not None:
                member.send(frame)
                self.broadcasts_sent += 1

    def from_database(self, record: dict[str, Any]) -> None:
        """A row of realtime.messages (realtime.send / broadcast_changes) sent to its room."""
        if record.get("extension") != "broadcast":
            return
        topic, event = record.get("topic"), record.get("event")
        if not isinstance(topic, str) or not isinstance(event, str):
            return
        meta = {"id": record.get("id")}
        binary = record.get("binary_payload")
        if isinstance(binary, str) and binary.startswith("\\x"):
            message = UserBroadcast(event, bytes.fromhex(binary[2:]), False, meta)
        else:
            body = json.dumps(record.get("payload"), ensure_ascii=False, separators=(",", ":"))
            message = UserBroadcast(event, body.encode(), True, meta)
        self.broadcast((topic, record.get("private") is True), message, None)

    # --- presence -------------------------------------------------------------------------
    def state(self, room: Room) -> dict[str, Any]:
        return _entries(self._presence.get(room, {}).values())

    def track(self, channel: Channel, payload: dict[str, Any]) -> None:
        members = self._presence.setdefault(channel.room, {})
        previous = members.get(channel)
        if previous is not None:
            old_payload = {k: v for k, v in previous.meta.items() if k != "phx_ref"}
            if old_payload == payload:
                return  # Realtime: no diff when the payload did not change
        meta = {**payload, "phx_ref": _phx_ref()}
        if previous is not None:
            meta["phx_ref_prev"] = previous.meta["phx_ref"]
        tracked = _Tracked(channel.config.presence_key, meta)
        members[channel] = tracked
        leaves = [previous] if previous is not None else []
        self._diff(channel.room, [tracked], leaves)

    def untrack(self, channel: Channel) -> None:
        members = self._presence.get(channel.room)
        if not members or channel not in members:
            return
        gone = members.pop(channel)
        if not members:
            self._presence.pop(channel.room, None)
        self._diff(channel.room, [], [gone])

    def _diff(self, room: Room, joins: list[_Tracked], leaves: list[_Tracked]) -> None:
        payload = {"joins": _entries(joins), "leaves": _entries(leaves)}
        for member in self._registry.in_room(room):
            if member.reads_presence:
                member.send(member.wire.push(member.topic, "presence_diff", payload))


def _message_id(message: dict[str, Any] | UserBroadcast) -> str | None:
    meta = message.meta if isinstance(message, UserBroadcast) else message.get("meta")
    value = meta.get("id") if isinstance(meta, dict) else None
    return value if isinstance(value, str) else None


def _phx_ref() -> str:
    # Phoenix.Tracker's refs are opaque unique strings; clients only compare them.
    return secrets.token_urlsafe(12)
