"""One sync per company at a time on a host; the others wait and read what it wrote.

Ten staff opening Analytics together would otherwise run ten syncs of the same company
against one shared request budget. The lock is an `flock` on a file beside the company's
cache: the kernel drops it when its holder dies, so a killed process never leaves it held.
Waiting polls a non-blocking `flock` instead of blocking in a thread: a blocked thread could
not be cancelled, and would take the lock after its task had gone and keep it forever.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

POLL_SECONDS = 0.05


@dataclass(slots=True)
class SyncTurn:
    """`waited`: another process held the lock when this one asked (its sync just ran)."""

    waited: bool


@asynccontextmanager
async def company_sync_lock(
    cache_file: Path, *, waiting: Callable[[], None] | None = None
) -> AsyncIterator[SyncTurn]:
    """`waiting` is called once if another process holds the lock (the UI can say so)."""
    path = cache_file.with_name(cache_file.name + ".sync-lock")
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        waited = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not waited and waiting is not None:
                    waiting()
                waited = True
                await asyncio.sleep(POLL_SECONDS)
        try:
            yield SyncTurn(waited=waited)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
