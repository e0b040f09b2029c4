"""A durable local outbox for bot commands that could not reach the backend yet.

A command is written here *before* the network call, so a killed app or a dropped connection
loses nothing; it is removed once the backend has it. Re-sending is harmless because each entry
keeps the idempotency key it was born with, and the table is unique on (tenant_id, key).
SQLite in WAL mode with synchronous=FULL: an entry that `put()` returned for survives a crash.

A file that is no longer a database (truncated, overwritten, a disk error) must not stop
sending: it is moved aside as `<name>.broken-<time>`, every entry that can still be read from
it is copied into a fresh outbox, and `on_recovered` is told once (the app says so in one line).
Any other failure of the file is an `OutboxUnavailable`, a `ServiceError` like the network's.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from services.commands.outbox_salvage import salvage_rows
from services.commands.registry import upgrade_payload
from services.errors import ServiceError
from services.private_files import private_file

if TYPE_CHECKING:
    import sqlite3

log = logging.getLogger(__name__)

_COLUMNS = (
    "idempotency_key, tenant_id, created_by, command_type, payload, queued_at, attempts, last_error"
)
# SQLITE_CORRUPT and SQLITE_NOTADB: the file is damaged, not merely busy or unreachable.
_DAMAGED = {11, 26}


class OutboxUnavailable(ServiceError):
    """The local outbox file cannot be used (permissions, a full disk); nothing was queued."""


@dataclass(frozen=True)
class OutboxRecovery:
    """A damaged outbox was moved aside to `broken`; `recovered` entries were read back."""

    broken: Path
    recovered: int


_SCHEMA = """
create table if not exists outbox (
  idempotency_key text primary key,
  tenant_id text not null,
  created_by text not null,
  command_type text not null,
  payload text not null,
  queued_at text not null,
  attempts integer not null default 0,
  last_error text
)
"""


@dataclass(frozen=True)
class OutboxEntry:
    idempotency_key: str
    tenant_id: str
    created_by: str
    command_type: str
    payload: dict[str, Any]
    queued_at: datetime
    attempts: int = 0
    last_error: str | None = None

    def as_row(self) -> dict[str, Any]:
        """The `dashboard.bot_commands` row this entry becomes."""
        return {
            "tenant_id": self.tenant_id,
            "command_type": self.command_type,
            "payload": self.payload,
            "idempotency_key": self.idempotency_key,
            "created_by": self.created_by,
        }


def _damaged(exc: sqlite3.Error) -> bool:
    import sqlite3

    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in _DAMAGED
    return isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError)


class Outbox:
    def __init__(
        self, path: Path, on_recovered: Callable[[OutboxRecovery], None] | None = None
    ) -> None:
        self.path = path
        self.on_recovered = on_recovered
        self._lock = asyncio.Lock()
        self._ready = False

    def _connect(self) -> sqlite3.Connection:
        # SQLite is loaded here, in a worker, by the first use of an outbox file: most
        # sessions never queue a command, and an idle app need not hold its 2 MB.
        import sqlite3

        # Message texts wait here: the file (and so SQLite's -wal and -shm) is 0600.
        private_file(self.path)
        conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        conn.execute("pragma journal_mode=wal")
        conn.execute("pragma synchronous=full")
        # A sent entry's text is erased from the file, not left in a free page: a message
        # is kept no longer than needed, and salvage never brings a sent entry back.
        conn.execute("pragma secure_delete=on")
        if not self._ready:
            conn.execute(_SCHEMA)
            self._ready = True
        return conn

    def _execute(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        conn = self._connect()
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()

    def _work(
        self, sql: str, params: tuple[Any, ...], absent: list[tuple[Any, ...]] | None
    ) -> tuple[list[tuple[Any, ...]], OutboxRecovery | None]:
        if absent is not None and not self.path.exists():
            return absent, None  # a read of an outbox that was never written to
        import sqlite3

        recovery = None
        try:
            try:
                return self._execute(sql, params), None
            except sqlite3.Error as exc:
                if not _damaged(exc):
                    raise
                recovery = self._recover()
            return self._execute(sql, params), recovery
        except (sqlite3.Error, OSError) as exc:
            log.warning("the outbox %s cannot be used: %s", self.path, exc)
            raise OutboxUnavailable(
                f"the local outbox cannot be used ({type(exc).__name__}): check {self.path.parent}"
            ) from None

    async def _run(
        self,
        sql: str,
        params: tuple[Any, ...] = (),
        *,
        absent: list[tuple[Any, ...]] | None = None,
    ) -> list[tuple[Any, ...]]:
        """`sql` on the outbox file; a read passes `absent`, its answer when there is no file
        (then no file is made, and SQLite is not loaded)."""
        async with self._lock:
            rows, recovery = await asyncio.to_thread(self._work, sql, params, absent)
        if recovery is not None and self.on_recovered is not None:
            self.on_recovered(recovery)
        return rows

    def _recover(self) -> OutboxRecovery:
        """Move the damaged file aside, start a fresh one, copy over what can be read."""
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        broken = self.path.with_name(f"{self.path.name}.broken-{stamp}")
        self.path.rename(broken)
        for suffix in ("-wal", "-shm"):
            side = self.path.with_name(self.path.name + suffix)
            if side.exists():
                side.rename(broken.with_name(broken.name + suffix))
        rows = _readable_rows(broken)
        self._ready = False
        conn = self._connect()
        try:
            conn.executemany(
                f"insert or ignore into outbox ({_COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?)", rows
            )
        finally:
            conn.close()
        log.warning(
            "the outbox was damaged: moved to %s, %d entries recovered", broken.name, len(rows)
        )
        return OutboxRecovery(broken, len(rows))

    async def put(self, entry: OutboxEntry) -> None:
        await self._run(
            "insert or ignore into outbox (idempotency_key, tenant_id, created_by, command_type, "
            "payload, queued_at) values (?, ?, ?, ?, ?, ?)",
            (
                entry.idempotency_key,
                entry.tenant_id,
                entry.created_by,
                entry.command_type,
                json.dumps(entry.payload, ensure_ascii=False),
                entry.queued_at.astimezone(UTC).isoformat(),
            ),
        )

    async def remove(self, idempotency_key: str) -> None:
        await self._run("delete from outbox where idempotency_key = ?", (idempotency_key,))

    async def record_failure(self, idempotency_key: str, error: str) -> None:
        await self._run(
            "update outbox set attempts = attempts + 1, last_error = ? where idempotency_key = ?",
            (error[:500], idempotency_key),
        )

    async def pending(self, *, tenant_id: str, created_by: str) -> list[OutboxEntry]:
        """One user's waiting commands, oldest first: only their author may send them."""
        rows = await self._run(
            "select idempotency_key, tenant_id, created_by, command_type, payload, queued_at, "
            "attempts, last_error from outbox where tenant_id = ? and created_by = ? "
            "order by queued_at, rowid",
            (tenant_id, created_by),
            absent=[],
        )
        return [
            OutboxEntry(
                idempotency_key=row[0],
                tenant_id=row[1],
                created_by=row[2],
                command_type=row[3],
                # An entry queued by an older dashboard (`text`) is sent in today's words.
                payload=upgrade_payload(row[3], json.loads(row[4])),
                queued_at=datetime.fromisoformat(row[5]),
                attempts=row[6],
                last_error=row[7],
            )
            for row in rows
        ]

    async def count(self, *, tenant_id: str, created_by: str) -> int:
        rows = await self._run(
            "select count(*) from outbox where tenant_id = ? and created_by = ?",
            (tenant_id, created_by),
            absent=[(0,)],
        )
        return int(rows[0][0])


