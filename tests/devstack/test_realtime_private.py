"""Private channels authorised by RLS policies on realtime.messages, as Supabase does it:
joining needs a SELECT policy for the topic (realtime.topic()) and the user's claims; sending
a broadcast needs an INSERT policy, without which the message is dropped (and never acked)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
from realtime import RealtimeSubscribeStates
from supabase import AsyncClient

from devstack.keys import make_key
from devstack.stack import DevStack
from tests.devstack.js_realtime import run_realtime_js
from tests.devstack.realtime_helpers import TIMEOUT, new_client
from tests.devstack.test_realtime_broadcast import join, next_heard
from tests.devstack.test_realtime_presence import Watcher


@pytest.fixture
async def team(devstack: DevStack, db: asyncpg.Connection) -> AsyncIterator[str]:
    """Policies for one team's topic: members (team claim) read, writers (writer claim) send."""
    name = uuid.uuid4().hex[:8]
    topic = f"team-{name}"
    await db.execute(
        f"""
create policy "read {name}" on realtime.messages for select to authenticated
  using (realtime.topic() = 'team-' || (auth.jwt() ->> 'team')
         and realtime.messages.extension in ('broadcast', 'presence')
         and realtime.topic() = '{topic}');
create policy "send {name}" on realtime.messages for insert to authenticated
  with check (realtime.topic() = 'team-' || (auth.jwt() ->> 'team')
              and coalesce((auth.jwt() ->> 'writer')::boolean, false)
              and realtime.topic() = '{topic}');
"""
    )
    yield topic
    await db.execute(f'drop policy "read {name}" on realtime.messages')
    await db.execute(f'drop policy "send {name}" on realtime.messages')


def member(devstack: DevStack, topic: str, *, writer: bool) -> str:
    return make_key(
        devstack.keys.secret,
        "authenticated",
        sub=str(uuid.uuid4()),
        team=topic.removeprefix("team-"),
        writer=writer,
    )


async def user_client(devstack: DevStack, token: str) -> AsyncClient:
    client = await new_client(devstack.info, devstack.info.publishable_key)
    await client.realtime.set_auth(token)
    return client


async def join_state(client: AsyncClient, topic: str) -> tuple[RealtimeSubscribeStates, str]:
    channel = client.channel(topic, {"config": {"private": True}})
    states: asyncio.Queue[tuple[RealtimeSubscribeStates, Exception | None]] = asyncio.Queue()
    await channel.subscribe(lambda state, err: states.put_nowait((state, err)))
    async with asyncio.timeout(TIMEOUT):
        state, err = await states.get()
    return state, str(err or "")


async def test_join_needs_a_select_policy_for_the_topic(devstack: DevStack, team: str) -> None:
    allowed = await user_client(devstack, member(devstack, team, writer=False))
    assert (await join_state(allowed, team))[0] == RealtimeSubscribeStates.SUBSCRIBED

    stranger = await user_client(devstack, member(devstack, "team-other", writer=True))
    state, error = await join_state(stranger, team)
    assert state == RealtimeSubscribeStates.CHANNEL_ERROR
    assert (
        f"Unauthorized: You do not have permissions to read from this Channel topic: {team}"
        in error
    )
    anonymous = await new_client(devstack.info, devstack.info.publishable_key)
    assert (await join_state(anonymous, team))[0] == RealtimeSubscribeStates.CHANNEL_ERROR
    # The same name as a public channel is another room, open to anyone.
    passer_by = await new_client(devstack.info, devstack.info.publishable_key)
    public = passer_by.channel(team)
    states: asyncio.Queue[RealtimeSubscribeStates] = asyncio.Queue()
    await public.subscribe(lambda s, _e: states.put_nowait(s))
    assert await states.get() == RealtimeSubscribeStates.SUBSCRIBED
    for client in (allowed, stranger, anonymous, passer_by):
        await client.remove_all_channels()


async def test_sending_needs_an_insert_policy(devstack: DevStack, team: str) -> None:
    writer = await user_client(devstack, member(devstack, team, writer=True))
    reader = await user_client(devstack, member(devstack, team, writer=False))
    listener = await user_client(devstack, member(devstack, team, writer=False))
    w, _ = await join(writer, team, private=True)
    r, _ = await join(reader, team, private=True)
    _, heard = await join(listener, team, private=True)
    await r.send_broadcast("say", {"from": "reader"})  # no INSERT policy: dropped
    await w.send_broadcast("say", {"from": "writer"})
    assert (await next_heard(heard))["payload"] == {"from": "writer"}, "reader's never came"
    # What a private channel receives from SQL passes its read policy too.
    for client in (writer, reader, listener):
        await client.remove_all_channels()


async def test_supabase_js_private_channel_ack_only_for_writers(
    devstack: DevStack, team: str
) -> None:
    result = await run_realtime_js(
        devstack,
        """
const open = async (token) => {
  const channel = (await userClient(env.SB_KEY, token))
    .channel(env.TOPIC, {config: {private: true, broadcast: {ack: true}}});
  await subscribed(channel);
  return channel;
};
const writer = await open(env.WRITER);
const reader = await open(env.READER);
const message = {type: 'broadcast', event: 'say', payload: {n: 1}};
const writerAck = await writer.send(message);
const readerAck = await reader.send(message, {timeout: 1500});
const stranger = (await userClient(env.SB_KEY, env.STRANGER))
  .channel(env.TOPIC, {config: {private: true}});
let refused = null;
try { await subscribed(stranger); } catch (e) { refused = e.message; }
done({writerAck, readerAck, refused});
""",
        key=devstack.info.publishable_key,
        TOPIC=team,
        WRITER=member(devstack, team, writer=True),
        READER=member(devstack, team, writer=False),
        STRANGER=member(devstack, "team-else", writer=True),
    )
    assert result["writerAck"] == "ok"
    assert result["readerAck"] == "timed out", "Realtime never acks a refused broadcast"
    assert "You do not have permissions to read from this Channel topic" in result["refused"]


async def test_presence_in_a_private_channel_follows_the_same_policies(
    devstack: DevStack, team: str
) -> None:
    async def present(token: str, key: str) -> Watcher:
        client = await user_client(devstack, token)
        channel = client.channel(
            team, {"config": {"private": True, "presence": {"key": key, "enabled": True}}}
        )
        watcher = Watcher(channel)
        states: asyncio.Queue[RealtimeSubscribeStates] = asyncio.Queue()
        await channel.subscribe(lambda state, _err: states.put_nowait(state))
        assert await states.get() == RealtimeSubscribeStates.SUBSCRIBED
        return watcher

    reader = await present(member(devstack, team, writer=False), "reader")
    writer = await present(member(devstack, team, writer=True), "writer")
    await reader.channel.track({"name": "Вера"})  # no INSERT policy: refused
    await writer.channel.track({"name": "Анна"})
    await reader.until(lambda members: members == {"writer": [{"name": "Анна"}]})
    for watcher in (reader, writer):
        await watcher.channel.unsubscribe()


async def test_an_sb_key_as_a_new_access_token_keeps_the_user(
    devstack: DevStack, team: str, db: asyncpg.Connection
) -> None:
    """Realtime ignores an `sb_` key pushed as access_token: the channel stays the user's."""
    client = await user_client(devstack, member(devstack, team, writer=False))
    _, heard = await join(client, team, private=True)
    await client.realtime.set_auth(devstack.info.publishable_key)
    await db.execute("select realtime.send('{\"still\": true}'::jsonb, 'note', $1)", team)
    assert (await next_heard(heard))["payload"]["still"] is True
    await client.remove_all_channels()
