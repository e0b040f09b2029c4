"""A live feed of one table for one tenant: an initial page, then realtime changes, forever.

supabase-py's realtime client gives up for good after ~15 s of failed reconnects (wire notes
§C9), and postgres_changes has no replay. So the feed supervises its own channel, on a socket
shared with the app's other feeds (services/realtime_connection.py): on any channel error it
releases the channel and joins a new one with capped, jittered backoff; after every
subscribe it re-reads what it may have missed (rows since its cursor, and the newest window)
and de-duplicates against what it already delivered, so across any number of drops no row is
lost and none is delivered twice. When realtime keeps failing it polls meanwhile and says so.

Changes are batched: a burst of 1,000 rows reaches the consumer as a few batches, not 1,000
calls. The consumer's callbacks run on the event loop and must not block.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic

from pydantic import ValidationError
from realtime import (
    AsyncRealtimeChannel,
    PostgresChangesPayload,
    RealtimePostgresChangesListenEvent,
    RealtimeSubscribeStates,
)

from services.backend import Backend
from services.backoff import backoff_delay
from services.errors import ServiceError
from services.feed_types import FeedBatch, FeedSpec, FeedState, FeedStatus, FeedTuning, T
from services.keyset import Cursor, oldest_first_after, parse_row_time
from services.models import describe_invalid
from services.realtime_client import CooperativeRealtimeClient
from services.realtime_connection import RealtimeConnection
from services.secret import SecretStr

# The feed's types live in services/feed_types.py; named here too for callers of the feed.
__all__ = ["FeedBatch", "FeedSpec", "FeedState", "FeedStatus", "FeedTuning", "LiveFeed"]

log = logging.getLogger(__name__)


@dataclass
class _Deleted:
    key: str


class LiveFeed(Generic[T]):
    def __init__(
        self,
        *,
        backend: Backend,
        key: SecretStr,
        spec: FeedSpec[T],
        on_batch: Callable[[FeedBatch[T]], None],
        on_status: Callable[[FeedStatus], None] = lambda status: None,
        tuning: FeedTuning | None = None,
        rng: random.Random | None = None,
        connection: RealtimeConnection | None = None,
    ) -> None:
        self.backend = backend
        self.spec = spec
        self._key = key
        self._on_batch = on_batch
        self._on_status = on_status
        self.tuning = tuning or FeedTuning()
        self._rng = rng or random.Random()
        self._delivered: dict[str, T] = {}
        self._versions: dict[str, datetime] = {}
        self._cursor: datetime | None = None
        self._pending: dict[str, tuple[T, dict[str, Any]] | _Deleted] = {}
        self._pending_event = asyncio.Event()
        self._lost = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        # The app's shared socket; a feed made on its own opens a private one in start().
        self._connection = connection
        self._owns_connection = connection is None
        self._client: CooperativeRealtimeClient | None = None
        self._channel: AsyncRealtimeChannel | None = None
        self.status = FeedStatus(FeedState.connecting, datetime.now(UTC))
        self.reconnects = 0

    # -- life cycle -------------------------------------------------------------------------
    async def start(self) -> None:
        if self._owns_connection:
            self._connection = RealtimeConnection(
                url=self.backend.url, key=self._key, timeout=self.tuning.subscribe_timeout
            )
        self._tasks = [
            asyncio.create_task(self._supervise(), name=f"feed-{self.spec.name}"),
            asyncio.create_task(self._flush_loop(), name=f"feed-{self.spec.name}-flush"),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = []
        await self._teardown()
        if self._owns_connection and self._connection is not None:
            await self._connection.close()
        self._set_status(FeedState.stopped)

    # -- supervision ------------------------------------------------------------------------
    async def _supervise(self) -> None:
        failures = 0
        outage_since: datetime | None = None
        initial_done = False
        while True:
            try:
                if not initial_done:
                    await self._load_initial()
                    initial_done = True
                await self._subscribe()
                await self._catch_up()
                failures, outage_since = 0, None
                self._set_status(FeedState.live)
                await self._lost.wait()
                detail = "the realtime connection dropped"
            except asyncio.CancelledError:
                raise
            except (ServiceError, OSError, TimeoutError, RuntimeError) as exc:
                detail = str(exc) or type(exc).__name__
            except Exception as exc:  # the realtime client raises bare Exceptions
                detail = f"realtime: {type(exc).__name__}"
                log.debug("feed %s: %s", self.spec.name, exc)
            await self._teardown()
            failures += 1
            self.reconnects += 1
            outage_since = outage_since or datetime.now(UTC)
            polling = initial_done and failures >= self.tuning.polling_after
            self._set_status(
                FeedState.polling if polling else FeedState.reconnecting, outage_since, detail
            )
            delay = backoff_delay(failures, self.tuning.backoff_base, self.tuning.backoff_cap)
            delay *= self._rng.uniform(0.5, 1.0)
            if polling:
                await self._poll_for(delay)
            else:
                await asyncio.sleep(delay)

    async def _poll_for(self, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while True:
            with contextlib.suppress(ServiceError):
                await self._catch_up()
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            await asyncio.sleep(min(self.tuning.poll_interval, remaining))

    async def _subscribe(self) -> None:
        self._lost.clear()
        assert self._connection is not None, "start() first"
        client = await self._connection.client()
        channel = client.channel(f"{self.spec.name}-{uuid.uuid4().hex[:8]}")
        self._client, self._channel = client, channel
        channel.on_postgres_changes(
            RealtimePostgresChangesListenEvent.All,
            schema=self.spec.schema,
            table=self.spec.table,
            filter=f"{self.spec.filter_column}=eq.{self.spec.filter_value}",
            callback=self._on_filtered_change,
        )
        # A DELETE's old row holds only the primary key, so no tenant filter can match it
        # (Supabase refuses or never delivers filtered DELETEs). This binding sees every
        # tenant's deleted keys and acts only on keys this feed delivered: ids are unique.
        channel.on_postgres_changes(
            RealtimePostgresChangesListenEvent.Delete,
            schema=self.spec.schema,
            table=self.spec.table,
            callback=self._on_change,
        )
        result: dict[str, Any] = {}
        joined = asyncio.Event()

        def on_state(state: RealtimeSubscribeStates, error: Exception | None) -> None:
            if self._channel is not channel:
                # A released channel's late word: its leave times out 10 s after the teardown
                # (the socket is gone, no reply comes). Taken as a loss, it cut the healthy
                # channel joined since, whose teardown did the same 10 s later: the feed
                # rejoined every 10 s forever after a single drop.
                return
            if state == RealtimeSubscribeStates.SUBSCRIBED:
                result["ok"] = True
                joined.set()
            else:
                result.setdefault("error", f"{state.value}: {error}" if error else state.value)
                joined.set()
                self._lost.set()

        await channel.subscribe(on_state)
        await asyncio.wait_for(joined.wait(), self.tuning.subscribe_timeout)
        if not result.get("ok"):
            raise RuntimeError(f"realtime refused the subscription ({result.get('error')})")

    async def _teardown(self) -> None:
        channel, self._channel, self._client = self._channel, None, None
        if channel is not None and self._connection is not None:
            await self._connection.release(channel)

    # -- reading ----------------------------------------------------------------------------
    def _base_query(self) -> Any:
        return (
            self.backend.table(self.spec.schema, self.spec.table)
            .select(self.spec.select)
            .eq(self.spec.filter_column, self.spec.filter_value)
        )

    async def _load_initial(self) -> None:
        query = (
            self._base_query()
            .order(self.spec.cursor_column, desc=True)
            .order("id", desc=True)
            .limit(self.spec.window)
        )
        rows = (await self.backend.run(query, context=f"{self.spec.schema}.{self.spec.table}")).data
        batch = self._absorb(rows)
        self._emit(FeedBatch(batch, [], initial=True))

    async def _catch_up(self) -> None:
        """Rows changed since the cursor (paged), and the newest window refreshed."""
        changed: list[T] = []
        if self._cursor is not None:
            since = (self._cursor - self.tuning.catch_up_overlap).isoformat()
            after: Cursor | None = None
            while True:
                query = self._base_query()
                if after is None:
                    query = query.gte(self.spec.cursor_column, since)
                    query = query.order(self.spec.cursor_column).order("id")
                else:
                    # Keyset by (time, id): rows written in one transaction share a timestamp,
                    # and a gap of them larger than a page must still be read whole.
                    query = oldest_first_after(
                        query, at_column=self.spec.cursor_column, after=after
                    )
                rows = (
                    await self.backend.run(
                        query.limit(self.tuning.page_size),
                        context=f"{self.spec.schema}.{self.spec.table}",
                    )
                ).data
                changed += self._absorb(rows)
                if len(rows) < self.tuning.page_size:
                    break
                last_at = parse_row_time(rows[-1].get(self.spec.cursor_column))
                if last_at is None:
                    break  # no timestamp to continue from: the window refresh covers the rest
                after = Cursor(last_at, str(rows[-1].get("id")))
        window = (
            await self.backend.run(
                self._base_query()
                .order(self.spec.cursor_column, desc=True)
                .order("id", desc=True)
                .limit(self.spec.window),
                context=f"{self.spec.schema}.{self.spec.table}",
            )
        ).data
        changed += self._absorb(window)
        if changed:
            self._emit(FeedBatch(changed, []))

    def _absorb(self, rows: list[dict[str, Any]]) -> list[T]:
        """Parse rows, keep the new or changed ones, advance the cursor."""
        fresh: list[T] = []
        for row in rows:
            item = self._parse(row)
            if item is not None and self._accept(item, row):
                fresh.append(item)
        return fresh

    def _accept(self, item: T, row: dict[str, Any]) -> bool:
        """Record `item` as delivered if it is new, changed and not older than what we have."""
        if self._delivered.get(item.key) == item:
            return False
        if self.spec.version_column:
            version = parse_row_time(row.get(self.spec.version_column))
            known = self._versions.get(item.key)
            if version is not None:
                if known is not None and version < known:
                    return False
                self._versions[item.key] = version
        self._delivered[item.key] = item
        retain = self.spec.retain
        if retain is not None and len(self._delivered) > retain:
            # Oldest delivered first (dicts keep insertion order).
            oldest = next(iter(self._delivered))
            del self._delivered[oldest]
            self._versions.pop(oldest, None)
        return True

    def _parse(self, row: dict[str, Any]) -> T | None:
        # Defence in depth: the subscription filters by tenant, and so does this.
        if str(row.get(self.spec.filter_column)) != self.spec.filter_value:
            return None
        try:
            item = self.spec.parse(row)
        except ValueError as exc:
            # Which row and field, never its content: client data stays out of the log.
            detail = type(exc).__name__
            if isinstance(exc, ValidationError):
                detail = describe_invalid(row, exc)
            log.warning("feed %s: skipped a malformed row (%s)", self.spec.name, detail)
            return None
        at = parse_row_time(row.get(self.spec.cursor_column))
        if at is not None and (self._cursor is None or at > self._cursor):
            self._cursor = at
        return item

    # -- realtime changes -------------------------------------------------------------------
    def _on_filtered_change(self, payload: PostgresChangesPayload) -> None:
        # Under REPLICA IDENTITY FULL Realtime also hands this salon's DELETEs to the filtered
        # binding (the old row passes the filter): the DELETE binding has them already.
        data = payload.get("data") or {}
        raw_type = data.get("type", "")
        if str(getattr(raw_type, "value", raw_type)) != "DELETE":
            self._on_change(payload)

    def _on_change(self, payload: PostgresChangesPayload) -> None:
        data: dict[str, Any] = dict(payload.get("data") or {})
        raw_type = data.get("type", "")
        # The client hands an Enum whose str() is its name, not the wire value.
        kind = str(getattr(raw_type, "value", raw_type))
        if kind == "DELETE":
            old = data.get("old_record") or {}
            if "id" in old:
                key = str(old["id"])
                if key in self._delivered:
                    self._pending[key] = _Deleted(key)
                    self._pending_event.set()
            return
        record = data.get("record")
        if not isinstance(record, dict):
            return
        if data.get("errors"):
            # Trimmed by the server (row over the payload limit): fetch it in the next catch-up.
            self._lost.set()
            return
        item = self._parse(record)
        if item is not None:
            self._pending[item.key] = (item, record)
            self._pending_event.set()

    async def _flush_loop(self) -> None:
        loop = asyncio.get_running_loop()
        last = -math.inf
        while True:
            await self._pending_event.wait()
            # At most one batch per interval, however many rows arrive; but a change after a
            # quiet spell goes out at once (after the rows read in the same pass), instead of
            # always waiting out the interval.
            wait = last + self.tuning.batch_interval - loop.time()
            await asyncio.sleep(max(0.0, wait))
            last = loop.time()
            self._pending_event.clear()
            pending, self._pending = self._pending, {}
            upserts: list[T] = []
            deletes: list[str] = []
            for key, value in pending.items():
                if isinstance(value, _Deleted):
                    self._versions.pop(key, None)
                    if self._delivered.pop(key, None) is not None:
                        deletes.append(key)
                elif self._accept(*value):
                    upserts.append(value[0])
            if upserts or deletes:
                self._emit(FeedBatch(upserts, deletes))

    # -- output -----------------------------------------------------------------------------
    def _emit(self, batch: FeedBatch[T]) -> None:
        try:
            self._on_batch(batch)
        except Exception:
            log.exception("feed %s: the consumer failed on a batch", self.spec.name)

    def _set_status(
        self, state: FeedState, since: datetime | None = None, detail: str | None = None
    ) -> None:
        if state == self.status.state and state != FeedState.reconnecting:
            return
        self.status = FeedStatus(state, since or datetime.now(UTC), detail)
        try:
            self._on_status(self.status)
        except Exception:
            log.exception("feed %s: the consumer failed on a status", self.spec.name)
