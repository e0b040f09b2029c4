"""Broadcast as Supabase serves it: between clients (self, ack), from SQL (realtime.send,
realtime.broadcast_changes in a trigger), through supabase-py (vsn 1.0.0) and supabase-js
(vsn 2.0.0, binary frames) on the same rooms."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import asyncpg
from realtime import AsyncRealtimeChannel, RealtimeSubscribeStates
from supabase import AsyncClient

from devstack.stack import DevStack
from tests.devstack.js_realtime import run_realtime_js
from tests.devstack.realtime_helpers import TIMEOUT, make_table, new_client

Heard = asyncio.Queue[dict[str, Any]]


async def join(
    client: AsyncClient, topic: str, *, self_: bool = False, private: bool = False
) -> tuple[AsyncRealtimeChannel, Heard]:
    channel = client.channel(
        topic,
        {"config": {"broadcast": {"self": self_, "ack": False}, "private": private}},
    )
    heard: Heard = asyncio.Queue()
    channel.on_broadcast("*", lambda message: heard.put_nowait(dict(message)))
    states: asyncio.Queue[RealtimeSubscribeStates] = asyncio.Queue()
    await channel.subscribe(lambda state, _err: states.put_nowait(state))
    assert await states.get() == RealtimeSubscribeStates.SUBSCRIBED
    return channel, heard


async def next_heard(heard: Heard) -> dict[str, Any]:
    async with asyncio.timeout(TIMEOUT):
        return await heard.get()


def room() -> str:
    return f"room-{uuid.uuid4().hex[:8]}"


async def test_supabase_py_broadcast_reaches_others_and_self_only_when_asked(
    devstack: DevStack,
) -> None:
    topic = room()
    a_client, b_client = await new_client(devstack.info), await new_client(devstack.info)
    a, a_heard = await join(a_client, topic)  # self: false
    b, b_heard = await join(b_client, topic, self_=True)
    await a.send_broadcast("hello", {"from": "a", "text": "Привет"})
    got = await next_heard(b_heard)
    assert (got["event"], got["payload"]) == ("hello", {"from": "a", "text": "Привет"})
    await b.send_broadcast("hello", {"from": "b"})
    # b hears itself (self: true); a hears b's message first: its own was never echoed to it.
    assert (await next_heard(b_heard))["payload"] == {"from": "b"}
    assert (await next_heard(a_heard))["payload"] == {"from": "b"}
    await a_client.remove_all_channels()
    await b_client.remove_all_channels()


async def test_supabase_js_broadcast_with_ack_and_self_meets_supabase_py(
    devstack: DevStack,
) -> None:
    """js (binary push) → py (JSON), py → js (text), and js's ack resolves only on the reply."""
    topic = room()
    py_client = await new_client(devstack.info)
    py, py_heard = await join(py_client, topic)

    async def answer() -> None:
        # py answers js's greeting, so js hears a vsn 1.0.0 client's broadcast too.
        greeting = await next_heard(py_heard)
        await py.send_broadcast("answer", {"to": greeting["payload"]["from"]})

    answering = asyncio.create_task(answer())
    result = await run_realtime_js(
        devstack,
        """
const sb = client();
const channel = sb.channel(env.TOPIC, {config: {broadcast: {self: true, ack: true}}})
  .on('broadcast', {event: '*'}, (m) => seen.push({event: m.event, payload: m.payload}));
await subscribed(channel);
const ack = await channel.send({type: 'broadcast', event: 'greeting',
                                payload: {from: 'js', text: 'Здравствуйте'}});
await until(() => seen.length >= 2);
done({ack, seen});
""",
        TOPIC=topic,
    )
    await answering
    assert result["ack"] == "ok"
    assert result["seen"] == [
        {"event": "greeting", "payload": {"from": "js", "text": "Здравствуйте"}},
        {"event": "answer", "payload": {"to": "js"}},
    ]
    await py_client.remove_all_channels()


async def test_realtime_send_from_sql_reaches_its_room_public_or_private(
    devstack: DevStack, db: asyncpg.Connection
) -> None:
    topic = room()
    client = await new_client(devstack.info)  # the service key: private rooms are allowed
    _, public_heard = await join(client, topic)
    _, private_heard = await join(client, f"{topic}-p", private=True)
    await db.execute(
        "select realtime.send($1::jsonb, 'note', $2, false)", '{"text": "всем"}', topic
    )
    got = await next_heard(public_heard)
    assert got["event"] == "note"
    message_id = got["payload"].pop("id")  # realtime.send adds the message id to the payload
    assert got["payload"] == {"text": "всем"}
    assert got["meta"] == {"id": message_id}
    # private defaults to true: the private room hears it, the public room of that name would not.
    await db.execute("select realtime.send('{\"n\": 2}'::jsonb, 'note', $1)", f"{topic}-p")
    private = await next_heard(private_heard)
    assert private["payload"]["n"] == 2
    await db.execute("select realtime.send('{\"n\": 3}'::jsonb, 'note', $1, false)", topic)
    assert (await next_heard(public_heard))["payload"]["n"] == 3, "n=2 never reached it"
    await client.remove_all_channels()


