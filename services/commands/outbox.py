"""A durable local outbox for bot commands that could not reach the backend yet.

A command is written here *before* the network call, so a killed app or a dropped connection
loses nothing; it is removed once the backend has it. Re-sending is harmless because each entry
keeps the idempotency key it was born with, and the table is unique on (tenant_id, key).
SQLite in WAL mode with synchronous=FULL: an entry that `put()` returned for survives a crash.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from services.commands.registry import upgrade_payload

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


class Outbox:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = asyncio.Lock()
        self._ready = False

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        conn.execute("pragma journal_mode=wal")
        conn.execute("pragma synchronous=full")
        if not self._ready:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn.execute(_SCHEMA)
            self._ready = True
        return conn

    async def _run(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        def work() -> list[tuple[Any, ...]]:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = self._connect()
            try:
                return conn.execute(sql, params).fetchall()
            finally:
                conn.close()

        async with self._lock:
            return await asyncio.to_thread(work)

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
        )
        return int(rows[0][0])