def _readable_rows(path: Path) -> list[tuple[Any, ...]]:
    """Every well-formed entry that can still be read from a damaged outbox file.

    SQLite first (it also reads what waits in the -wal file), as far as it gets; then every
    page of the file itself (outbox_salvage), which reads past a damaged or missing page. A
    row whose payload is no JSON object, or that lacks a field, is left out."""
    import sqlite3

    found: dict[str, tuple[Any, ...]] = {}
    try:
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            for row in conn.execute(f"select {_COLUMNS} from outbox order by rowid"):
                if _well_formed(row):
                    found.setdefault(row[0], tuple(row))
        finally:
            conn.close()
    except sqlite3.Error:
        pass  # as far as SQLite could read; the pages below hold the rest
    try:
        data = path.read_bytes()
    except OSError:
        data = b""
    for record in salvage_rows(data):
        if _well_formed(record):
            found.setdefault(record[0], tuple(record))
    return sorted(found.values(), key=lambda row: str(row[5]))


def _well_formed(row: Sequence[Any]) -> bool:
    try:
        payload = json.loads(row[4])
        datetime.fromisoformat(row[5])
    except (TypeError, ValueError):
        return False
    return (
        isinstance(payload, dict)
        and all(isinstance(value, str) and value for value in row[:4])
        and isinstance(row[6], int)
    )
