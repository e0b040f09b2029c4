"""Per-company SQLite cache of YClients records, synced incrementally.

The first sync of a period reads it whole; later syncs ask only for records changed since the
previous sync started (`changed_after`, deleted records included), so reopening is a local
read and a day's changes cost a request or two. Every page is written in its own transaction
and the sync state (covered dates, cursor) only moves after the last page: a cancelled sync
leaves valid rows and an unchanged state, so the next sync simply redoes the work.
sqlite3 is blocking, so every database call runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import sqlite3
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from services.private_files import private_file
from services.yclients.client import DEFAULT_PAGE_SIZE, YClientsClient
from services.yclients.models import ApiRecord, Record, ServiceLine, record_from_api

SCHEMA_VERSION = "1"
# Covers clock skew between our clock and YClients' and changes committed while a scan ran.
CURSOR_OVERLAP = timedelta(minutes=5)
# Records moved out of the covered dates still show up in an incremental sync this far out.
INCREMENTAL_MARGIN = timedelta(days=31)

ProgressCallback = Callable[[int, int], None]
T = TypeVar("T")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (
    id INTEGER PRIMARY KEY,
    local_date TEXT NOT NULL,
    start TEXT NOT NULL,
    attendance INTEGER NOT NULL,
    deleted INTEGER NOT NULL,
    staff_id INTEGER NOT NULL,
    staff_name TEXT NOT NULL,
    client_id INTEGER,
    visit_id INTEGER,
    services TEXT NOT NULL,
    last_change TEXT,
    raw TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS records_local_date ON records (local_date);
"""

# A late page must not overwrite a newer version of a record written by an earlier page.
_UPSERT = """
INSERT INTO records (id, local_date, start, attendance, deleted, staff_id, staff_name,
                     client_id, visit_id, services, last_change, raw)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET
    local_date = excluded.local_date, start = excluded.start,
    attendance = excluded.attendance, deleted = excluded.deleted,
    staff_id = excluded.staff_id, staff_name = excluded.staff_name,
    client_id = excluded.client_id, visit_id = excluded.visit_id,
    services = excluded.services, last_change = excluded.last_change, raw = excluded.raw
WHERE excluded.last_change IS NULL OR records.last_change IS NULL
      OR excluded.last_change >= records.last_change
"""


def cache_path(cache_dir: Path, base_url: str, company_id: int) -> Path:
    """One file per (API host, company): the sandbox and production never share a cache."""
    digest = hashlib.sha256(base_url.rstrip("/").encode()).hexdigest()[:10]
    return cache_dir / f"yclients-{company_id}-{digest}.sqlite3"


@dataclass(frozen=True, slots=True)
class SyncState:
    timezone_name: str | None
    covered_from: date | None
    covered_to: date | None
    cursor: datetime | None
    # When the last sync finished (this host's clock): a process that waited for another's
    # sync reads it to know the cache is as fresh as a sync of its own would make it.
    synced_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class SyncReport:
    full_ranges: tuple[tuple[date, date], ...]
    incremental: bool
    requests: int
    pages: int
    records_written: int
    covered_from: date
    covered_to: date
    # True when another process synced the period while this one waited for its turn.
    by_peer: bool = False


