"""Presence as Supabase serves it: track/untrack, presence_state at join, presence_diff to every
member (the tracker too), through supabase-py and supabase-js on one room."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from typing import Any

from realtime import AsyncRealtimeChannel, RealtimeSubscribeStates
from supabase import AsyncClient
from websockets.asyncio.client import connect

from devstack.stack import DevStack
from tests.devstack.js_realtime import run_realtime_js
from tests.devstack.realtime_helpers import TIMEOUT, new_client, recv, send

REFS = {"phx_ref", "phx_ref_prev", "presence_ref"}


class Watcher:
    """A supabase-py channel with presence on; waits for its state to satisfy a condition."""

    def __init__(self, channel: AsyncRealtimeChannel) -> None:
        self.channel = channel
        self.changed = asyncio.Event()
        channel.on_presence_sync(self.changed.set)

    def members(self) -> dict[str, list[dict[str, Any]]]:
        return {
            key: [{k: v for k, v in meta.items() if k not in REFS} for meta in metas]
            for key, metas in self.channel.presence_state().items()
        }

    async def until(self, check: Callable[[dict[str, list[dict[str, Any]]]], bool]) -> None:
        async with asyncio.timeout(TIMEOUT):
            while not check(self.members()):
                self.changed.clear()
                await self.changed.wait()


async def watch(client: AsyncClient, topic: str, key: str) -> Watcher:
    channel = client.channel(topic, {"config": {"presence": {"key": key, "enabled": True}}})
    watcher = Watcher(channel)
    states: asyncio.Queue[RealtimeSubscribeStates] = asyncio.Queue()
    await channel.subscribe(lambda state, _err: states.put_nowait(state))
    assert await states.get() == RealtimeSubscribeStates.SUBSCRIBED
    return watcher


def room() -> str:
    return f"presence-{uuid.uuid4().hex[:8]}"


async def test_track_and_untrack_reach_every_member_and_late_joiners_get_the_state(
    devstack: DevStack,
) -> None:
    topic = room()
    anna_client, boris_client = await new_client(devstack.info), await new_client(devstack.info)
    anna = await watch(anna_client, topic, "anna")
    boris = await watch(boris_client, topic, "boris")
    await anna.channel.track({"name": "Анна", "conversation": 42})
    expected = {"anna": [{"name": "Анна", "conversation": 42}]}
    await boris.until(lambda members: members == expected)
    await anna.until(lambda members: members == expected)  # the tracker hears its own diff

    # A member who joins later gets the whole state at once (presence_state).
    late_client = await new_client(devstack.info)
    late = await watch(late_client, topic, "vera")
    await late.until(lambda members: members == expected)

    # Tracking again replaces the meta; untrack and leaving remove it.
    await anna.channel.track({"name": "Анна", "conversation": 43})
    await late.until(lambda m: m == {"anna": [{"name": "Анна", "conversation": 43}]})
    await boris.channel.track({"name": "Борис"})
    await late.until(lambda m: set(m) == {"anna", "boris"})
    await anna.channel.untrack()
    await late.until(lambda m: set(m) == {"boris"})
    await boris_client.remove_all_channels()
    await late.until(lambda m: m == {})
    for client in (anna_client, late_client):
        await client.remove_all_channels()


async def test_presence_between_supabase_js_and_supabase_py(devstack: DevStack) -> None:
    topic = room()
    py_client = await new_client(devstack.info)
    py = await watch(py_client, topic, "py")
    await py.channel.track({"who": "python"})
    result = await run_realtime_js(
        devstack,
        """
const sb = client();
const channel = sb.channel(env.TOPIC, {config: {presence: {key: 'js'}}});
channel.on('presence', {event: 'sync'}, () => {});
await subscribed(channel);
await until(() => 'py' in channel.presenceState());
const tracked = await channel.track({who: 'javascript'});
await until(() => 'js' in channel.presenceState());
const state = channel.presenceState();
done({tracked, keys: Object.keys(state).sort(), py: state.py.map((m) => m.who)});
""",
        TOPIC=topic,
    )
    assert result == {"tracked": "ok", "keys": ["js", "py"], "py": ["python"]}
    # js left when its process ended: py saw it come and go.
    await py.until(lambda members: set(members) == {"py"})
    await py_client.remove_all_channels()


async def test_presence_frames_on_the_wire(devstack: DevStack) -> None:
    """presence_state right after the join reply; presence_diff with joins/leaves and phx_ref."""
    base = devstack.info.supabase_url.replace("http://", "ws://")
    url = f"{base}/realtime/v1/websocket?apikey={devstack.info.service_key}&vsn=1.0.0"
    config = {
        "config": {
            "broadcast": {"ack": False, "self": False},
            "presence": {"key": "k1", "enabled": True},
            "private": False,
            "postgres_changes": [],
        }
    }
    async with connect(url) as ws:
        await send(ws, "phx_join", "realtime:wire-presence", config, "1", "1")
        assert (await recv(ws))["payload"]["status"] == "ok"
        assert await recv(ws) == {
            "event": "presence_state",
            "topic": "realtime:wire-presence",
            "payload": {},
            "ref": None,
        }
        track = {"type": "presence", "event": "track", "payload": {"a": 1}}
        await send(ws, "presence", "realtime:wire-presence", track, "2", "1")
        frames = [await recv(ws), await recv(ws)]
        diff = next(f for f in frames if f["event"] == "presence_diff")
        reply = next(f for f in frames if f["event"] == "phx_reply")
        assert reply["ref"] == "2" and reply["payload"] == {"status": "ok", "response": {}}
        (meta,) = diff["payload"]["joins"]["k1"]["metas"]
        assert meta["a"] == 1 and isinstance(meta["phx_ref"], str)
        assert diff["payload"]["leaves"] == {} and diff["ref"] is None
        await send(ws, "presence", "realtime:wire-presence", {"event": "untrack"}, "3", "1")
        frames = [await recv(ws), await recv(ws)]
        diff = next(f for f in frames if f["event"] == "presence_diff")
        assert json.dumps(diff["payload"]["leaves"]["k1"]["metas"]) == json.dumps([meta])
        bad = {"event": "track", "payload": "not a map"}
        await send(ws, "presence", "realtime:wire-presence", bad, "4", "1")
        assert (await recv(ws))["payload"] == {
            "status": "error",
            "response": {"reason": "Presence track payload must be a map"},
        }
