"""Pick a staff member's role from the three, the current one highlighted."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from core.actions import bindings
from core.i18n import t
from modals.staff_add import ROLES
from widgets.command_form import fill_literal
from widgets.literal import literal


class StaffRoleScreen(ModalScreen[str | None]):
    SCOPE = "form"
    BINDINGS = bindings("form")
    DEFAULT_CSS = """
    StaffRoleScreen { align: center middle; }
    #role-box { width: 50; max-width: 100%; height: auto; border: round $primary; padding: 0 1; }
    #role-title { text-style: bold; margin-bottom: 1; }
    #role-box OptionList { height: auto; }
    """

    def __init__(self, email: str, current: str) -> None:
        super().__init__()
        self.email = email
        self.current = current

    def compose(self) -> ComposeResult:
        heading = fill_literal(t("staff.role.title"), email=literal(self.email, single_line=True))
        with Vertical(id="role-box"):
            yield Static(heading, id="role-title")
            yield OptionList(*(Option(t(f"role.{role}"), id=role) for role in ROLES), id="roles")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = ROLES.index(self.current) if self.current in ROLES else 0
        options.focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_save(self) -> None:
        options = self.query_one(OptionList)
        index = options.highlighted
        self.dismiss(ROLES[index] if index is not None else None)

    def action_cancel(self) -> None:
        self.dismiss(None)