class RecordCache:
    def __init__(self, path: Path, company_id: int) -> None:
        self.path = path
        self.company_id = company_id
        self._conn: sqlite3.Connection | None = None
        # One connection shared by worker threads; the lock also serialises a write that is
        # still finishing in its thread after the awaiting task was cancelled.
        self._lock = threading.Lock()

    async def __aenter__(self) -> RecordCache:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def open(self) -> None:
        await asyncio.to_thread(self._open)

    async def close(self) -> None:
        await asyncio.to_thread(self._close)

    async def state(self) -> SyncState:
        return await self._run(self._read_state)

    async def load(self, period_from: date, period_to: date) -> list[Record]:
        """Records (deleted ones included) whose local visit date is in the period."""
        return await self._run(self._load, period_from.isoformat(), period_to.isoformat())

    async def load_raw(self, period_from: date, period_to: date) -> list[str]:
        """The records of the period as YClients sent them (JSON), for fields `Record` omits."""
        return await self._run(
            lambda conn: [
                raw
                for (raw,) in conn.execute(
                    "SELECT raw FROM records WHERE local_date BETWEEN ? AND ? ORDER BY start, id",
                    (period_from.isoformat(), period_to.isoformat()),
                )
            ]
        )

    async def sync(
        self,
        client: YClientsClient,
        period_from: date,
        period_to: date,
        *,
        progress: ProgressCallback | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> SyncReport:
        if client.company_id != self.company_id:
            raise ValueError(f"this cache holds company {self.company_id}, not {client.company_id}")
        if period_to < period_from:
            raise ValueError(f"the period ends ({period_to}) before it starts ({period_from})")
        requests_before = client.stats.requests
        state = await self.state()
        if state.timezone_name:
            tz = ZoneInfo(state.timezone_name)
        else:
            tz = await client.company_timezone()
            await self._run(self._set_meta, {"timezone_name": tz.key})

        covered = (
            (state.covered_from, state.covered_to)
            if state.covered_from and state.covered_to and state.cursor
            else None
        )
        if covered is None:
            hull = (period_from, period_to)
            full_ranges: list[tuple[date, date]] = [hull]
        else:
            hull = (min(covered[0], period_from), max(covered[1], period_to))
            full_ranges = []
            if hull[0] < covered[0]:
                full_ranges.append((hull[0], covered[0] - timedelta(days=1)))
            if hull[1] > covered[1]:
                full_ranges.append((covered[1] + timedelta(days=1), hull[1]))

        scans: list[tuple[date, date, datetime | None]] = []
        if covered is not None and state.cursor is not None:
            scans.append(
                (
                    covered[0] - INCREMENTAL_MARGIN,
                    covered[1] + INCREMENTAL_MARGIN,
                    state.cursor - CURSOR_OVERLAP,
                )
            )
        scans.extend((start, end, None) for start, end in full_ranges)

        pages_done = 0
        totals: dict[int, int] = {}
        written = 0
        cursor: datetime | None = None
        for index, (start, end, changed_after) in enumerate(scans):
            local_clock = datetime.now(UTC)
            async for page in client.iter_record_pages(
                start_date=start,
                end_date=end,
                changed_after=changed_after,
                with_deleted=True,
                page_size=page_size,
                tz=tz,
            ):
                started = page.scan_started or local_clock
                cursor = started if cursor is None else min(cursor, started)
                rows = [_row(record_from_api(api, tz), api, tz) for api in page.records]
                written += await self._run(self._upsert, rows)
                pages_done += 1
                totals[index] = max(page.pages_total, totals.get(index, 0))
                if progress is not None:
                    progress(pages_done, max(pages_done, sum(totals.values())))
        if cursor is None:
            cursor = datetime.now(UTC)
        await self._run(
            self._set_meta,
            {
                "covered_from": hull[0].isoformat(),
                "covered_to": hull[1].isoformat(),
                "cursor": cursor.astimezone(UTC).isoformat(),
                "synced_at": datetime.now(UTC).isoformat(),
            },
        )
        return SyncReport(
            full_ranges=tuple(full_ranges),
            incremental=covered is not None,
            requests=client.stats.requests - requests_before,
            pages=pages_done,
            records_written=written,
            covered_from=hull[0],
            covered_to=hull[1],
        )

    # -- worker-thread side --------------------------------------------------------------------

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.to_thread(self._locked, fn, *args)

    def _locked(self, fn: Callable[..., T], *args: Any) -> T:
        with self._lock:
            if self._conn is None:
                raise RuntimeError("the record cache is not open")
            return fn(self._conn, *args)

    def _open(self) -> None:
        with self._lock:
            if self._conn is not None:
                return
            # Clients' names and phones: the file (and its -wal and -shm) is 0600.
            private_file(self.path)
            conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.executescript(_SCHEMA)
                meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
                if meta.get("company_id", str(self.company_id)) != str(self.company_id):
                    raise ValueError(
                        f"{self.path} holds company {meta['company_id']}, not {self.company_id}"
                    )
                if meta.get("schema_version", SCHEMA_VERSION) != SCHEMA_VERSION:
                    # An old layout is only a cache: drop it and read again from YClients.
                    conn.executescript("DELETE FROM records; DELETE FROM meta;")
                conn.execute("BEGIN")
                conn.executemany(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                    [("schema_version", SCHEMA_VERSION), ("company_id", str(self.company_id))],
                )
                conn.execute("COMMIT")
            except BaseException:
                conn.close()
                raise
            self._conn = conn

    def _close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    @staticmethod
    def _read_state(conn: sqlite3.Connection) -> SyncState:
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        return SyncState(
            timezone_name=meta.get("timezone_name"),
            covered_from=date.fromisoformat(meta["covered_from"])
            if "covered_from" in meta
            else None,
            covered_to=date.fromisoformat(meta["covered_to"]) if "covered_to" in meta else None,
            cursor=datetime.fromisoformat(meta["cursor"]) if "cursor" in meta else None,
            synced_at=datetime.fromisoformat(meta["synced_at"]) if "synced_at" in meta else None,
        )

    @staticmethod
    def _set_meta(conn: sqlite3.Connection, values: dict[str, str]) -> None:
        conn.execute("BEGIN")
        try:
            conn.executemany(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", list(values.items())
            )
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    @staticmethod
    def _upsert(conn: sqlite3.Connection, rows: Sequence[tuple[Any, ...]]) -> int:
        conn.execute("BEGIN")
        try:
            conn.executemany(_UPSERT, rows)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return len(rows)

    @staticmethod
    def _load(conn: sqlite3.Connection, first: str, last: str) -> list[Record]:
        cursor = conn.execute(
            "SELECT id, start, attendance, deleted, staff_id, staff_name, client_id, visit_id,"
            " services, last_change FROM records WHERE local_date BETWEEN ? AND ?"
            " ORDER BY start, id",
            (first, last),
        )
        parse = datetime.fromisoformat
        out: list[Record] = []
        append = out.append
        for rid, start, att, deleted, sid, sname, cid, vid, services, changed in cursor:
            append(
                Record(
                    id=rid,
                    start=parse(start),
                    attendance=att,
                    deleted=bool(deleted),
                    staff_id=sid,
                    staff_name=sname,
                    client_id=cid,
                    visit_id=vid,
                    services=tuple(
                        ServiceLine(line[0], line[1], Decimal(line[2]))
                        for line in json.loads(services)
                    ),
                    last_change=parse(changed) if changed else None,
                )
            )
        return out


def _row(record: Record, api: ApiRecord, tz: ZoneInfo) -> tuple[Any, ...]:
    return (
        record.id,
        record.local_date(tz).isoformat(),
        record.start.isoformat(),
        record.attendance,
        int(record.deleted),
        record.staff_id,
        record.staff_name,
        record.client_id,
        record.visit_id,
        json.dumps(
            [[s.service_id, s.title, str(s.cost)] for s in record.services], ensure_ascii=False
        ),
        record.last_change.astimezone(UTC).isoformat() if record.last_change else None,
        # Kept for the fields whose meaning YClients does not document (paid_full, confirmed…).
        api.model_dump_json(by_alias=True),
    )
