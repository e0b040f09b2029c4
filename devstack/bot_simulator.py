"""A stand-in for the Agent P bot: it works the `dashboard.bot_commands` queue exactly as
docs/bot-commands.md asks the real bot to, and keeps the demo salons' tables moving.

Queue handling, in two short transactions per command:
1. claim: `pending -> processing` for a batch, picked `FOR UPDATE SKIP LOCKED`, so any number
   of simulators (or bots) share one queue and never take the same command. The claim's new
   `updated_at` is the claim's fence.
2. perform: lock the command row again, only if it is still `processing` with that same
   `updated_at` (nobody re-claimed it meanwhile), apply its effect on the bot's tables and set
   `done` or `failed` in the same transaction: a crash in between leaves it `processing` with
   no effect, to be re-claimed after `stale_after` seconds.

Postgres going away (restart, network) is survived: the connection is dropped and opened
again with a capped back-off, and the loop continues where the queue says it is.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import asyncpg

from devstack.bot_commands import Command, CommandRejected, perform
from devstack.bot_traffic import TrafficGenerator, TrafficTenant, demo_tenants

log = logging.getLogger(__name__)

# Errors that mean "the connection is gone or the server is going down", not "this SQL is wrong".
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    asyncpg.InterfaceError,
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,  # admin shutdown, cannot connect now
)

_CLAIM_PENDING = """
update dashboard.bot_commands c set status = 'processing'
from (
  select id from dashboard.bot_commands
  where status = 'pending' and ($2::uuid[] is null or tenant_id = any($2::uuid[]))
  order by created_at, id
  limit $1
  for update skip locked
) picked
where c.id = picked.id
returning c.id, c.updated_at
"""

# A command left `processing` longer than this by a crashed worker is claimed again; setting
# the same status still fires the touch trigger, which gives the new claim its own fence.
_CLAIM_STALE = """
update dashboard.bot_commands c set status = 'processing'
from (
  select id from dashboard.bot_commands
  where status = 'processing' and updated_at < now() - make_interval(secs => $3)
    and ($2::uuid[] is null or tenant_id = any($2::uuid[]))
  order by id
  limit $1
  for update skip locked
) picked
where c.id = picked.id
returning c.id, c.updated_at
"""


@dataclass
class SimulatorStats:
    claimed: int = 0  # claims made, stale re-claims included
    reclaimed: int = 0  # stale `processing` commands taken over
    done: int = 0
    failed: int = 0
    lost: int = 0  # claimed, but another worker re-claimed it before this one performed it
    events: int = 0  # traffic events generated
    reconnects: int = 0


async def _init_connection(conn: asyncpg.Connection) -> None:
    # jsonb in and out as Python values, so payloads and messages are never double-encoded.
    await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


class BotSimulator:
    def __init__(
        self,
        *,
        dsn: str,
        rate: float,
        seed: int,
        poll_interval: float = 0.2,
        batch_size: int = 20,
        stale_after: float = 60.0,
        tenants: Collection[uuid.UUID] | None = None,
    ) -> None:
        """`rate`: traffic events per second in the demo salons (0: only work the queue).
        `tenants`: work only these tenants' commands (tests sharing a database); None: all."""
        if rate < 0 or poll_interval <= 0 or batch_size < 1 or stale_after <= 0:
            raise ValueError("rate >= 0, poll_interval > 0, batch_size >= 1, stale_after > 0")
        self.dsn = dsn
        self.rate = rate
        self.poll_interval = poll_interval
        self.batch_size = batch_size
        self.stale_after = stale_after
        self.stats = SimulatorStats()
        self._tenants = list(tenants) if tenants is not None else None
        self._traffic = TrafficGenerator(random.Random(f"{seed}/bot"))
        self._traffic_tenants: list[TrafficTenant] = []
        self._conn: asyncpg.Connection | None = None
        self._lock = asyncio.Lock()  # one connection, one operation at a time
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._last_stale_check = float("-inf")
        self._last_tenant_lookup = float("-inf")
        self._budget = 0.0

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        if self.running:
            return
        self._stopping.clear()
        self._task = asyncio.create_task(self._run(), name="bot-simulator")

    async def stop(self) -> None:
        task, self._task = self._task, None
        self._stopping.set()
        if task is not None:
            # On timeout wait_for cancels the task; the connection is closed below either way.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(task, timeout=5)
        await self._close()

    async def process_once(self) -> int:
        """Claims what is pending now (and what went stale) and performs it; returns how many."""
        async with self._lock:
            conn = await self._connection()
            claims = await self._claim(conn)
            for command_id, fence in claims:
                await self._perform(conn, command_id, fence)
            return len(claims)

    async def generate_once(self, events: int = 1) -> int:
        """Generates up to `events` traffic events now; 0 when no demo salon exists."""
        async with self._lock:
            conn = await self._connection()
            loop = asyncio.get_running_loop()
            # Looked up again now and then: the demo may be seeded after the simulator starts.
            if loop.time() - self._last_tenant_lookup > 10:
                self._last_tenant_lookup = loop.time()
                self._traffic_tenants = await demo_tenants(conn)
            if not self._traffic_tenants:
                return 0
            for _ in range(events):
                tenant = self._traffic.rng.choice(self._traffic_tenants)
                await self._traffic.event(conn, tenant)
                self.stats.events += 1
            return events

    async def _connection(self) -> asyncpg.Connection:
        if self._conn is None or self._conn.is_closed():
            self._conn = await asyncpg.connect(self.dsn, timeout=5)
            await _init_connection(self._conn)
        return self._conn

    async def _close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            try:
                await asyncio.wait_for(conn.close(), timeout=2)
            except TRANSIENT_ERRORS:
                conn.terminate()

    async def _claim(self, conn: asyncpg.Connection) -> list[tuple[int, Any]]:
        claims: list[tuple[int, Any]] = []
        loop = asyncio.get_running_loop()
        if loop.time() - self._last_stale_check >= min(self.stale_after / 2, 5.0):
            self._last_stale_check = loop.time()
            stale = await conn.fetch(_CLAIM_STALE, self.batch_size, self._tenants, self.stale_after)
            if stale:
                log.warning("re-claimed %d command(s) left in processing", len(stale))
            self.stats.reclaimed += len(stale)
            claims.extend((row["id"], row["updated_at"]) for row in stale)
        room = self.batch_size - len(claims)
        if room > 0:
            rows = await conn.fetch(_CLAIM_PENDING, room, self._tenants)
            claims.extend((row["id"], row["updated_at"]) for row in rows)
        self.stats.claimed += len(claims)
        return claims

    async def _perform(self, conn: asyncpg.Connection, command_id: int, fence: Any) -> None:
        async with conn.transaction():
            row = await conn.fetchrow(
                "select id, tenant_id, command_type, payload from dashboard.bot_commands "
                "where id = $1 and status = 'processing' and updated_at = $2 for update",
                command_id,
                fence,
            )
            if row is None:
                self.stats.lost += 1
                return
            command = Command(row["id"], row["tenant_id"], row["command_type"], row["payload"])
            try:
                async with conn.transaction():  # a savepoint: a refused command changes nothing
                    result = await perform(conn, command)
            except CommandRejected as exc:
                await self._finish(conn, command_id, "failed", error=str(exc))
                return
            except TRANSIENT_ERRORS:
                raise
            except Exception as exc:
                # The payload passed validation but applying it broke (the database refused the
                # effect, or a bug): fail this command visibly instead of re-claiming it forever.
                log.exception("command %s failed while being performed", command_id)
                await self._finish(
                    conn,
                    command_id,
                    "failed",
                    error=f"the bot could not apply the command: {exc.__class__.__name__}: {exc}",
                )
                return
            await self._finish(conn, command_id, "done", result=result)

    async def _finish(
        self,
        conn: asyncpg.Connection,
        command_id: int,
        status: str,
        *,
        result: dict[str, Any] | None = None,
        error: str | None = None,
    ) -> None:
        await conn.execute(
            "update dashboard.bot_commands set status = $2, result = $3, error = $4, "
            "processed_at = now() where id = $1",
            command_id,
            status,
            result,
            error,
        )
        if status == "done":
            self.stats.done += 1
        else:
            self.stats.failed += 1

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        backoff = 0.1
        last_tick = loop.time()
        while not self._stopping.is_set():
            try:
                handled = await self.process_once()
                if self.rate > 0:
                    now = loop.time()
                    # Cap the budget so a long outage is not followed by a burst of backlog.
                    self._budget = min(
                        self._budget + (now - last_tick) * self.rate, max(1.0, self.rate)
                    )
                    last_tick = now
                    due = int(self._budget)
                    if due:
                        self._budget -= due
                        await self.generate_once(due)
                backoff = 0.1
            except TRANSIENT_ERRORS as exc:
                self.stats.reconnects += 1
                log.warning("bot simulator lost the database (%s); retrying in %.1fs", exc, backoff)
                await self._close()
                await self._pause(backoff)
                backoff = min(backoff * 2, 2.0)
                continue
            except Exception:
                # A bug in one step must not stop a demo that runs all day: log it, go on.
                log.exception("bot simulator step failed")
                await self._close()
                await self._pause(1.0)
                continue
            if handled < self.batch_size:
                await self._pause(self.poll_interval)

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)
