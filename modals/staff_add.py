"""A new staff member: email, name, role, and a password typed twice or left to be generated."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Select, Static

from core.actions import bindings
from core.i18n import t
from modals.change_password import MAX_PASSWORD_CHARS
from widgets.text_field import TextField

ROLES = ("viewer", "operator", "admin")


@dataclass(frozen=True)
class NewStaff:
    email: str
    name: str
    role: str
    password: str  # empty: generate one
    repeated: str


class StaffAddScreen(ModalScreen[NewStaff | None]):
    SCOPE = "form"
    BINDINGS = bindings("form")
    DEFAULT_CSS = """
    StaffAddScreen { align: center middle; }
    #add-box { width: 64; max-width: 100%; height: auto; border: round $primary; padding: 0 1; }
    #add-title { text-style: bold; margin-bottom: 1; }
    #add-box .label { color: $text-muted; }
    #add-error { color: $error; height: auto; }
    #add-hint { color: $text-muted; margin-top: 1; }
    """

    def __init__(self, error: str = "", draft: NewStaff | None = None) -> None:
        super().__init__()
        self.error = error
        self.draft = draft

    def compose(self) -> ComposeResult:
        draft = self.draft
        with Vertical(id="add-box"):
            yield Static(t("staff.add.title"), id="add-title", markup=False)
            yield Static(t("staff.add.email"), classes="label", markup=False)
            yield TextField(
                draft.email if draft else "", compact=True, id="add-email", max_length=320
            )
            yield Static(t("staff.add.name"), classes="label", markup=False)
            yield TextField(
                draft.name if draft else "", compact=True, id="add-name", max_length=200
            )
            yield Static(t("staff.add.role"), classes="label", markup=False)
            yield Select(
                [(t(f"role.{role}"), role) for role in ROLES],
                value=draft.role if draft else "operator",
                allow_blank=False,
                compact=True,
                id="add-role",
            )
            yield Static(t("staff.add.password"), classes="label", markup=False)
            yield TextField(
                password=True, compact=True, id="add-password", max_length=MAX_PASSWORD_CHARS
            )
            yield Static(t("staff.add.repeat"), classes="label", markup=False)
            yield TextField(
                password=True, compact=True, id="add-repeat", max_length=MAX_PASSWORD_CHARS
            )
            yield Static(self.error, id="add-error", markup=False)
            yield Static(t("password.hint"), id="add-hint", markup=False)

    def on_mount(self) -> None:
        self.query_one("#add-email").focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "add-repeat":
            self.action_save()
        else:
            self.focus_next()

    def action_save(self) -> None:
        role = self.query_one("#add-role", Select).value
        self.dismiss(
            NewStaff(
                email=self.query_one("#add-email", TextField).value,
                name=self.query_one("#add-name", TextField).value,
                role=role if isinstance(role, str) else "operator",
                password=self.query_one("#add-password", TextField).value,
                repeated=self.query_one("#add-repeat", TextField).value,
            )
        )

    def action_cancel(self) -> None:
        self.dismiss(None)
