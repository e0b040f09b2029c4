"""The capture wake-up that carries its change (devstack/realtime/capture.py): what it carries is
what the queue table holds, text of any shape survives it, and one too big for NOTIFY still
arrives through the table, in commit order with the ones carried."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import asyncpg
import pytest
from supabase import AsyncClient

from devstack.realtime.capture import TS_FORMAT, WAKEUP_CHANNEL, ensure_trigger, parse_notice
from devstack.stack import DevStack
from tests.devstack.realtime_helpers import Bind, make_table, new_client, row_of, subscribe

# Commas and a newline (the notice's own separators), quotes, a backslash, Cyrillic and an
# astral character (one character to Postgres's length(), one to Python's slicing).
AWKWARD = 'a,b\nc "q" \\ ёлка 🎄,\n'


@pytest.fixture
async def client(devstack: DevStack) -> AsyncIterator[AsyncClient]:
    client = await new_client(devstack.info)
    try:
        yield client
    finally:
        await client.remove_all_channels()


async def test_a_carried_change_is_the_row_the_queue_holds(
    devstack: DevStack, db: asyncpg.Connection
) -> None:
    table = await make_table(db, "id bigint primary key, note text, extra jsonb")
    await ensure_trigger(db, "public", table)  # a subscriber's join would sync it
    notices: asyncio.Queue[str] = asyncio.Queue()
    listener = await devstack.connect()
    await listener.add_listener(WAKEUP_CHANNEL, lambda *args: notices.put_nowait(args[3]))
    try:
        async with db.transaction():
            await db.execute("set constraints all immediate")  # capture now, not at COMMIT
            await db.execute(
                f"insert into public.{table} values (1, $1, $2::jsonb)", AWKWARD, '{"k": [1]}'
            )
            # Seen from inside the transaction, before the reader can prune it.
            queued = await db.fetchrow(
                "select id, record, old_record, to_char(committed_at at time zone 'UTC', $1) ts"
                " from _realtime.changes where table_name = $2",
                TS_FORMAT,
                table,
            )
        await db.execute(f"update public.{table} set note = 'x' where id = 1")
        await db.execute(f"delete from public.{table} where id = 1")
        inserted, updated, deleted = [
            parse_notice(await asyncio.wait_for(notices.get(), 10)) for _ in range(3)
        ]
    finally:
        await listener.close()
    assert inserted is not None and updated is not None and deleted is not None
    assert (inserted.schema, inserted.table, inserted.type) == ("public", table, "INSERT")
    assert inserted.id == queued["id"]
    assert inserted.record == queued["record"]
    assert inserted.old_record is None
    assert inserted.commit_timestamp == queued["ts"]
    assert updated.type == "UPDATE" and json.loads(updated.old_record or "") == {"id": 1}
    assert deleted.type == "DELETE" and deleted.record is None
    assert json.loads(deleted.old_record or "") == {"id": 1}
    assert inserted.id < updated.id < deleted.id


async def test_awkward_text_arrives_whole(client: AsyncClient, db: asyncpg.Connection) -> None:
    table = await make_table(db, "id bigint primary key, note text")
    await db.execute(f"alter table public.{table} replica identity full")
    sub = await subscribe(client, Bind("all", "*", table))
    await db.execute(f"insert into public.{table} values (1, $1)", AWKWARD)
    await db.execute(f"update public.{table} set note = $1 || '!' where id = 1", AWKWARD)
    await db.execute(f"delete from public.{table} where id = 1")
    assert row_of(await sub.next()) == {"id": 1, "note": AWKWARD}
    _label, updated = await sub.next()
    assert updated["data"]["record"] == {"id": 1, "note": AWKWARD + "!"}
    assert updated["data"]["old_record"] == {"id": 1, "note": AWKWARD}
    _label, deleted = await sub.next()
    assert deleted["data"]["old_record"] == {"id": 1, "note": AWKWARD + "!"}


def test_a_bare_wake_up_carries_nothing() -> None:
    assert parse_notice("") is None


async def test_big_and_carried_changes_keep_commit_order(
    client: AsyncClient, db: asyncpg.Connection
) -> None:
    table = await make_table(db, "id bigint primary key, note text")
    sub = await subscribe(client, Bind("all", "INSERT", table))
    sizes = [10, 9000, 20, 8100, 30, 40, 12000, 50]  # over 8000 bytes: fetched from the queue
    for i, size in enumerate(sizes):
        await db.execute(f"insert into public.{table} values ($1, $2)", i, "я" * size)
    rows = [row_of(await sub.next()) for _ in sizes]
    assert [(r["id"], len(r["note"])) for r in rows] == list(enumerate(sizes))
    # In one transaction too: the wake-ups of one commit come in the order the rows were made.
    async with db.transaction():
        for i, size in enumerate(sizes, start=len(sizes)):
            await db.execute(f"insert into public.{table} values ($1, $2)", i, "я" * size)
    rows = [row_of(await sub.next()) for _ in sizes]
    assert [(r["id"], len(r["note"])) for r in rows] == list(enumerate(sizes, start=len(sizes)))
