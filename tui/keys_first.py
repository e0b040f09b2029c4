"""A key's echo before the live feeds' rows: batches that come while someone types wait.

Under a live feed the loop handles a batch about 20 times a second: at 100 rows/s into a
wishlist of 2,000 rows, about 2 ms to apply and 3–5 ms to draw. A key that reached the app
during that work waited for it before its own handling and its frame, and those keys made the
slowest echoes in bench_keys (the wishlist filter: p99 18.7 ms under rows, 9.5 ms without).

So a batch that comes while keys are being typed (the last one less than TYPING_WINDOW ago)
waits here, and is applied once the next key has settled and its frame is drawn: in the gap a
person leaves between two keys, not in front of the next one. If no key comes, it is applied
TYPING_WINDOW after the last one; and however fast the keys come, no batch waits longer than
HOLD_LIMIT. Batches are applied in the order they came, all of them in one frame. A batch that
comes while nothing is typed, or nothing waits, is applied at once, as before.

No Textual here: the App hands in when a key is sent, how to wait for it to settle
(tui/keyboard.py) and how to apply the batches (tui/live_data.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

TYPING_WINDOW = 0.3  # seconds after a key during which a batch waits for the next one
HOLD_LIMIT = 1.0  # seconds a batch may wait at most, however fast the keys come
WRITE_GAP = 0.002  # seconds left to the writer thread after a key's frame

T = TypeVar("T")


class KeysFirst(Generic[T]):
    """Holds batches while keys come; see the module's text for when they go."""

    def __init__(
        self,
        apply: Callable[[list[T]], None],
        settled: Callable[[], Awaitable[None]],
        *,
        later: Callable[[list[T]], None] | None = None,
        window: float = TYPING_WINDOW,
        limit: float = HOLD_LIMIT,
    ) -> None:
        self._apply = apply
        # The held ones: handed back to the App's own loop (Textual's call_later), so that an
        # error in applying them is the App's, as one in a batch applied at once is.
        self._later = later or apply
        self._settled = settled
        self.window = window
        self.limit = limit
        self._held: list[T] = []
        self._last_key = -math.inf
        self._key_came: asyncio.Event | None = None
        self._releasing: asyncio.Task[None] | None = None

    @property
    def held(self) -> int:
        return len(self._held)

    def key_sent(self) -> None:
        """A key (or a paste) has just been sent on to the widgets."""
        self._last_key = asyncio.get_running_loop().time()
        if self._key_came is not None:
            self._key_came.set()

    def offer(self, item: T) -> None:
        """A batch from a feed: applied now, or held until the next key's frame."""
        loop = asyncio.get_running_loop()
        if not self._held and loop.time() - self._last_key >= self.window:
            self._apply([item])
            return
        self._held.append(item)
        if self._releasing is None:
            # Made here, before any key can come: a key sent from now on releases the hold.
            self._key_came = asyncio.Event()
            self._releasing = loop.create_task(self._release(self._key_came), name="keys-first")

    def close(self) -> None:
        """The session is over: what waited is for nobody, and its keys are no one's."""
        self._held = []
        self._last_key = -math.inf
        if self._releasing is not None:
            self._releasing.cancel()
            self._releasing = None
        self._key_came = None

    async def _release(self, key_came: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.limit
        try:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout_at(deadline):
                    await self._wait_for_key(key_came, loop)
        finally:
            if self._key_came is key_came:
                self._releasing = None
                self._key_came = None
                held, self._held = self._held, []
                if held:
                    self._later(held)

    async def _wait_for_key(self, key_came: asyncio.Event, loop: asyncio.AbstractEventLoop) -> None:
        # Until no key has come for `window`; a key that comes ends the wait once it settled.
        while (quiet_at := self._last_key + self.window) > loop.time():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout_at(quiet_at):
                    await key_came.wait()
            if key_came.is_set():
                await self._settled()
                # The frame is drawn, but its bytes are still with Textual's writer thread,
                # which needs the interpreter lock to write them: applying a batch at once
                # held the lock and the echo waited up to the lock's 5 ms switch interval.
                # An idle loop lets it go.
                await asyncio.sleep(WRITE_GAP)
                return
