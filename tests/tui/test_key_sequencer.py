"""KeySequencer (tui/keyboard.py) holds a key while a handler along the focus awaits: the
key that started a navigation has returned, but the focus moves only when that handler goes
on (the main screen awaits the Commands tab being built before it lands on the composer).
Seen in CI: under load the first letter typed at once after `m` went to the wishlist."""

from __future__ import annotations

import asyncio
from typing import Any

from textual import events, on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input

from tui.keyboard import KeySequencer


class Go(Message):
    pass


class Panel(Vertical):
    BINDINGS = [Binding("ctrl+g", "go", "Go")]

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()

    def compose(self) -> ComposeResult:
        yield Input(id="first")
        yield Input(id="second")

    def action_go(self) -> None:
        self.post_message(Go())

    @on(Go)
    async def _go(self) -> None:
        await self.gate.wait()  # as a tab being built in a thread
        self.query_one("#second", Input).focus()


class Sequenced(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.keys = KeySequencer(self, lambda event: App.on_event(self, event))

    def compose(self) -> ComposeResult:
        yield Panel()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            await self.keys.feed(event)
            return
        await super().on_event(event)
        if isinstance(event, events.Key):
            self.keys.returned(event)


async def test_a_key_waits_while_a_handler_along_the_focus_awaits() -> None:
    app = Sequenced()
    async with app.run_test() as pilot:
        panel = app.query_one(Panel)
        first, second = app.query_one("#first", Input), app.query_one("#second", Input)
        first.focus()
        await pilot.pause()
        # As the driver posts them from one read: the navigating key, then a letter.
        app.post_message(events.Key("ctrl+g", None))
        app.post_message(events.Key("z", "z"))
        try:
            await until(lambda: app.keys.waiting == 1 or bool(first.value), app)
            for _ in range(5):  # frames in which a key that settled would have gone on
                await frame(app)
            assert first.value == "" and second.value == ""  # held, not in the old field
            assert app.keys.waiting == 1
        finally:
            panel.gate.set()
        await until(lambda: second.value == "z", app)
        assert first.value == ""


async def frame(app: App[Any]) -> None:
    # Not pilot.pause(): it waits for every pump to be idle, and the panel is not.
    drawn = asyncio.Event()
    app.screen.refresh()
    app.call_after_refresh(drawn.set)
    await drawn.wait()


async def until(check: Any, app: App[Any], limit: float = 5.0) -> None:
    async with asyncio.timeout(limit):
        while not check():
            await frame(app)
