"""`ObservedApp`: the dashboard App plus what tests and benchmarks need to wait on its state.

`await app.wait_for(predicate)` re-checks the predicate after every message the App handles,
every message any widget receives (Pilot's `message_hook`), and every frame, so a test waits for
exactly the state it needs and never sleeps. None of this is in the product code.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable
from contextlib import asynccontextmanager
from typing import Any

from rich.console import RenderableType
from textual.message import Message
from textual.pilot import Pilot
from textual.screen import Screen

from tui.app import AgentPApp


class ObservedApp(AgentPApp):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._changed = asyncio.Event()

    def on_mount(self) -> None:
        # Published after the App has handled each of its messages (a worker's result, a
        # login, a feed batch): the state a waiter reads is the handled one.
        self.message_signal.subscribe(self, self._mark, immediate=True)

    def _mark(self, _message: object = None) -> None:
        self._changed.set()

    @asynccontextmanager
    async def run_test(
        self,
        *,
        headless: bool = True,
        size: tuple[int, int] | None = (80, 24),
        tooltips: bool = False,
        notifications: bool = False,
        message_hook: Callable[[Message], None] | None = None,
    ) -> AsyncGenerator[Pilot[int], None]:
        def hook(message: Message) -> None:
            self._changed.set()
            if message_hook is not None:
                message_hook(message)

        async with super().run_test(
            headless=headless,
            size=size,
            tooltips=tooltips,
            notifications=notifications,
            message_hook=hook,
        ) as pilot:
            yield pilot

    def _display(self, screen: Screen[Any], renderable: RenderableType | None) -> None:
        # Textual has no public per-frame hook. Some changes reach the screen only frames after
        # the state change that caused them (the footer recomposes after a refresh when
        # bindings change): waiters that read the screen re-check after every frame.
        super()._display(screen, renderable)
        if renderable is not None:
            self._changed.set()

    async def wait_for(self, predicate: Callable[[], bool], limit: float = 15.0) -> None:
        """Until `predicate()` holds; a TimeoutError after `limit` seconds."""
        async with asyncio.timeout(limit):
            while True:
                self._changed.clear()
                if predicate():
                    return
                await self._changed.wait()