async def test_broadcast_changes_trigger_reaches_supabase_py_and_js(
    devstack: DevStack, db: asyncpg.Connection
) -> None:
    table = await make_table(db, "id int primary key, title text", publish=False)
    topic = f"changes-{table}"
    await db.execute(
        f"""
create function public.{table}_broadcast() returns trigger
language plpgsql security definer as $$
begin
  perform realtime.broadcast_changes('{topic}', tg_op, tg_op, tg_table_name, tg_table_schema,
                                     new, old);
  return null;
end $$;
create trigger broadcast after insert or update or delete on public.{table}
  for each row execute function public.{table}_broadcast();
"""
    )
    await devstack.rest.reload_schema()
    client = await new_client(devstack.info)
    _, heard = await join(client, topic, private=True)
    result = await run_realtime_js(
        devstack,
        """
const sb = client();
const channel = sb.channel(env.TOPIC, {config: {private: true}})
  .on('broadcast', {event: '*'}, (m) => seen.push({event: m.event, op: m.payload.operation,
      record: m.payload.record, old: m.payload.old_record, id: m.meta?.id ?? null}));
await subscribed(channel);
const t = sb.from(env.TABLE);
await t.insert({id: 1, title: 'a'});
await t.update({title: 'b'}).eq('id', 1);
await t.delete().eq('id', 1);
await until(() => seen.length >= 3);
done({seen});
""",
        key=devstack.info.secret_key,
        TOPIC=topic,
        TABLE=table,
    )
    assert [(m["event"], m["op"], m["record"], m["old"]) for m in result["seen"]] == [
        ("INSERT", "INSERT", {"id": 1, "title": "a"}, None),
        ("UPDATE", "UPDATE", {"id": 1, "title": "b"}, {"id": 1, "title": "a"}),
        ("DELETE", "DELETE", None, {"id": 1, "title": "b"}),
    ]
    assert all(m["id"] for m in result["seen"]), "meta.id of the realtime.messages row"
    py_seen = [await next_heard(heard) for _ in range(3)]
    assert [m["payload"]["operation"] for m in py_seen] == ["INSERT", "UPDATE", "DELETE"]
    assert py_seen[0]["payload"]["table"] == table and py_seen[0]["payload"]["schema"] == "public"
    await client.remove_all_channels()


async def test_rest_broadcast_endpoints_from_supabase_js_and_py(devstack: DevStack) -> None:
    """httpSend (single endpoint), send() before subscribing (batch endpoint) and supabase-py's
    http_send reach the room; a private message without an INSERT policy is refused (403)."""
    topic = room()
    client = await new_client(devstack.info)
    _, heard = await join(client, topic)
    result = await run_realtime_js(
        devstack,
        """
const sb = client();
const channel = sb.channel(env.TOPIC);
const single = await channel.httpSend('single', {n: 1});
const batched = await channel.send({type: 'broadcast', event: 'batched', payload: {n: 2}});
let refused = null;
try {
  await sb.channel(env.TOPIC + '-p', {config: {private: true}}).httpSend('secret', {n: 3});
} catch (e) { refused = e.message; }
done({single, batched, refused});
""",
        key=devstack.info.publishable_key,
        TOPIC=topic,
    )
    assert result == {"single": {"success": True}, "batched": "ok", "refused": "Unauthorized"}
    assert [(m["event"], m["payload"]) for m in [await next_heard(heard) for _ in range(2)]] == [
        ("single", {"n": 1}),
        ("batched", {"n": 2}),
    ]
    sender = await new_client(devstack.info, devstack.info.secret_key)
    await sender.channel(topic).http_send("from-py", {"n": 4})
    assert (await next_heard(heard))["payload"] == {"n": 4}
    await client.remove_all_channels()


async def test_private_channel_replays_stored_broadcasts_at_join(
    devstack: DevStack, db: asyncpg.Connection
) -> None:
    topic = room()
    for n in (1, 2, 3):
        await db.execute(
            "select realtime.send(jsonb_build_object('n', $1::int), 'stored', $2)", n, topic
        )
    result = await run_realtime_js(
        devstack,
        """
const sb = client();
const since = Date.now() - 60000;
const channel = sb.channel(env.TOPIC,
    {config: {private: true, broadcast: {replay: {since, limit: 2}}}})
  .on('broadcast', {event: 'stored'},
      (m) => seen.push({n: m.payload.n, replayed: m.meta?.replayed ?? false}));
await subscribed(channel);
await until(() => seen.length >= 2);
done({seen});
""",
        key=devstack.info.secret_key,
        TOPIC=topic,
    )
    # The last two, oldest first, marked as replayed.
    assert result["seen"] == [{"n": 2, "replayed": True}, {"n": 3, "replayed": True}]
    # Replay is for private channels only; Realtime refuses it on a public one.
    client = await new_client(devstack.info)
    channel = client.channel(topic, {"config": {"broadcast": {"replay": {"since": 0}}}})
    states: asyncio.Queue[tuple[RealtimeSubscribeStates, Exception | None]] = asyncio.Queue()
    await channel.subscribe(lambda state, err: states.put_nowait((state, err)))
    state, error = await states.get()
    assert state == RealtimeSubscribeStates.CHANNEL_ERROR
    assert "Replay is not allowed for public channels" in str(error)
    await client.remove_all_channels()
