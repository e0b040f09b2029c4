"""What every tab of the main screen offers the main screen."""

from __future__ import annotations

import asyncio
from typing import Any

from textual.app import ComposeResult
from textual.compose import compose
from textual.containers import Container
from textual.widget import Widget

from core.actions import key_for
from core.context import AppContext, context_of
from core.worker_failure import ReportsWorkerFailures


class TabView(ReportsWorkerFailures, Container):
    """A tab's content. `SCOPE` names its actions in core/actions.py (its BINDINGS).

    A tab with `DEFERRED` builds its widgets (`content`) on its first show, not at login: most
    sessions never open most tabs, and a tab's widgets cost Textual about a megabyte. Until
    then the tab itself exists (its bindings, its place in the palette, its feed's batches),
    and whoever needs its widgets awaits `ready`.
    """

    SCOPE = ""
    DEFERRED = False

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._tab_built = not self.DEFERRED
        self._tab_ready = not self.DEFERRED
        self._tab_done: asyncio.Event | None = None

    def compose(self) -> ComposeResult:
        if not self.DEFERRED:
            yield from self.content()

    def content(self) -> ComposeResult:
        """The tab's widgets."""
        yield from ()

    @property
    def is_ready(self) -> bool:
        """Whether the tab's widgets exist and are mounted."""
        return self._tab_ready

    def build(self) -> None:
        """Mount the tab's widgets if that has not begun yet."""
        if self._tab_built:
            return
        self._tab_built = True
        done = self._tab_done = asyncio.Event()
        mounting = self.mount_all(compose(self, self.content()))

        async def mounted() -> None:
            await mounting
            self._tab_ready = True
            self.content_ready()
            done.set()

        self.call_next(mounted)

    async def ready(self) -> None:
        """Until the tab's widgets are mounted (built now if they were not yet).

        The main screen awaits this in its own handlers, so that its queue stays busy
        meanwhile: keys typed at once after a navigation wait for the landing focus
        (tui/keyboard.py) instead of going to the tab that is being left."""
        self.build()
        if self._tab_done is not None:
            await self._tab_done.wait()

    def content_ready(self) -> None:
        """A deferred tab's widgets have just been mounted: catch them up."""

    @property
    def ctx(self) -> AppContext:
        return context_of(self.app)

    def key(self, action_id: str) -> str:
        """The key that runs `action_id` now (the user's keymap applied), for texts naming it."""
        return key_for(action_id, self.ctx.settings.keymap)

    def apply_batch(self, batch: Any) -> None:
        """A batch of this tab's live feed (wishlist, sessions, commands); analytics has none."""

    def shown(self) -> None:
        """The tab's pane is being switched in: draw what was left undrawn while hidden."""

    def on_view(self) -> bool:
        """Whether the tab is displayed (its pane is the current one), so worth drawing."""
        return all(node.display for node in self.ancestors_with_self if isinstance(node, Widget))

    def refresh_permissions(self) -> None:
        """The role or read-only state changed: show or hide what changes things."""
        self.refresh_bindings()

    def focus_main(self) -> None:
        """Focus the widget a user starts from in this tab."""
        self.focus()
