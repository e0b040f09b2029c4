"""The sessions tab (first version; the full tab replaces it)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from screens.tab_view import TabView
from tui.actions import bindings


class SessionsTab(TabView):
    SCOPE = "sessions"
    BINDINGS = bindings("sessions")

    def compose(self) -> ComposeResult:
        yield Static("", markup=False)
