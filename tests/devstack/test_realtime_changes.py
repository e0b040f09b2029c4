"""postgres_changes through the devstack with the real supabase-py async client."""

from __future__ import annotations

import asyncio
import json
import random
import re
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
from supabase import AsyncClient

from devstack.stack import DevStack
from tests.devstack.realtime_helpers import (
    Bind,
    by_tenant,
    make_table,
    new_client,
    row_of,
    subscribe,
)

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@pytest.fixture
async def client(devstack: DevStack) -> AsyncIterator[AsyncClient]:
    client = await new_client(devstack.info)
    try:
        yield client
    finally:
        await client.remove_all_channels()


async def test_public_table_insert_update_delete(
    client: AsyncClient, db: asyncpg.Connection
) -> None:
    tenant, other = uuid.uuid4(), uuid.uuid4()
    f = f"tenant_id=eq.{tenant}"
    sub = await subscribe(
        client,
        Bind("all", "*", "wishlist_v2"),
        Bind("ins", "INSERT", "wishlist_v2", filter=f),
        Bind("upd", "UPDATE", "wishlist_v2", filter=f),
    )
    insert = "insert into public.wishlist_v2 (tenant_id, client_id) values ($1, $2) returning id"
    await db.fetchval(insert, other, "c-other")
    row_id = await db.fetchval(insert, tenant, "c-1")

    # The other tenant's row reaches only the unfiltered binding, and comes first.
    label, payload = await sub.next(by_tenant(other))
    assert label == "all"
    label, payload = await sub.next()
    assert label == "all" and row_of((label, payload))["id"] == row_id
    assert await sub.next() == ("ins", payload)  # one frame, both ids: the same payload

    data = payload["data"]
    assert data["schema"] == "public" and data["table"] == "wishlist_v2"
    assert data["type"] == "INSERT" and data["errors"] is None
    assert TIMESTAMP.match(data["commit_timestamp"])
    assert {"name": "id", "type": "int8"} in data["columns"]
    assert {"name": "tenant_id", "type": "uuid"} in data["columns"]
    assert {"name": "created_at", "type": "timestamptz"} in data["columns"]
    assert data["record"]["client_id"] == "c-1" and data["record"]["tenant_id"] == str(tenant)
    assert data["record"]["created_at"].endswith("+00:00")
    assert "old_record" not in data
    assert len(payload["ids"]) == 2 and all(isinstance(i, int) and i for i in payload["ids"])

    await db.execute("update public.wishlist_v2 set status = 'offered' where id = $1", row_id)
    label, payload = await sub.next()
    assert label == "all"
    assert (await sub.next())[0] == "upd"
    data = payload["data"]
    assert data["type"] == "UPDATE" and data["record"]["status"] == "offered"
    assert data["old_record"] == {"id": row_id}  # default replica identity: the primary key

    await db.execute("delete from public.wishlist_v2 where id = $1", row_id)
    label, payload = await sub.next(lambda e: e[1]["data"]["type"] == "DELETE")
    data = payload["data"]
    assert label == "all" and data["old_record"] == {"id": row_id} and "record" not in data
    assert len(payload["ids"]) == 1


async def test_dashboard_table_insert_update_delete(
    client: AsyncClient, db: asyncpg.Connection, tenant_id: uuid.UUID
) -> None:
    sub = await subscribe(
        client,
        Bind("all", "*", "bot_commands", schema="dashboard"),
        Bind("mine", "*", "bot_commands", schema="dashboard", filter=f"tenant_id=eq.{tenant_id}"),
    )
    command_id = await db.fetchval(
        "insert into dashboard.bot_commands (tenant_id, command_type, payload)"
        " values ($1, 'send_message', '{\"message\": \"Привет\"}') returning id",
        tenant_id,
    )
    label, payload = await sub.next(by_tenant(tenant_id))
    assert label == "all" and (await sub.next())[0] == "mine"
    data = payload["data"]
    assert data["schema"] == "dashboard" and data["type"] == "INSERT"
    assert data["record"]["payload"] == {"message": "Привет"}
    assert {"name": "payload", "type": "jsonb"} in data["columns"]

    await db.execute("update dashboard.bot_commands set status = 'done' where id = $1", command_id)
    label, payload = await sub.next(by_tenant(tenant_id))
    assert payload["data"]["record"]["status"] == "done"
    assert payload["data"]["record"]["processed_at"] is not None  # the table's own trigger ran
    assert (await sub.next())[0] == "mine"

    await db.execute("delete from dashboard.bot_commands where id = $1", command_id)
    label, payload = await sub.next(lambda e: e[1]["data"]["type"] == "DELETE")
    # A filtered `*` binding sees a DELETE only through the identity columns of the old row.
    assert label == "all" and payload["data"]["old_record"] == {"id": command_id}
    assert len(payload["ids"]) == 1


