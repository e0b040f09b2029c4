"""The Phoenix wire, byte for byte, with a raw websocket (what the client's parser insists on)."""

from __future__ import annotations

import uuid

import asyncpg
import pytest
from websockets.exceptions import InvalidStatus

from devstack.stack import DevStack
from tests.devstack.realtime_helpers import join_payload, raw_socket, recv, send, socket_url


async def test_handshake_refuses_missing_or_bad_key(devstack: DevStack) -> None:
    from websockets.asyncio.client import connect

    for url in (
        socket_url(devstack.info).replace(f"apikey={devstack.info.service_key}&", ""),
        socket_url(devstack.info, "not-a-key"),
    ):
        with pytest.raises(InvalidStatus) as caught:
            await connect(url)
        assert caught.value.response.status_code == 401


async def test_heartbeat_join_reply_system_and_change_frame(
    devstack: DevStack, db: asyncpg.Connection
) -> None:
    tenant = str(uuid.uuid4())
    bindings = [
        {
            "event": "INSERT",
            "schema": "public",
            "table": "wishlist_v2",
            "filter": f"tenant_id=eq.{tenant}",
        },
        {"event": "*", "schema": "public", "table": "wishlist_v2"},
    ]
    async with await raw_socket(devstack.info) as ws:
        await send(ws, "heartbeat", "phoenix", {}, None)
        assert await recv(ws) == {
            "event": "phx_reply",
            "topic": "phoenix",
            "ref": None,
            "join_ref": None,
            "payload": {"status": "ok", "response": {}},
        }
        await send(
            ws,
            "phx_join",
            "realtime:room1",
            join_payload(bindings, devstack.info.service_key),
            "1",
            "1",
        )
        reply = await recv(ws)
        assert reply["event"] == "phx_reply" and reply["ref"] == "1" and reply["join_ref"] == "1"
        assert reply["payload"]["status"] == "ok"
        echoed = reply["payload"]["response"]["postgres_changes"]
        assert [{k: v for k, v in b.items() if k != "id"} for b in echoed] == bindings
        ids = [b["id"] for b in echoed]
        assert all(type(i) is int and i != 0 for i in ids)
        assert await recv(ws) == {
            "event": "system",
            "topic": "realtime:room1",
            "ref": None,
            "payload": {
                "channel": "room1",
                "extension": "postgres_changes",
                "message": "Subscribed to PostgreSQL",
                "status": "ok",
            },
        }
        await db.execute(
            "insert into public.wishlist_v2 (tenant_id, client_id) values ($1, 'raw')", tenant
        )
        while True:
            frame = await recv(ws)
            if frame["payload"]["data"]["record"]["tenant_id"] == tenant:
                break
        assert frame["event"] == "postgres_changes" and frame["topic"] == "realtime:room1"
        assert "ref" in frame and frame["ref"] is None
        assert frame["payload"]["ids"] == ids  # both bindings, in one frame
        assert set(frame["payload"]["data"]) == {
            "schema",
            "table",
            "commit_timestamp",
            "type",
            "columns",
            "record",
            "errors",
        }


async def test_leave_gives_reply_then_close(devstack: DevStack) -> None:
    async with await raw_socket(devstack.info) as ws:
        await send(ws, "phx_join", "realtime:r", join_payload([]), "1", "1")
        reply = await recv(ws)
        assert reply["payload"] == {"status": "ok", "response": {"postgres_changes": []}}
        await send(ws, "phx_leave", "realtime:r", {}, "2", "1")
        assert await recv(ws) == {
            "event": "phx_reply",
            "topic": "realtime:r",
            "ref": "2",
            "join_ref": "1",
            "payload": {"status": "ok", "response": {}},
        }
        assert await recv(ws) == {
            "event": "phx_close",
            "topic": "realtime:r",
            "payload": {},
            "ref": "1",
            "join_ref": "1",
        }
        await send(ws, "access_token", "realtime:r", {"access_token": "x"}, "3", "1")
        unmatched = await recv(ws)
        assert unmatched["payload"] == {
            "status": "error",
            "response": {"reason": "unmatched topic"},
        }


async def test_second_join_replaces_the_first(devstack: DevStack, db: asyncpg.Connection) -> None:
    first, second = str(uuid.uuid4()), str(uuid.uuid4())

    def binding(tenant: str) -> dict[str, str]:
        return {
            "event": "INSERT",
            "schema": "public",
            "table": "wishlist_v2",
            "filter": f"tenant_id=eq.{tenant}",
        }

    async with await raw_socket(devstack.info) as ws:
        await send(ws, "phx_join", "realtime:swap", join_payload([binding(first)]), "1", "1")
        assert (await recv(ws))["payload"]["status"] == "ok"
        assert (await recv(ws))["event"] == "system"
        await send(ws, "phx_join", "realtime:swap", join_payload([binding(second)]), "2", "2")
        reply = await recv(ws)
        assert reply["ref"] == "2" and reply["payload"]["status"] == "ok"
        new_id = reply["payload"]["response"]["postgres_changes"][0]["id"]
        assert (await recv(ws))["event"] == "system"
        insert = "insert into public.wishlist_v2 (tenant_id, client_id) values ($1, 'x')"
        await db.execute(insert, first)
        await db.execute(insert, second)
        frame = await recv(ws)  # the first tenant's row, committed earlier, would come first
        assert frame["payload"]["data"]["record"]["tenant_id"] == second
        assert frame["payload"]["ids"] == [new_id]


async def test_access_token_is_stored_without_reply(
    devstack: DevStack, db: asyncpg.Connection
) -> None:
    tenant = str(uuid.uuid4())
    bindings = [
        {
            "event": "INSERT",
            "schema": "public",
            "table": "wishlist_v2",
            "filter": f"tenant_id=eq.{tenant}",
        }
    ]
    async with await raw_socket(devstack.info) as ws:
        await send(ws, "phx_join", "realtime:t", join_payload(bindings), "1", "1")
        assert (await recv(ws))["payload"]["status"] == "ok"
        assert (await recv(ws))["event"] == "system"
        await send(
            ws, "access_token", "realtime:t", {"access_token": devstack.info.service_key}, "2", "1"
        )
        await db.execute(
            "insert into public.wishlist_v2 (tenant_id, client_id) values ($1, 'x')", tenant
        )
        assert (await recv(ws))["event"] == "postgres_changes"  # no reply came before it

        await send(ws, "access_token", "realtime:t", {"access_token": "garbage"}, "3", "1")
        error = await recv(ws)
        assert error["event"] == "system" and error["payload"]["status"] == "error"
        assert "InvalidJWTToken" in error["payload"]["message"]
        assert (await recv(ws))["event"] == "phx_close"


async def test_join_error_reply_is_not_a_system_error(devstack: DevStack) -> None:
    bindings = [{"event": "*", "schema": "public", "table": "missing_table"}]
    async with await raw_socket(devstack.info) as ws:
        await send(ws, "phx_join", "realtime:bad", join_payload(bindings), "1", "1")
        reply = await recv(ws)
        assert reply["event"] == "phx_reply" and reply["ref"] == "1"
        assert reply["payload"]["status"] == "error"
        assert "missing_table" in reply["payload"]["response"]["reason"]
        await send(ws, "heartbeat", "phoenix", {}, "2")
        assert (await recv(ws))["topic"] == "phoenix"  # nothing (no system error) in between
