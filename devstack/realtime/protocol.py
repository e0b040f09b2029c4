"""Phoenix channel envelopes (protocol vsn 1.0.0: one JSON object per text frame).

The Python client drops any server frame without a `ref` key and only matches a reply whose
`ref` is the very string it sent, so every builder here takes refs verbatim and always writes
`ref` (null when there is none). See `supabase-wire.md` §C2-C8.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

PHOENIX_TOPIC = "phoenix"
TOPIC_PREFIX = "realtime:"

# The client (websockets) refuses frames of 2**20 bytes or more with close code 1009.
CLIENT_MAX_FRAME = 2**20
# Supabase's per-record limit; larger records are sent trimmed with this error.
MAX_RECORD_BYTES = 1024 * 1024
TRIMMED_FIELD_MAX_BYTES = 64
PAYLOAD_TOO_LARGE = "Error 413: Payload Too Large"


class ProtocolError(ValueError):
    """A client frame that is not a Phoenix message; the socket ignores it."""


@dataclass(frozen=True)
class ClientMessage:
    event: str
    topic: str
    payload: dict[str, Any]
    ref: str | None
    join_ref: str | None


def dumps(value: Any) -> str:
    # Compact and UTF-8 as-is: Cyrillic text would grow sixfold as \\u escapes and hit the cap.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def parse_client(text: str) -> ClientMessage:
    try:
        raw = json.loads(text)
    except ValueError as exc:
        raise ProtocolError(f"not JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise ProtocolError("a message must be a JSON object (vsn 1.0.0)")
    event, topic, payload = raw.get("event"), raw.get("topic"), raw.get("payload")
    if not isinstance(event, str) or not isinstance(topic, str):
        raise ProtocolError("event and topic must be strings")
    if payload is None:
        payload = {}
    if not isinstance(payload, dict):
        raise ProtocolError("payload must be an object")
    return ClientMessage(event, topic, payload, _ref(raw.get("ref")), _ref(raw.get("join_ref")))


def _ref(value: Any) -> str | None:
    # The client sends strings; anything else is kept as its text so the echo stays faithful.
    if value is None or isinstance(value, str):
        return value
    return str(value)


def reply(
    topic: str,
    ref: str | None,
    join_ref: str | None,
    response: dict[str, Any],
    *,
    status: str = "ok",
) -> str:
    return dumps(
        {
            "event": "phx_reply",
            "topic": topic,
            "payload": {"status": status, "response": response},
            "ref": ref,
            "join_ref": join_ref,
        }
    )


def error_reply(topic: str, ref: str | None, join_ref: str | None, reason: str) -> str:
    return reply(topic, ref, join_ref, {"reason": reason}, status="error")


def system(topic: str, *, status: str, message: str) -> str:
    return dumps(
        {
            "event": "system",
            "topic": topic,
            "ref": None,
            "payload": {
                "channel": topic.removeprefix(TOPIC_PREFIX),
                "extension": "postgres_changes",
                "message": message,
                "status": status,
            },
        }
    )


def phx_close(topic: str, join_ref: str | None) -> str:
    return dumps(
        {"event": "phx_close", "topic": topic, "payload": {}, "ref": join_ref, "join_ref": join_ref}
    )


def change_frame(topic: str, ids: list[int], data_json: str) -> str:
    # `data_json` is encoded once per change and spliced into every subscriber's frame.
    return (
        '{"event":"postgres_changes","topic":'
        + dumps(topic)
        + ',"ref":null,"payload":{"ids":'
        + dumps(ids)
        + ',"data":'
        + data_json
        + "}}"
    )
