"""Keys in the order they were typed, across focus changes.

Over SSH (and from a password manager's auto-type) several keys reach the app in one read:
`email`, Tab, `password`, Enter. Textual's driver posts them to the App as separate Key events,
and the App forwards each one to the widget focused *at that moment* by posting it to that
widget's queue. A Tab is a binding: it is acted on only after it has travelled through the
focused widget and its ancestors and back to the App, so the keys after it have already been
posted to the old field. An Enter that submits a form, or a key that opens a screen, moves the
focus even later (through the messages its handler posts).

`KeySequencer` keeps the order: the App hands it every key (and paste) it would forward. A key
goes through at once when the previous one has settled, as it always has for a person typing
at human speed; otherwise it waits, and the waiting keys are replayed one by one as each
predecessor settles. A key has settled when

- the key itself is done: stopped by a handler, or back at the App and handled there;
- then nothing is pending on the screens involved: no widget of the screen it was sent to, nor
  of the screen now on top, has a message queued or in progress (a Submitted, a TabActivated, a
  Focus), and every message the App had queued by then (a request to change screens, say) has
  been handled, with the same check after it.

A handler that never finishes (or a queue that never empties under load) cannot freeze the
keyboard: after HOLD_LIMIT the waiting key goes on regardless.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any

from textual import events
from textual.message_pump import MessagePump

if TYPE_CHECKING:
    from textual.app import App
    from textual.screen import Screen

log = logging.getLogger(__name__)

HOLD_LIMIT = 2.0  # seconds a key may wait for its predecessor to settle
POLL = 0.001  # seconds between checks while a key waits

Sequenced = events.Key | events.Paste


def _busy(pump: MessagePump) -> bool:
    # asyncio.Queue counts a message as unfinished from put until task_done, which Textual
    # calls once the message (and the callbacks it scheduled with call_next) is handled.
    queue: Any = getattr(pump, "_message_queue", None)
    return bool(queue is not None and getattr(queue, "_unfinished_tasks", 0))


def _screen_busy(screen: Screen[Any] | None) -> bool:
    if screen is None or not screen.is_attached:
        return False
    if _busy(screen):
        return True
    return any(_busy(node) for node in screen.walk_children(with_self=False))


class _InFlight:
    def __init__(self, event: Sequenced, screen: Screen[Any] | None, now: float) -> None:
        self.event = event
        self.screen = screen
        self.sent_at = now
        self.returned = False  # came back to the App (bubbled) and was handled there


class KeySequencer:
    """Holds the App's keys while the previous key's effects are still on their way."""

    def __init__(
        self,
        app: App[Any],
        dispatch: Callable[[events.Event], Awaitable[None]],
    ) -> None:
        self._app = app
        self._dispatch = dispatch
        self._waiting: deque[Sequenced] = deque()
        self._in_flight: _InFlight | None = None
        self._task: asyncio.Task[None] | None = None
        self._replay_done = asyncio.Event()

    # -- what the App calls -----------------------------------------------------------------
    async def feed(self, event: Sequenced) -> None:
        """A key (or paste) from the terminal, not yet forwarded to any widget."""
        if self._waiting or not self._settled_now():
            self._waiting.append(event)
            self._start_waiting()
            return
        await self._send(event)

    def returned(self, event: events.Event) -> None:
        """The App has handled a key that bubbled back to it."""
        if self._in_flight is not None and event is self._in_flight.event:
            self._in_flight.returned = True

    def close(self) -> None:
        self._waiting.clear()
        if self._task is not None:
            self._task.cancel()
            self._task = None

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    # -- inside --------------------------------------------------------------------------------
    async def _send(self, event: Sequenced) -> None:
        loop = asyncio.get_running_loop()
        self._in_flight = _InFlight(event, self._current_screen(), loop.time())
        await self._dispatch(event)

    def _current_screen(self) -> Screen[Any] | None:
        stack: Iterable[Screen[Any]] = self._app.screen_stack
        screens = list(stack)
        return screens[-1] if screens else None

    def _key_done(self, flight: _InFlight) -> bool:
        event = flight.event
        return flight.returned or event._stop_propagation

    def _screens_idle(self, flight: _InFlight) -> bool:
        current = self._current_screen()
        if _screen_busy(current):
            return False
        return flight.screen is current or not _screen_busy(flight.screen)

    def _settled_now(self) -> bool:
        # Checked when a key arrives: true unless the previous key is visibly still at work.
        flight = self._in_flight
        if flight is None:
            return True
        if asyncio.get_running_loop().time() - flight.sent_at > HOLD_LIMIT:
            return True
        # The App is handling this very key; anything queued behind it may be the previous
        # key's doing (a screen change), so only an empty queue proves there is nothing.
        app_queue: Any = getattr(self._app, "_message_queue", None)
        return (
            self._key_done(flight)
            and self._screens_idle(flight)
            and (app_queue is None or app_queue.empty())
        )

    def _start_waiting(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._drain(), name="key-sequencer")

    async def _drain(self) -> None:
        while self._waiting:
            await self._settle()
            if not self._waiting:
                return
            # The App handles the replay in its own task, in its queue's order.
            self._replay_done.clear()
            self._app.call_later(self._replay_one)
            await self._replay_done.wait()

    async def _replay_one(self) -> None:
        try:
            if self._waiting:
                await self._send(self._waiting.popleft())
        finally:
            self._replay_done.set()

    async def _settle(self) -> None:
        flight = self._in_flight
        if flight is None:
            return
        loop = asyncio.get_running_loop()
        deadline = flight.sent_at + HOLD_LIMIT
        while loop.time() < deadline:
            if self._key_done(flight) and self._screens_idle(flight):
                # What the key's handlers asked of the App (a screen change) is in its queue:
                # let the App reach this point in its queue, then check the screens again.
                barrier = asyncio.Event()
                self._app.call_later(barrier.set)
                try:
                    await asyncio.wait_for(barrier.wait(), max(0.0, deadline - loop.time()))
                except TimeoutError:
                    break
                if self._screens_idle(flight):
                    return
            await asyncio.sleep(POLL)
        log.debug("key %r went on after %.1f s without settling", flight.event, HOLD_LIMIT)
