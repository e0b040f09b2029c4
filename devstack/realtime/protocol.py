"""Phoenix channel envelopes in both protocol versions Realtime speaks.

vsn 1.0.0 (supabase-py 2.34.1): one JSON object per text frame. vsn 2.0.0 (supabase-js' default):
a JSON array `[join_ref, ref, topic, event, payload]` per text frame, plus binary frames for
broadcast (kind 3 "user broadcast push" from the client, kind 4 "user broadcast" to it), as
Realtime's `RealtimeWeb.Socket.V2Serializer` encodes them.

The Python client drops any server frame without a `ref` key and only matches a reply whose `ref`
is the very string it sent, so every builder here takes refs verbatim and always writes `ref`
(null when there is none). See `supabase-wire.md` §C2-C8 and §D.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from typing import Any

PHOENIX_TOPIC = "phoenix"
TOPIC_PREFIX = "realtime:"
VSN_1 = "1.0.0"
VSN_2 = "2.0.0"
VERSIONS = (VSN_1, VSN_2)

# The client (websockets) refuses frames of 2**20 bytes or more with close code 1009.
CLIENT_MAX_FRAME = 2**20
# Supabase's per-record limit; larger records are sent trimmed with this error.
MAX_RECORD_BYTES = 1024 * 1024
TRIMMED_FIELD_MAX_BYTES = 64
PAYLOAD_TOO_LARGE = "Error 413: Payload Too Large"

_USER_BROADCAST_PUSH = 3
_USER_BROADCAST = 4
_BINARY, _JSON = 0, 1
_V1_WITH_JOIN_REF = frozenset({"phx_reply", "phx_close"})


class ProtocolError(ValueError):
    """A client frame that is not a Phoenix message; the socket ignores it."""


@dataclass(frozen=True)
class UserBroadcast:
    """A broadcast whose user payload travels as raw bytes (vsn 2.0.0 binary frames, SQL sends).

    `payload` is JSON text when `is_json`, otherwise opaque bytes that only vsn 2.0.0 can carry.
    """

    event: str
    payload: bytes
    is_json: bool
    meta: dict[str, Any] | None = None


@dataclass(frozen=True)
class ClientMessage:
    event: str
    topic: str
    payload: dict[str, Any]
    ref: str | None
    join_ref: str | None
    user_broadcast: UserBroadcast | None = None


# Compact and UTF-8 as-is: Cyrillic text would grow sixfold as \\u escapes and hit the cap. One
# encoder for all: json.dumps with options builds a new one per call (a frame takes several).
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def dumps(value: Any) -> str:
    return _ENCODER.encode(value)


def _ref(value: Any) -> str | None:
    # The client sends strings; anything else is kept as its text so the echo stays faithful.
    if value is None or isinstance(value, str):
        return value
    return str(value)


def _checked(
    event: Any, topic: Any, payload: Any, ref: Any, join_ref: Any, version: str
) -> ClientMessage:
    if not isinstance(event, str) or not isinstance(topic, str):
        raise ProtocolError("event and topic must be strings")
    if payload is None:
        payload = {}
    if not isinstance(payload, dict):
        raise ProtocolError(f"payload must be an object (vsn {version})")
    return ClientMessage(event, topic, payload, _ref(ref), _ref(join_ref))


class Wire:
    """Encoder/decoder of one protocol version; a socket keeps the one its URL asked for."""

    def __init__(self, vsn: str) -> None:
        if vsn not in VERSIONS:
            raise ValueError(f"unsupported protocol vsn {vsn}")
        self.vsn = vsn
        self.v2 = vsn == VSN_2

    # --- client frames ----------------------------------------------------------------------
    def parse(self, text: str) -> ClientMessage:
        try:
            raw = json.loads(text)
        except ValueError as exc:
            raise ProtocolError(f"not JSON: {exc}") from None
        if self.v2:
            if not isinstance(raw, list) or len(raw) < 5:
                raise ProtocolError("a message must be a JSON array of 5 (vsn 2.0.0)")
            join_ref, ref, topic, event, payload = raw[:5]
            return _checked(event, topic, payload, ref, join_ref, self.vsn)
        if not isinstance(raw, dict):
            raise ProtocolError("a message must be a JSON object (vsn 1.0.0)")
        return _checked(
            raw.get("event"),
            raw.get("topic"),
            raw.get("payload"),
            raw.get("ref"),
            raw.get("join_ref"),
            self.vsn,
        )

    def parse_binary(self, data: bytes) -> ClientMessage:
        """Kind 3, the only binary frame a Realtime client sends: a user broadcast push."""
        if not self.v2:
            raise ProtocolError("binary frames need vsn 2.0.0")
        if len(data) < 7 or data[0] != _USER_BROADCAST_PUSH:
            raise ProtocolError("not a user broadcast push (kind 3)")
        sizes = data[1:6]
        is_json = data[6] == _JSON
        offset = 7
        fields: list[str] = []
        try:
            for size in sizes:
                fields.append(data[offset : offset + size].decode())
                offset += size
        except UnicodeDecodeError:
            raise ProtocolError("a header field is not UTF-8") from None
        if offset > len(data):
            raise ProtocolError("truncated user broadcast push")
        join_ref, ref, topic, event, meta_text = fields
        try:
            meta = json.loads(meta_text) if meta_text else None
        except ValueError:
            raise ProtocolError("broadcast metadata is not JSON") from None
        body = data[offset:]
        if is_json:
            try:
                json.loads(body)
            except ValueError:
                raise ProtocolError("a JSON broadcast payload is not JSON") from None
        broadcast = UserBroadcast(event, body, is_json, meta if isinstance(meta, dict) else None)
        return ClientMessage(
            "broadcast",
            topic,
            {"type": "broadcast", "event": event},
            ref or None,
            join_ref or None,
            broadcast,
        )

    # --- server frames ----------------------------------------------------------------------
    def frame(
        self,
        topic: str,
        event: str,
        payload_json: str,
        ref: str | None = None,
        join_ref: str | None = None,
    ) -> str:
        """One text frame around an already encoded payload (encoded once, sent to many)."""
        if self.v2:
            return f"[{dumps(join_ref)},{dumps(ref)},{dumps(topic)},{dumps(event)},{payload_json}]"
        head = f'{{"event":{dumps(event)},"topic":{dumps(topic)},"payload":{payload_json},'
        if event in _V1_WITH_JOIN_REF:
            return f'{head}"ref":{dumps(ref)},"join_ref":{dumps(join_ref)}}}'
        # Phoenix's V1 serializer writes only topic, event, payload and ref on pushes.
        return f'{head}"ref":{dumps(ref)}}}'

    def reply(
        self,
        topic: str,
        ref: str | None,
        join_ref: str | None,
        response: dict[str, Any],
        *,
        status: str = "ok",
    ) -> str:
        payload = dumps({"status": status, "response": response})
        return self.frame(topic, "phx_reply", payload, ref, join_ref)

    def error_reply(self, topic: str, ref: str | None, join_ref: str | None, reason: str) -> str:
        return self.reply(topic, ref, join_ref, {"reason": reason}, status="error")

    def system(
        self,
        topic: str,
        *,
        status: str,
        message: str,
        extension: str = "postgres_changes",
        join_ref: str | None = None,
    ) -> str:
        payload = {
            "channel": topic.removeprefix(TOPIC_PREFIX),
            "extension": extension,
            "message": message,
            "status": status,
        }
        return self.frame(topic, "system", dumps(payload), None, join_ref)

    def phx_close(self, topic: str, join_ref: str | None) -> str:
        return self.frame(topic, "phx_close", "{}", join_ref, join_ref)

    def change_frame(self, topic: str, ids: list[int], data_json: str) -> str:
        # `data_json` is encoded once per change and spliced into every subscriber's frame.
        return self.frame(topic, "postgres_changes", f'{{"ids":{dumps(ids)},"data":{data_json}}}')

    def push(self, topic: str, event: str, payload: Any, join_ref: str | None = None) -> str:
        return self.frame(topic, event, dumps(payload), None, join_ref)

    def broadcast(self, topic: str, message: dict[str, Any] | UserBroadcast) -> str | bytes | None:
        """A broadcast as this version carries it; None where it cannot (binary to vsn 1.0.0).

        Realtime sends a client's JSON broadcast on as it came, and a user broadcast (binary push,
        or a message from SQL) as a kind 4 binary frame to vsn 2.0.0 or as a JSON broadcast
        `{type, event, payload, meta?}` to vsn 1.0.0 (`UserBroadcast.convert_to_json_broadcast`).
        """
        if isinstance(message, dict):
            return self.frame(topic, "broadcast", dumps(message))
        if self.v2:
            return _user_broadcast_frame(topic, message)
        if not message.is_json:
            return None
        parts = [
            '{"event":',
            dumps(message.event),
            ',"payload":',
            message.payload.decode(),
            ',"type":"broadcast"',
        ]
        if message.meta is not None:
            parts += [',"meta":', dumps(message.meta)]
        parts.append("}")
        return self.frame(topic, "broadcast", "".join(parts))


def _user_broadcast_frame(topic: str, message: UserBroadcast) -> bytes:
    head = [topic.encode(), message.event.encode()]
    meta = dumps(message.meta).encode() if message.meta is not None else b""
    head.append(meta)
    if any(len(part) > 255 for part in head):
        raise ProtocolError("topic, event and metadata must be at most 255 bytes each")
    header = struct.pack(
        "5B",
        _USER_BROADCAST,
        len(head[0]),
        len(head[1]),
        len(head[2]),
        _JSON if message.is_json else _BINARY,
    )
    return header + b"".join(head) + message.payload
