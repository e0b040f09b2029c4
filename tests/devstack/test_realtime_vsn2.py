"""Protocol vsn 2.0.0 on a raw websocket: array text frames both ways, binary broadcast frames."""

from __future__ import annotations

import asyncio
import json
import struct
from typing import Any

import asyncpg
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus

from devstack.stack import DevStack
from tests.devstack.realtime_helpers import TIMEOUT, join_payload, make_table


def v2_url(devstack: DevStack, key: str | None = None) -> str:
    base = devstack.info.supabase_url.replace("http://", "ws://")
    return f"{base}/realtime/v1/websocket?apikey={key or devstack.info.service_key}&vsn=2.0.0"


async def recv_v2(ws: ClientConnection) -> Any:
    async with asyncio.timeout(TIMEOUT):
        frame = await ws.recv()
    return frame if isinstance(frame, bytes) else json.loads(frame)


def user_broadcast_push(
    join_ref: str, ref: str, topic: str, event: str, payload: bytes, *, is_json: bool = True
) -> bytes:
    fields = [join_ref.encode(), ref.encode(), topic.encode(), event.encode(), b""]
    header = struct.pack("7B", 3, *(len(f) for f in fields), 1 if is_json else 0)
    return header + b"".join(fields) + payload


def decode_user_broadcast(frame: bytes) -> dict[str, Any]:
    kind, topic_len, event_len, meta_len, encoding = frame[:5]
    assert kind == 4
    offset = 5
    topic = frame[offset : offset + topic_len].decode()
    offset += topic_len
    event = frame[offset : offset + event_len].decode()
    offset += event_len
    meta = frame[offset : offset + meta_len].decode()
    offset += meta_len
    body = frame[offset:]
    return {
        "topic": topic,
        "event": event,
        "meta": json.loads(meta) if meta else None,
        "payload": json.loads(body) if encoding == 1 else body,
    }


async def test_unknown_vsn_is_refused_before_the_upgrade(devstack: DevStack) -> None:
    with pytest.raises(InvalidStatus) as caught:
        await connect(v2_url(devstack).replace("2.0.0", "3.0.0"))
    assert caught.value.response.status_code == 400


async def test_array_frames_heartbeat_join_system_and_change(
    devstack: DevStack, db: asyncpg.Connection
) -> None:
    table = await make_table(db, "id int primary key, v text")
    binding = {"event": "*", "schema": "public", "table": table}
    async with connect(v2_url(devstack)) as ws:
        await ws.send(json.dumps([None, "1", "phoenix", "heartbeat", {}]))
        assert await recv_v2(ws) == [
            None,
            "1",
            "phoenix",
            "phx_reply",
            {"status": "ok", "response": {}},
        ]
        payload = join_payload([binding], devstack.info.service_key)
        await ws.send(json.dumps(["2", "2", "realtime:v2room", "phx_join", payload]))
        reply = await recv_v2(ws)
        assert reply[:4] == ["2", "2", "realtime:v2room", "phx_reply"]
        assert reply[4]["status"] == "ok"
        (echoed,) = reply[4]["response"]["postgres_changes"]
        assert {k: v for k, v in echoed.items() if k != "id"} == binding
        assert await recv_v2(ws) == [
            "2",
            None,
            "realtime:v2room",
            "system",
            {
                "channel": "v2room",
                "extension": "postgres_changes",
                "message": "Subscribed to PostgreSQL",
                "status": "ok",
            },
        ]
        await db.execute(f"insert into public.{table} values (1, 'x')")
        change = await recv_v2(ws)
        assert change[:4] == [None, None, "realtime:v2room", "postgres_changes"]
        assert change[4]["ids"] == [echoed["id"]]
        assert change[4]["data"]["record"] == {"id": 1, "v": "x"}
        assert change[4]["data"]["type"] == "INSERT"
        await ws.send(json.dumps(["2", "3", "realtime:v2room", "phx_leave", {}]))
        assert await recv_v2(ws) == [
            "2",
            "3",
            "realtime:v2room",
            "phx_reply",
            {"status": "ok", "response": {}},
        ]
        assert await recv_v2(ws) == ["2", "2", "realtime:v2room", "phx_close", {}]


async def test_binary_broadcast_push_reaches_v2_as_binary_and_v1_as_json(
    devstack: DevStack,
) -> None:
    """A kind 3 push goes on as a kind 4 frame to vsn 2.0.0 and as JSON to vsn 1.0.0; the ack
    is an ordinary phx_reply with the push's ref."""
    config = {
        "config": {
            "broadcast": {"ack": True, "self": True},
            "presence": {"key": "", "enabled": False},
            "private": False,
            "postgres_changes": [],
        }
    }
    v1_url = v2_url(devstack).replace("2.0.0", "1.0.0")
    async with connect(v2_url(devstack)) as sender, connect(v1_url) as listener:
        await listener.send(
            json.dumps(
                {
                    "event": "phx_join",
                    "topic": "realtime:bin",
                    "payload": config,
                    "ref": "1",
                    "join_ref": "1",
                }
            )
        )
        assert json.loads(await listener.recv())["payload"]["status"] == "ok"
        await sender.send(json.dumps(["1", "1", "realtime:bin", "phx_join", config]))
        assert (await recv_v2(sender))[4]["status"] == "ok"
        body = json.dumps({"text": "привет", "n": 1}, ensure_ascii=False).encode()
        await sender.send(user_broadcast_push("1", "2", "realtime:bin", "hello", body))
        first, second = await recv_v2(sender), await recv_v2(sender)
        own = first if isinstance(first, bytes) else second
        ack = second if isinstance(first, bytes) else first
        assert ack == ["1", "2", "realtime:bin", "phx_reply", {"status": "ok", "response": {}}]
        assert decode_user_broadcast(own) == {
            "topic": "realtime:bin",
            "event": "hello",
            "meta": None,
            "payload": {"text": "привет", "n": 1},
        }
        async with asyncio.timeout(TIMEOUT):
            heard = json.loads(await listener.recv())
        assert heard == {
            "event": "broadcast",
            "topic": "realtime:bin",
            "ref": None,
            "payload": {
                "event": "hello",
                "payload": {"text": "привет", "n": 1},
                "type": "broadcast",
            },
        }


async def test_a_column_selection_is_refused_not_ignored(
    devstack: DevStack, db: asyncpg.Connection
) -> None:
    """Newer Realtime sends only `select`ed columns; the devstack refuses rather than send all."""
    table = await make_table(db, "id int primary key, v text")
    binding = {"event": "*", "schema": "public", "table": table, "select": ["id"]}
    async with connect(v2_url(devstack)) as ws:
        payload = join_payload([binding], devstack.info.service_key)
        await ws.send(json.dumps(["1", "1", "realtime:select", "phx_join", payload]))
        reply = await recv_v2(ws)
    assert reply[4]["status"] == "error"
    assert "column selection (select) is not supported" in reply[4]["response"]["reason"]


async def test_a_join_needs_a_realtime_topic_with_a_name(devstack: DevStack) -> None:
    async with connect(v2_url(devstack)) as ws:
        reasons = []
        for ref, topic in (("1", "realtime:"), ("2", "lobby")):
            await ws.send(json.dumps([ref, ref, topic, "phx_join", {"config": {}}]))
            reply = await recv_v2(ws)
            assert reply[:4] == [ref, ref, topic, "phx_reply"]
            reasons.append(reply[4]["response"]["reason"])
    assert reasons == ["TopicNameRequired: You must provide a topic name", "unmatched topic"]
