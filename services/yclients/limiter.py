"""The process-wide YClients request limiter.

YClients counts requests per egress IP (5 per second and 200 per minute), so every tenant's
client must draw from the same budget. The limiter is a sliding log of reserved start times:
a caller reserves the earliest instant that keeps both windows within bounds, then sleeps
until it. Bookkeeping happens under a threading lock and never awaits, so one instance is
safe across event loops and threads (the CLI and tests run loops in worker threads).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Window:
    requests: int
    seconds: float


YCLIENTS_WINDOWS: tuple[Window, ...] = (Window(5, 1.0), Window(200, 60.0))

# The server measures arrival times, which wobble by network jitter relative to our reserved
# send times; a small guard keeps a perfectly packed schedule from tripping the server's log.
DEFAULT_GUARD_SECONDS = 0.1


class Limiter(Protocol):
    """What a YClients client needs of a limiter: this process's, or the host's (host_limiter)."""

    async def acquire(self) -> None: ...

    def defer(self, seconds: float) -> None: ...


class RateLimiter:
    def __init__(
        self,
        windows: tuple[Window, ...] = YCLIENTS_WINDOWS,
        *,
        guard_seconds: float = DEFAULT_GUARD_SECONDS,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if not windows:
            raise ValueError("a limiter needs at least one window")
        self._windows = tuple(sorted(windows, key=lambda w: w.seconds))
        self._guard = guard_seconds
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        depth = max(w.requests for w in self._windows)
        self._log: deque[float] = deque(maxlen=depth)
        self._blocked_until = float("-inf")
        self.granted = 0

    def reserve(self) -> float:
        """Reserve the next slot and return how long the caller must wait before sending."""
        with self._lock:
            now = self._clock()
            at = max(now, self._blocked_until)
            if self._log:
                at = max(at, self._log[-1])
            for window in self._windows:
                if len(self._log) >= window.requests:
                    at = max(at, self._log[-window.requests] + window.seconds + self._guard)
            self._log.append(at)
            self.granted += 1
            return at - now

    async def acquire(self) -> None:
        delay = self.reserve()
        if delay > 0:
            await self._sleep(delay)

    def defer(self, seconds: float) -> None:
        """Hold every caller back: the server said the shared budget is spent (429)."""
        with self._lock:
            self._blocked_until = max(self._blocked_until, self._clock() + seconds)


def ideal_schedule(n: int, windows: tuple[Window, ...] = YCLIENTS_WINDOWS) -> list[float]:
    """Earliest start times of n requests under the windows, first at 0 (the bound itself)."""
    log: list[float] = []
    for _ in range(n):
        at = log[-1] if log else 0.0
        for w in windows:
            if len(log) >= w.requests:
                at = max(at, log[-w.requests] + w.seconds)
        log.append(at)
    return log


_shared: RateLimiter | None = None
_shared_lock = threading.Lock()


def shared_limiter() -> RateLimiter:
    """The one limiter every YClients client in this process uses unless given another."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = RateLimiter()
        return _shared
