"""A main-screen pane's content: its tab, built on the pane's first show.

Most sessions never open most tabs. A tab's module with its widgets' modules (about 2 MB) and
the widgets themselves (about 1 MB more) used to be loaded and built at login for all four; a
slot holds the place instead. Until its tab exists, the slot keeps what the tab is owed: the
batches of its live feed, replayed in order on the tab's mount. Whoever needs the tab itself
awaits `ready`: the main screen does so in its own handlers, so its queue stays busy meanwhile
and keys typed at once wait for the landing focus (tui/keyboard.py).
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Callable
from typing import Any

from textual.app import ComposeResult
from textual.containers import Container

from tabs.tab_view import TabView


class TabSlot(Container):
    DEFAULT_CSS = "TabSlot { height: 1fr; }"

    def __init__(
        self,
        module: str | None,
        make: Callable[[], TabView],
        *,
        id: str,
        owed_batches: bool = True,
    ) -> None:
        """`make` builds the tab; `module` (a module `make` imports) is loaded in a thread on
        the first show, or None for a tab built with the screen (the wishlist).
        `owed_batches=False`: a tab that reads its own state when built, so the batches before
        that are dropped, not held all day for a tab that may never be opened."""
        super().__init__(id=id)
        self._owed_batches = owed_batches
        self._tab_module = module
        self._make_tab = make
        self.tab_view: TabView | None = make() if module is None else None
        self._tab_started = module is None
        self._tab_done = asyncio.Event()
        if module is None:
            self._tab_done.set()
        self._early_batches: list[Any] = []

    def compose(self) -> ComposeResult:
        if self.tab_view is not None:
            yield self.tab_view

    def build(self) -> None:
        """Start building the tab if that has not begun yet."""
        if not self._tab_started:
            self._tab_started = True
            self.call_next(self._build)

    async def _build(self) -> None:
        if self._tab_module is not None:
            # Its first import compiles and runs a dozen modules: not on the event loop.
            await asyncio.to_thread(importlib.import_module, self._tab_module)
        tab = self._make_tab()
        await self.mount(tab)
        self.tab_view = tab
        early, self._early_batches = self._early_batches, []
        for batch in early:
            tab.apply_batch(batch)
        self._tab_done.set()

    async def ready(self) -> TabView:
        """The tab, mounted (built now if it was not yet)."""
        self.build()
        await self._tab_done.wait()
        assert self.tab_view is not None
        return self.tab_view

    # -- what the main screen passes on ----------------------------------------------------------
    def apply_batch(self, batch: Any) -> None:
        if self.tab_view is None:
            if self._owed_batches:
                self._early_batches.append(batch)
        else:
            self.tab_view.apply_batch(batch)

    def shown(self) -> None:
        """The pane is being switched in: the tab draws what it left undrawn, or is built."""
        self.build()
        if self.tab_view is not None:
            self.tab_view.shown()

    def refresh_permissions(self) -> None:
        # A tab built later reads the permissions as it mounts.
        if self.tab_view is not None:
            self.tab_view.refresh_permissions()

    def needs_staff_changed(self) -> None:
        if self.tab_view is not None:
            self.tab_view.needs_staff_changed()