async def test_every_filter_operator(client: AsyncClient, db: asyncpg.Connection) -> None:
    table = await make_table(
        db, "id bigint primary key, n int, t text, at timestamptz, price numeric(8,2)"
    )
    binds = [
        Bind("eq", "INSERT", table, filter="n=eq.5"),
        Bind("neq", "INSERT", table, filter="n=neq.5"),
        Bind("lt", "INSERT", table, filter="n=lt.3"),
        Bind("lte", "INSERT", table, filter="n=lte.3"),
        Bind("gt", "INSERT", table, filter="n=gt.7"),
        Bind("gte", "INSERT", table, filter="n=gte.7"),
        Bind("in", "INSERT", table, filter="n=in.(2, 4,6)"),
        Bind("text_lt", "INSERT", table, filter="t=lt.b"),
        Bind("text_in", "INSERT", table, filter='t=in.(a,"c, d")'),
        Bind("ts_gte", "INSERT", table, filter="at=gte.2026-01-01T03:00:00+03:00"),
        Bind("num_eq", "INSERT", table, filter="price=eq.5"),
        Bind("all", "INSERT", table),  # last: its callback closes each frame's group
    ]
    sub = await subscribe(client, *binds)
    texts = ["a", "b", "c, d", "Я", "A", None]
    rows = []
    for n in range(0, 10):
        text = texts[n % len(texts)]
        at = "2025-12-31T23:59:59Z" if n % 2 else "2026-01-01T00:00:00Z"
        price = "5.00" if n == 3 else str(n + 0.5)
        rows.append((n, n if n != 9 else None, text, at, price))
    await db.executemany(
        f"insert into public.{table} values ($1, $2, $3, $4::text::timestamptz, $5::text::numeric)",
        rows,
    )
    seen: dict[int, set[str]] = {}
    while len(seen) < len(rows) or "all" not in seen[len(rows) - 1]:
        label, payload = await sub.next()
        seen.setdefault(payload["data"]["record"]["id"], set()).add(label)

    def expected(n: int | None, text: str | None, at: str, price: str) -> set[str]:
        labels = {"all"}
        if n is not None:
            checks = {
                "eq": n == 5,
                "neq": n != 5,
                "lt": n < 3,
                "lte": n <= 3,
                "gt": n > 7,
                "gte": n >= 7,
                "in": n in (2, 4, 6),
            }
            labels |= {k for k, ok in checks.items() if ok}
        if text is not None:
            labels |= {"text_lt"} if text < "b" else set()  # code point order, as in C collation
            labels |= {"text_in"} if text in ("a", "c, d") else set()
        labels |= {"ts_gte"} if at.startswith("2026") else set()
        labels |= {"num_eq"} if price == "5.00" else set()
        return labels

    for row_id, value, text, at, price in rows:
        assert seen[row_id] == expected(value, text, at, price), (row_id, value, text, at)


async def test_thousand_row_burst_arrives_complete_and_in_order(
    client: AsyncClient, db: asyncpg.Connection
) -> None:
    tenant = uuid.uuid4()
    sub = await subscribe(
        client, Bind("mine", "INSERT", "wishlist_v2", filter=f"tenant_id=eq.{tenant}")
    )
    ids = await db.fetch(
        "insert into public.wishlist_v2 (tenant_id, client_id)"
        " select $1, 'c' || g from generate_series(1, 1000) g returning id",
        tenant,
    )
    got = [row_of(await sub.next())["id"] for _ in range(1000)]
    assert got == [r["id"] for r in ids]


async def test_concurrent_writers_are_delivered_in_commit_order(
    client: AsyncClient, devstack: DevStack, db: asyncpg.Connection
) -> None:
    # Each transaction inserts its row first (so row ids follow insert order), waits a random
    # moment, and only then takes the next value of a counter row. The counter's row lock is held
    # to commit, so counter order IS commit order; delivery must follow it, not the ids.
    table = await make_table(db, "id bigint generated always as identity primary key, writer int")
    await db.execute(f"create table public.{table}_order (row_id bigint, n int)")
    await db.execute(f"create table public.{table}_counter (n int not null)")
    await db.execute(f"insert into public.{table}_counter values (0)")
    sub = await subscribe(client, Bind("all", "INSERT", table))
    writers, per_writer = 8, 25

    async def writer(number: int) -> None:
        conn = await devstack.connect()
        rng = random.Random(number)
        try:
            for _ in range(per_writer):
                async with conn.transaction():
                    row_id = await conn.fetchval(
                        f"insert into public.{table} (writer) values ($1) returning id", number
                    )
                    await asyncio.sleep(rng.random() * 0.004)
                    await conn.execute(
                        f"with c as (update public.{table}_counter set n = n + 1 returning n)"
                        f" insert into public.{table}_order select $1, n from c",
                        row_id,
                    )
        finally:
            await conn.close()

    await asyncio.gather(*(writer(i) for i in range(writers)))
    delivered = [row_of(await sub.next())["id"] for _ in range(writers * per_writer)]
    commit_order = [
        r["row_id"] for r in await db.fetch(f"select row_id from public.{table}_order order by n")
    ]
    assert delivered == commit_order
    assert delivered != sorted(delivered), "writers never overtook each other: nothing proved"


