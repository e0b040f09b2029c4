"""A generated password, shown once, with the note that its user should change it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from core.i18n import t
from widgets.command_form import fill_literal
from widgets.literal import literal


class PasswordShownScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    PasswordShownScreen { align: center middle; }
    #shown-box { width: 64; max-width: 100%; height: auto; border: round $warning; padding: 0 1; }
    #shown-title { text-style: bold; }
    #shown-password { text-style: bold; color: $warning; margin: 1 0; }
    #shown-close { color: $text-muted; margin-top: 1; }
    """
    BINDINGS = [Binding("enter,escape", "close", "staff.generated.close", show=False)]

    def __init__(self, email: str, password: str) -> None:
        super().__init__()
        self.email = email
        self.password = password

    def compose(self) -> ComposeResult:
        heading = fill_literal(
            t("staff.generated.title"), email=literal(self.email, single_line=True)
        )
        with Vertical(id="shown-box"):
            yield Static(heading, id="shown-title")
            yield Static(self.password, id="shown-password", markup=False)
            yield Static(t("staff.generated.note"), markup=False)
            yield Static(t("staff.generated.close"), id="shown-close", markup=False)

    def action_close(self) -> None:
        # The password leaves the screen's memory with it: nothing keeps a copy.
        self.password = ""
        self.dismiss(None)
