"""The commands tab (first version; the full tab replaces it)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from screens.tab_view import TabView
from tui.actions import bindings


class CommandsTab(TabView):
    SCOPE = "commands"
    BINDINGS = bindings("commands")

    def compose(self) -> ComposeResult:
        yield Static("", markup=False)

    def start_message(
        self, client_id: str, client_name: str | None, session_id: str | None
    ) -> None:
        self.focus_main()
