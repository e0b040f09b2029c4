"""Helpers for the realtime tests: the real supabase-py client, events collected into queues.

Waiting is always on a queue with a timeout, never a sleep. To show that something did NOT
arrive, a test writes a sentinel change after it and checks that the sentinel comes first:
changes are delivered in commit order, so anything wrongly delivered would precede it.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from realtime import AsyncRealtimeChannel, RealtimeSubscribeStates
from realtime.types import PostgresChangesPayload, RealtimePostgresChangesListenEvent
from supabase import AsyncClient, acreate_client
from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.connection import Connection

from devstack.stack import StackInfo

TIMEOUT = 10.0
Event = tuple[str, dict[str, Any]]


@dataclass(frozen=True)
class Bind:
    label: str
    event: str
    table: str | None
    schema: str = "public"
    filter: str | None = None


@dataclass
class Sub:
    channel: AsyncRealtimeChannel
    events: asyncio.Queue[Event] = field(default_factory=asyncio.Queue)
    states: asyncio.Queue[tuple[RealtimeSubscribeStates, Exception | None]] = field(
        default_factory=asyncio.Queue
    )
    first_state: RealtimeSubscribeStates | None = None

    async def next(
        self, where: Callable[[Event], bool] | None = None, timeout: float = TIMEOUT
    ) -> Event:
        """The next event satisfying `where` (others, e.g. other tests' rows, are skipped)."""
        async with asyncio.timeout(timeout):
            while True:
                item = await self.events.get()
                if where is None or where(item):
                    return item

    async def state(self, wanted: RealtimeSubscribeStates, timeout: float = TIMEOUT) -> None:
        async with asyncio.timeout(timeout):
            while (await self.states.get())[0] != wanted:
                pass


async def new_client(info: StackInfo, key: str | None = None) -> AsyncClient:
    return await acreate_client(info.supabase_url, key or info.service_key)


async def subscribe(client: AsyncClient, *binds: Bind, name: str | None = None) -> Sub:
    channel = client.channel(name or f"test-{uuid.uuid4().hex[:8]}")
    sub = Sub(channel)
    for bind in binds:
        kwargs: dict[str, Any] = {"schema": bind.schema}
        if bind.table is not None:
            kwargs["table"] = bind.table
        if bind.filter is not None:
            kwargs["filter"] = bind.filter
        channel.on_postgres_changes(
            RealtimePostgresChangesListenEvent(bind.event),
            callback=_collector(sub, bind.label),
            **kwargs,
        )
    await channel.subscribe(lambda state, err: sub.states.put_nowait((state, err)))
    state, _err = sub.states.get_nowait()
    sub.first_state = state
    if state != RealtimeSubscribeStates.CHANNEL_ERROR:
        # Keep the error for tests that expect one; otherwise the join must have succeeded.
        assert state == RealtimeSubscribeStates.SUBSCRIBED, state
    else:
        sub.states.put_nowait((state, _err))
    return sub


def _collector(sub: Sub, label: str) -> Callable[[PostgresChangesPayload], None]:
    def collect(payload: PostgresChangesPayload) -> None:
        sub.events.put_nowait((label, dict(payload)))

    return collect


def row_of(event: Event) -> dict[str, Any]:
    data = event[1]["data"]
    return dict(data.get("record") or data.get("old_record") or {})


def by_tenant(tenant: object) -> Callable[[Event], bool]:
    return lambda event: row_of(event).get("tenant_id") == str(tenant)


async def make_table(db: asyncpg.Connection, columns: str, *, publish: bool = True) -> str:
    """A fresh table of this test only, in the publication unless asked otherwise."""
    name = f"rt_{uuid.uuid4().hex[:10]}"
    await db.execute(f"create table public.{name} ({columns})")
    if publish:
        await db.execute(f"alter publication supabase_realtime add table public.{name}")
    return name


# --- the raw protocol, for byte-exact checks -------------------------------------------------
def socket_url(info: StackInfo, key: str | None = None) -> str:
    base = info.supabase_url.replace("http://", "ws://")
    return f"{base}/realtime/v1/websocket?apikey={key or info.service_key}&vsn=1.0.0"


async def raw_socket(info: StackInfo, key: str | None = None) -> ClientConnection:
    return await connect(socket_url(info, key), max_size=2**20)


async def send(
    ws: Connection,
    event: str,
    topic: str,
    payload: dict[str, Any],
    ref: str | None,
    join_ref: str | None = None,
) -> None:
    await ws.send(
        json.dumps(
            {"event": event, "payload": payload, "topic": topic, "ref": ref, "join_ref": join_ref}
        )
    )


async def recv(ws: Connection, timeout: float = TIMEOUT) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        message: dict[str, Any] = json.loads(await ws.recv())
    return message


def join_payload(bindings: list[dict[str, Any]], token: str | None = None) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "config": {
            "broadcast": {"ack": False, "self": False},
            "presence": {"key": "", "enabled": False},
            "private": False,
            "postgres_changes": bindings,
        }
    }
    if token is not None:
        payload["access_token"] = token
    return payload
