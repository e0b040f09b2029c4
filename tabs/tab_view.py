"""What every tab of the main screen offers the main screen."""

from __future__ import annotations

from typing import Any

from textual.containers import Container
from textual.widget import Widget

from core.actions import key_for
from core.context import AppContext, context_of
from core.worker_failure import ReportsWorkerFailures


class TabView(ReportsWorkerFailures, Container):
    """A tab's content. `SCOPE` names its actions in core/actions.py (its BINDINGS)."""

    SCOPE = ""

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

    def needs_staff_changed(self) -> None:
        """The conversations waiting for a person changed (the Sessions tab lists them)."""

    def refresh_permissions(self) -> None:
        """The role or read-only state changed: show or hide what changes things."""
        self.refresh_bindings()

    def focus_main(self) -> None:
        """Focus the widget a user starts from in this tab."""
        self.focus()