async def test_unserialised_writers_lose_nothing(
    client: AsyncClient, devstack: DevStack, db: asyncpg.Connection
) -> None:
    # No common lock among the writers: every row must arrive exactly once (a reader that
    # trusted sequence order would skip rows committed after a higher id), each writer's rows
    # in that writer's commit order.
    table = await make_table(
        db, "id bigint generated always as identity primary key, writer int, seq int"
    )
    sub = await subscribe(client, Bind("all", "INSERT", table))
    writers, per_writer = 16, 30

    async def writer(number: int) -> None:
        conn = await devstack.connect()
        try:
            for seq in range(per_writer):
                await conn.execute(
                    f"insert into public.{table} (writer, seq) values ($1, $2)", number, seq
                )
        finally:
            await conn.close()

    await asyncio.gather(*(writer(i) for i in range(writers)))
    rows = [row_of(await sub.next()) for _ in range(writers * per_writer)]
    assert len({r["id"] for r in rows}) == writers * per_writer
    for number in range(writers):
        assert [r["seq"] for r in rows if r["writer"] == number] == list(range(per_writer))


async def test_row_larger_than_notify_limit_arrives(
    client: AsyncClient, db: asyncpg.Connection
) -> None:
    tenant = uuid.uuid4()
    sub = await subscribe(
        client, Bind("mine", "*", "conversation_sessions_v2", filter=f"tenant_id=eq.{tenant}")
    )
    messages = [{"id": str(i), "role": "client", "text": "Здравствуйте! " * 20} for i in range(200)]
    await db.execute(
        "insert into public.conversation_sessions_v2 (tenant_id, client_id, messages)"
        " values ($1, 'c', $2::jsonb)",
        tenant,
        json.dumps(messages),
    )
    _label, payload = await sub.next()
    assert payload["data"]["record"]["messages"] == messages
    assert payload["data"]["errors"] is None


async def test_row_over_1024_kb_arrives_trimmed(
    client: AsyncClient, db: asyncpg.Connection
) -> None:
    tenant = uuid.uuid4()
    sub = await subscribe(
        client, Bind("mine", "*", "conversation_sessions_v2", filter=f"tenant_id=eq.{tenant}")
    )
    huge = [{"id": str(i), "text": "x" * 1000} for i in range(1200)]  # about 1.2 MB
    session_id = await db.fetchval(
        "insert into public.conversation_sessions_v2 (tenant_id, client_id, messages)"
        " values ($1, 'client-7', $2::jsonb) returning id",
        tenant,
        json.dumps(huge),
    )
    _label, payload = await sub.next()
    data = payload["data"]
    assert data["errors"] == ["Error 413: Payload Too Large"]
    assert "messages" not in data["record"]  # fields over 64 bytes are dropped
    assert data["record"]["id"] == str(session_id) and data["record"]["client_id"] == "client-7"
    assert data["record"]["tenant_id"] == str(tenant)


async def test_replica_identity_full_sends_the_whole_old_row(
    client: AsyncClient, db: asyncpg.Connection
) -> None:
    table = await make_table(db, "id int primary key, name text, note text")
    await db.execute(f"alter table public.{table} replica identity full")
    sub = await subscribe(client, Bind("upd", "UPDATE", table), Bind("del", "DELETE", table))
    await db.execute(f"insert into public.{table} values (1, 'a', 'n')")
    await db.execute(f"update public.{table} set name = 'b' where id = 1")
    await db.execute(f"delete from public.{table} where id = 1")
    _label, update = await sub.next()
    assert update["data"]["old_record"] == {"id": 1, "name": "a", "note": "n"}
    assert update["data"]["record"] == {"id": 1, "name": "b", "note": "n"}
    label, delete = await sub.next()
    assert label == "del" and delete["data"]["old_record"] == {"id": 1, "name": "b", "note": "n"}
