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
- then nothing is pending along the focus: neither the widget it was sent to nor the one
  focused now, nor any of their ancestors up to the screen, has a message queued or in
  progress (a Submitted, a TabActivated, a Focus; a screen's repaint requests do not count,
  a live feed keeps sending those), and every message the App had queued by then (a request
  to change screens, a focus request) has been handled, with the same check after it.

A handler that never finishes (or a queue that never empties under load) cannot freeze the
keyboard: after HOLD_LIMIT the waiting key goes on regardless.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from textual import events, messages
from textual.app import App
from textual.dom import DOMNode
from textual.message_pump import MessagePump

log = logging.getLogger(__name__)

HOLD_LIMIT = 5.0  # seconds a key may wait for its predecessor to settle (a loaded host)
POLL = 0.001  # seconds between checks while a key waits

Sequenced = events.Key | events.Paste


# What a screen is sent whenever anything on it repaints: under a live feed its queue is
# rarely free of them, and none of them moves the focus.
_RENDERING = (messages.Update, messages.Layout, messages.UpdateScroll, messages.Prompt)


def _busy(pump: MessagePump) -> bool:
    """A message other than a repaint queued, or a message being handled (reads Textual's
    queue and asyncio's Event: no public way says whether a pump is inside a handler)."""
    queue: Any = getattr(pump, "_message_queue", None)
    if queue is None or pump._closing or pump._closed:
        # A screen that was closed (the conversation, left by `m`) handles nothing more.
        return False
    # Textual's own queue (textual/_queue.py): its messages are in `values`, and it keeps no
    # count of the ones taken but not yet handled.
    waiting = list(getattr(queue, "values", ()))
    if any(message is not None and not isinstance(message, _RENDERING) for message in waiting):
        return True
    # Between messages a pump waits on its queue's ready event; one that is not waiting
    # there is inside a handler that awaits something (the main screen while a tab it is
    # switching to is built), and what that handler does next may move the focus.
    ready: Any = getattr(queue, "ready_event", None)
    return bool(pump._running and ready is not None and not ready._waiters)


def _chain(node: DOMNode | None) -> list[MessagePump]:
    """The focused widget and its ancestors up to the screen: where a key and what it causes
    (Submitted, TabActivated, a focus request) travel."""
    pumps: list[MessagePump] = []
    while node is not None and not isinstance(node, App):
        pumps.append(node)
        node = node.parent
    return pumps


class _InFlight:
    def __init__(self, event: Sequenced, chain: list[MessagePump], now: float) -> None:
        self.event = event
        self.chain = chain
        self.sent_at = now
        self.returned = False  # came back to the App (bubbled) and was handled there


class KeySequencer:
    """Holds the App's keys while the previous key's effects are still on their way."""

    def __init__(
        self,
        app: App[Any],
        dispatch: Callable[[events.Event], Awaitable[None]],
    ) -> None:
        self._keyed_app = app
        self._dispatch = dispatch
        self._waiting: deque[Sequenced] = deque()
        self._in_flight: _InFlight | None = None
        self._drain_task: asyncio.Task[None] | None = None
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
        if self._drain_task is not None:
            self._drain_task.cancel()
            self._drain_task = None

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    async def settled(self) -> None:
        """Once the last key sent, and any waiting behind it, has settled and the frame after
        it is drawn (HOLD_LIMIT at most for each): what may come after a key's echo
        (tui/keys_first.py)."""
        while (flight := self._in_flight) is not None:
            await self._settle()
            if self._in_flight is flight and not self._waiting:
                return

    # -- inside --------------------------------------------------------------------------------
    async def _send(self, event: Sequenced) -> None:
        loop = asyncio.get_running_loop()
        self._in_flight = _InFlight(event, self._focus_chain(), loop.time())
        await self._dispatch(event)

    def _focus_chain(self) -> list[MessagePump]:
        screens = self._keyed_app.screen_stack
        if not screens:
            return []
        screen = screens[-1]
        return _chain(screen.focused or screen)

    def _key_done(self, flight: _InFlight) -> bool:
        event = flight.event
        return flight.returned or event._stop_propagation

    def _screens_idle(self, flight: _InFlight) -> bool:
        # The chain the key was sent along, and the one of the focus now (another screen's,
        # after a screen change).
        return not any(_busy(pump) for pump in (*flight.chain, *self._focus_chain()))

    def _settled_now(self) -> bool:
        # Checked when a key arrives: true unless the previous key is visibly still at work.
        flight = self._in_flight
        if flight is None:
            return True
        if asyncio.get_running_loop().time() - flight.sent_at > HOLD_LIMIT:
            return True
        # The App is handling this very key; anything queued behind it may be the previous
        # key's doing (a screen change), so only an empty queue proves there is nothing.
        app_queue: Any = getattr(self._keyed_app, "_message_queue", None)
        return (
            self._key_done(flight)
            and self._screens_idle(flight)
            and (app_queue is None or app_queue.empty())
        )

    def _start_waiting(self) -> None:
        if self._drain_task is None or self._drain_task.done():
            self._drain_task = asyncio.create_task(self._drain(), name="key-sequencer")

    async def _drain(self) -> None:
        while self._waiting:
            await self._settle()
            if not self._waiting:
                return
            # The App handles the replay in its own task, in its queue's order.
            self._replay_done.clear()
            self._keyed_app.call_later(self._replay_one)
            await self._replay_done.wait()

    async def _replay_one(self) -> None:
        try:
            if self._waiting:
                await self._send(self._waiting.popleft())
        finally:
            self._replay_done.set()

    async def _after_refresh(self, deadline: float) -> bool:
        """True if nothing is pending once the screen has refreshed as well.

        A navigation's last step can come after a refresh (a pane switched in is laid out
        before its field can take the focus): a key replayed before it went to the field that
        had the focus a frame earlier, lost (seen in CI: the first letter typed at once after
        `m` in a conversation). Keys that wait are a burst, so one frame more costs nothing a
        person sees; a key typed alone never waits here."""
        loop = asyncio.get_running_loop()
        refreshed = asyncio.Event()
        self._keyed_app.call_after_refresh(refreshed.set)
        try:
            await asyncio.wait_for(refreshed.wait(), max(0.0, deadline - loop.time()))
        except TimeoutError:
            return True  # the hold limit: the key goes on regardless
        # Not the App's queue: under a live feed it is rarely empty, and feeds move no focus.
        flight = self._in_flight
        return flight is None or self._screens_idle(flight)

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
                self._keyed_app.call_later(barrier.set)
                try:
                    await asyncio.wait_for(barrier.wait(), max(0.0, deadline - loop.time()))
                except TimeoutError:
                    break
                if self._screens_idle(flight) and await self._after_refresh(deadline):
                    return
            await asyncio.sleep(POLL)
        log.debug("key %r went on after %.1f s without settling", flight.event, HOLD_LIMIT)
