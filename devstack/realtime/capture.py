"""Change capture: triggers fill a queue table in commit order; one reader drains it.

Why not NOTIFY payloads alone: NOTIFY caps a payload at 8000 bytes, and a conversation row is
bigger. The queue table holds every change; its wake-up carries it too when it fits.
Why not logical replication: the embedded server is not configured for it (wal_level), and a
trigger queue needs nothing from the server.

Commit order. Sequence values are handed out in statement order, not commit order, so two
concurrent writers could make the reader see id 11 before id 10 commits and then skip 10. The
capture trigger is therefore a DEFERRABLE INITIALLY DEFERRED constraint trigger: it runs at
COMMIT, takes one transaction-level advisory lock and only then draws queue ids. The lock is held
until the commit is visible (Postgres marks the commit visible before it releases locks), so the
next writer's ids are drawn after the previous commit is visible: ids are in commit order and
`id > cursor` never skips a row. Because the lock is taken at commit time, after all of the
transaction's own row locks, it adds no lock-order deadlock; it serialises only the commits of
writes to published tables, which is what Realtime's single-threaded WAL reader does as well.

The reader LISTENs for the wake-ups and also polls, so a notification lost across a reconnect
costs at most a poll interval. A wake-up that carries its change saves the reader a round trip
to the table (the largest share of commit → callback after the commit itself); a bare one (the
change was too big) makes it fetch. It keeps its cursor in memory across Postgres restarts, and
deletes rows it delivered.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import asyncpg

log = logging.getLogger(__name__)

WAKEUP_CHANNEL = "realtime_devstack_wakeup"
TRIGGER_NAME = "_realtime_capture"
BROADCAST_TRIGGER_NAME = "_realtime_broadcast"
# 'realtime' in ASCII: an advisory lock key nobody else in the project uses.
COMMIT_ORDER_LOCK = 0x7265616C74696D65
BATCH = 500
POLL_SECONDS = 0.5
PRUNE_SECONDS = 0.5
TS_FORMAT = 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'

CAPTURE_SQL = f"""
create schema if not exists _realtime;
revoke all on schema _realtime from public;

create table if not exists _realtime.changes (
  id bigint generated always as identity primary key,
  schema_name text not null,
  table_name text not null,
  op text not null,
  record text,
  old_record text,
  committed_at timestamptz not null
);

create or replace function _realtime.capture() returns trigger
language plpgsql
security definer            -- API roles write published tables but may not see the queue
set search_path = pg_catalog
set timezone = 'UTC'        -- records render timestamptz in UTC, like Realtime
as $$
declare
  ident "char";
  old_json text;
  new_json text;
  change_id bigint;
  stamp timestamptz := clock_timestamp();
  notice text;
begin
  perform pg_advisory_xact_lock({COMMIT_ORDER_LOCK});
  if tg_op <> 'INSERT' then
    -- old_record as the replica identity allows: full row, identity index, or primary key.
    select c.relreplident into ident from pg_class c where c.oid = tg_relid;
    if ident = 'f' then
      old_json := row_to_json(old)::text;
    elsif ident = 'n' then
      old_json := '{{}}';
    else
      select coalesce(json_object_agg(a.attname, r.j -> a.attname::text order by a.attnum),
                      '{{}}'::json)::text
        into old_json
        from (select row_to_json(old) as j) r
        cross join pg_index i
        join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
       where i.indrelid = tg_relid
         and case when ident = 'i' then i.indisreplident else i.indisprimary end;
    end if;
  end if;
  if tg_op <> 'DELETE' then
    new_json := row_to_json(new)::text;
  end if;
  insert into _realtime.changes (schema_name, table_name, op, record, old_record, committed_at)
  values (tg_table_schema, tg_table_name, tg_op, new_json, old_json, stamp)
  returning id into change_id;
  -- The wake-up carries the change when it fits NOTIFY's 8000 bytes, so the reader need not
  -- fetch it (see parse_notice); a bigger one wakes it bodiless to fetch from the queue.
  notice := concat_ws(',', change_id, tg_op,
                      to_char(stamp at time zone 'UTC', '{TS_FORMAT}'),
                      length(tg_table_schema), length(tg_table_name),
                      coalesce(length(new_json), -1), coalesce(length(old_json), -1))
            || E'\\n' || tg_table_schema || tg_table_name
            || coalesce(new_json, '') || coalesce(old_json, '');
  if octet_length(notice) >= 8000 then
    notice := '';
  end if;
  perform pg_notify('{WAKEUP_CHANNEL}', notice);
  return null;
