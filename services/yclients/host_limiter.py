"""The YClients request budget shared by every process on the host.

YClients counts requests per egress IP (5 per second and 200 per minute). Staff reach the
dashboard over SSH, one process each, all under the same service account and the same IP:
ten staff opening Analytics at nine o'clock share one budget. So the sliding log of reserved
start times lives in a SQLite file in the shared cache dir, and a reservation is one short
`BEGIN IMMEDIATE` transaction: SQLite's write lock serialises reservations across processes.

The clock is the wall clock (`time.time`): the only clock every process reads alike that also
survives a reboot; a reservation further ahead than any window allows (a clock set back) is
dropped instead of holding the budget hostage.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import threading
import time
from pathlib import Path

from services.yclients.limiter import (
    DEFAULT_GUARD_SECONDS,
    YCLIENTS_WINDOWS,
    Clock,
    Limiter,
    Sleep,
    Window,
    shared_limiter,
)

LIMITER_FILE = "yclients-limiter.sqlite3"
# A writer holds the lock for well under a millisecond; this only bounds a stuck peer.
BUSY_TIMEOUT_MS = 5_000
# Reservations queue ahead by seconds; one an hour ahead was made before the clock went back.
CLOCK_JUMP_SECONDS = 3600.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS reservations (at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS reservations_at ON reservations (at);
CREATE TABLE IF NOT EXISTS blocked (id INTEGER PRIMARY KEY CHECK (id = 1), until REAL NOT NULL);
"""


class HostRateLimiter:
    """RateLimiter's interface (`reserve`, `acquire`, `defer`, `granted`) over a shared file."""

    def __init__(
        self,
        path: Path,
        windows: tuple[Window, ...] = YCLIENTS_WINDOWS,
        *,
        guard_seconds: float = DEFAULT_GUARD_SECONDS,
        clock: Clock = time.time,
        sleep: Sleep = asyncio.sleep,
        local: Limiter | None = None,
    ) -> None:
        if not windows:
            raise ValueError("a limiter needs at least one window")
        self.path = path
        self._windows = tuple(sorted(windows, key=lambda w: w.seconds))
        self._depth = max(w.requests for w in self._windows)
        self._horizon = max(w.seconds for w in self._windows) + guard_seconds
        self._guard = guard_seconds
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        # This process's limiter first: one process may use caches in several dirs (several
        # host files), and YClients' count is still one per IP.
        self._local = local
        self.granted = 0

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            # Created 0600 before SQLite opens it: the file tells when staff used YClients.
            with contextlib.suppress(FileExistsError):
                os.close(os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
            conn = sqlite3.connect(
                self.path,
                timeout=BUSY_TIMEOUT_MS / 1000,
                isolation_level=None,
                check_same_thread=False,
            )
            conn.executescript(_SCHEMA)
            self._conn = conn
        return self._conn

    def reserve(self) -> float:
        """Reserve the next host-wide slot; how long the caller must wait before sending."""
        with self._lock:
            conn = self._connection()
            conn.execute("BEGIN IMMEDIATE")
            try:
                now = self._clock()
                conn.execute(
                    "DELETE FROM reservations WHERE at < ? OR at > ?",
                    (now - self._horizon, now + CLOCK_JUMP_SECONDS),
                )
                recent = [
                    at
                    for (at,) in conn.execute(
                        "SELECT at FROM reservations ORDER BY at DESC LIMIT ?", (self._depth,)
                    )
                ]
                recent.reverse()
                at = max(now, now + self._blocked(conn, now))
                if recent:
                    at = max(at, recent[-1])
                for window in self._windows:
                    if len(recent) >= window.requests:
                        at = max(at, recent[-window.requests] + window.seconds + self._guard)
                conn.execute("INSERT INTO reservations (at) VALUES (?)", (at,))
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            self.granted += 1
            return at - now

    @staticmethod
    def _blocked(conn: sqlite3.Connection, now: float) -> float:
        row = conn.execute("SELECT until FROM blocked WHERE id = 1").fetchone()
        wait = float(row[0]) - now if row else 0.0
        return wait if 0.0 < wait < CLOCK_JUMP_SECONDS else 0.0

    async def acquire(self) -> None:
        if self._local is not None:
            await self._local.acquire()
        # SQLite blocks (briefly, or up to the busy timeout behind a stuck peer): off the loop.
        delay = await asyncio.to_thread(self.reserve)
        if delay > 0:
            await self._sleep(delay)

    def defer(self, seconds: float) -> None:
        """Hold every process back: the server said the shared budget is spent (429)."""
        if self._local is not None:
            self._local.defer(seconds)
        with self._lock:
            conn = self._connection()
            until = self._clock() + seconds
            conn.execute(
                "INSERT INTO blocked (id, until) VALUES (1, ?) "
                "ON CONFLICT (id) DO UPDATE SET until = max(until, excluded.until)",
                (until,),
            )

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


_by_path: dict[Path, HostRateLimiter] = {}
_by_path_lock = threading.Lock()


def host_limiter(cache_dir: Path) -> HostRateLimiter:
    """The host-wide limiter whose file lives in `cache_dir` (one object per file per process)."""
    path = (cache_dir / LIMITER_FILE).resolve()
    with _by_path_lock:
        limiter = _by_path.get(path)
        if limiter is None:
            limiter = _by_path[path] = HostRateLimiter(path, local=shared_limiter())
        return limiter