end
$$;
"""

_FETCH = f"""
select id, schema_name, table_name, op, record, old_record,
       to_char(committed_at at time zone 'UTC', '{TS_FORMAT}') as ts
  from _realtime.changes where id > $1 order by id limit $2
"""


@dataclass(frozen=True)
class Change:
    id: int
    schema: str
    table: str
    type: str  # INSERT | UPDATE | DELETE
    record: str | None  # JSON text, columns in table order
    old_record: str | None
    commit_timestamp: str


async def install_capture(conn: asyncpg.Connection) -> None:
    await conn.execute(CAPTURE_SQL)
    await _ensure_broadcast_trigger(conn)


async def _ensure_broadcast_trigger(conn: asyncpg.Connection) -> None:
    """Rows of realtime.messages (broadcasts from SQL) enter the same commit-ordered queue.

    Realtime reads them from its own publication, not `supabase_realtime`, hence a trigger of
    another name that `sync_triggers` leaves alone."""
    if await conn.fetchval("select to_regclass('realtime.messages') is null"):
        return
    exists = await conn.fetchval(
        """select exists(select 1 from pg_trigger
                          where tgrelid = 'realtime.messages'::regclass and tgname = $1)""",
        BROADCAST_TRIGGER_NAME,
    )
    if not exists:
        with contextlib.suppress(asyncpg.DuplicateObjectError):
            await conn.execute(
                f"create constraint trigger {BROADCAST_TRIGGER_NAME} after insert"
                " on realtime.messages deferrable initially deferred"
                " for each row execute function _realtime.capture()"
            )


async def ensure_trigger(conn: asyncpg.Connection, schema: str, table: str) -> None:
    """Idempotent; constraint triggers have no CREATE OR REPLACE, hence the lookup first."""
    exists = await conn.fetchval(
        """select exists(select 1 from pg_trigger t join pg_class c on c.oid = t.tgrelid
                          join pg_namespace n on n.oid = c.relnamespace
                         where n.nspname = $1 and c.relname = $2 and t.tgname = $3)""",
        schema,
        table,
        TRIGGER_NAME,
    )
    if exists:
        return
    with contextlib.suppress(asyncpg.DuplicateObjectError):  # another devstack got there first
        await conn.execute(
            f"create constraint trigger {TRIGGER_NAME} after insert or update or delete"
            f" on {quote_ident(schema)}.{quote_ident(table)}"
            " deferrable initially deferred for each row execute function _realtime.capture()"
        )


async def sync_triggers(conn: asyncpg.Connection) -> list[tuple[str, str]]:
    """Triggers on every published table and on no other; returns the published tables."""
    published = [
        (r["schemaname"], r["tablename"])
        for r in await conn.fetch(
            "select schemaname, tablename from pg_publication_tables"
            " where pubname = 'supabase_realtime'"
        )
    ]
    for schema, table in published:
        await ensure_trigger(conn, schema, table)
    stale = await conn.fetch(
        """select n.nspname, c.relname from pg_trigger t join pg_class c on c.oid = t.tgrelid
             join pg_namespace n on n.oid = c.relnamespace where t.tgname = $1""",
        TRIGGER_NAME,
    )
    for row in stale:
        if (row["nspname"], row["relname"]) not in published:
            await conn.execute(
                f"drop trigger if exists {TRIGGER_NAME}"
                f" on {quote_ident(row['nspname'])}.{quote_ident(row['relname'])}"
            )
    return published


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


_CONNECTION_ERRORS = (
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
)


def parse_notice(payload: str) -> Change | None:
    """The change a wake-up carries (see the capture function), or None for a bare one."""
    head, newline, body = payload.partition("\n")
    if not newline:
        return None
    change_id, op, ts, *lengths = head.split(",")
    schema_len, table_len, record_len, old_len = (int(n) for n in lengths)
    parts: list[str | None] = []
    at = 0
    for length in (schema_len, table_len, record_len, old_len):
        parts.append(None if length < 0 else body[at : at + length])
        at += max(length, 0)
    schema, table, record, old_record = parts
    return Change(int(change_id), schema or "", table or "", op, record, old_record, ts)


class _Alarm:
    """An asyncio.Event for one waiter that wakes it in one loop step: wait_for(event.wait())
    runs the wait as a task of its own, two more steps between a commit and its dispatch."""

    def __init__(self) -> None:
        self._set = False
        self._waiter: asyncio.Future[bool] | None = None

    def set(self) -> None:
        self._set = True
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(True)

    def clear(self) -> None:
        self._set = False

    async def wait(self, seconds: float) -> bool:
        """True once set, False if `seconds` pass first."""
        if self._set:
            return True
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[bool] = loop.create_future()
        self._waiter = waiter

        def expire() -> None:
            if not waiter.done():
                waiter.set_result(False)

        timer = loop.call_later(seconds, expire)
        try:
            return await waiter
        finally:
            timer.cancel()
            self._waiter = None


class Reader:
    """Drains `_realtime.changes` in id (= commit) order into `deliver`, one change at a time.

    Wake-ups arrive in commit order too (Postgres delivers notifications in the order their
    transactions committed), so a change carried by its wake-up is delivered from it when its
    id is past the cursor; a bare wake-up, a reconnect or a poll fetches everything past the
    cursor instead, and what the fetch delivered is skipped when its own wake-up comes."""

    def __init__(self, dsn: str, deliver: Callable[[Change], Awaitable[None]]) -> None:
        self._dsn = dsn
        self._deliver = deliver
        self._wake = _Alarm()
        self._notices: deque[str] = deque()
        self._task: asyncio.Task[None] | None = None
        self.cursor = 0
        self.delivered = 0

    async def start(self, conn: asyncpg.Connection) -> None:
        # Changes committed while nobody could be subscribed are not replayed (as in Realtime).
        self.cursor = int(await conn.fetchval("select coalesce(max(id), 0) from _realtime.changes"))
        await conn.execute("delete from _realtime.changes where id <= $1", self.cursor)
        self._task = asyncio.create_task(self._run(), name="realtime-capture-reader")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        delay = 0.05
        while True:
            try:
                await self._session()
            except asyncio.CancelledError:
                raise
            except (*_CONNECTION_ERRORS, asyncpg.PostgresError) as exc:
                # Postgres restarting: reconnect and resume from the cursor, losing nothing.
                log.info("realtime capture reader reconnecting: %s", exc)
            except Exception:
                log.exception("realtime capture reader failed; restarting it")
            await asyncio.sleep(delay)
            delay = min(delay * 2, 1.0)

    def _notified(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        self._notices.append(payload)
        self._wake.set()

    async def _deliver_one(self, change: Change) -> None:
        try:
            await self._deliver(change)
        except _CONNECTION_ERRORS:
            raise  # the database went away mid-change: retry it after reconnecting
        except Exception:
            log.exception("realtime: delivering change %s failed", change.id)
        self.cursor = change.id
        self.delivered += 1

    async def _fetch(self, conn: asyncpg.Connection) -> bool:
        """Delivers up to BATCH changes past the cursor; True if there may be more."""
        rows = await conn.fetch(_FETCH, self.cursor, BATCH)
        for row in rows:
            await self._deliver_one(
                Change(
                    row["id"],
                    row["schema_name"],
                    row["table_name"],
                    row["op"],
                    row["record"],
                    row["old_record"],
                    row["ts"],
                )
            )
        return len(rows) == BATCH

    async def _session(self) -> None:
        conn = await asyncpg.connect(self._dsn, timeout=5)
        self._notices.clear()  # the fetch below covers whatever they announced
        try:
            conn.add_termination_listener(lambda _c: self._wake.set())
            await conn.add_listener(WAKEUP_CHANNEL, self._notified)
            last_prune = time.monotonic()
            pruned_to = self.cursor
            fetch = True
            while True:
                if conn.is_closed():
                    raise ConnectionError("capture connection closed")
                # Cleared before the fetch, so a wake-up during the fetch ends the wait below.
                self._wake.clear()
                if fetch:
                    fetch = await self._fetch(conn)
                while self._notices and not fetch:
                    change = parse_notice(self._notices.popleft())
                    if change is None:
                        fetch = True  # too big to carry: it is in the queue table
                    elif change.id > self.cursor:
                        await self._deliver_one(change)
                now = time.monotonic()
                if self.cursor > pruned_to and now - last_prune >= PRUNE_SECONDS:
                    await conn.execute("delete from _realtime.changes where id <= $1", self.cursor)
                    pruned_to, last_prune = self.cursor, now
                if fetch or self._notices:
                    continue
                # A wake-up lost across a reconnect costs one poll interval.
                fetch = not await self._wake.wait(POLL_SECONDS)
        finally:
            with contextlib.suppress(Exception):
                await conn.close()
