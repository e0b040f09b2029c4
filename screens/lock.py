"""The idle lock: hides everything behind an opaque screen until the password is given again."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from core.actions import bindings, key_for
from core.context import context_of
from core.i18n import t
from widgets.literal import literal
from widgets.text_field import TextField


class LockScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    LockScreen { align: center middle; background: $background; }
    #lock-box { width: 60; max-width: 100%; height: auto; border: heavy $warning; padding: 1 2; }
    #lock-title { text-style: bold; }
    #lock-status.-error { color: $error; }
    """
    # Only logout and quit work here: the data behind the lock stays out of reach.
    BINDINGS = [b for b in bindings("main") if isinstance(b, Binding) and b.id == "session.logout"]

    def _logout_hint(self) -> str:
        keymap = context_of(self.app).settings.keymap
        return t("lock.logout_hint", key=key_for("session.logout", keymap))

    @dataclass
    class UnlockRequested(Message):
        password: str

    def __init__(self, email: str) -> None:
        super().__init__()
        self.email = email
        self.failures = 0

    def compose(self) -> ComposeResult:
        with Vertical(id="lock-box"):
            yield Static(t("lock.title"), id="lock-title", markup=False)
            yield Static(literal(t("lock.body", email=self.email)), markup=False)
            yield TextField(placeholder=t("lock.password"), password=True, id="lock-password")
            yield Static(self._logout_hint(), id="lock-status", markup=False)

    def on_mount(self) -> None:
        # A lock pushed while the app is shutting down is mounted without its children.
        fields = self.query(Input)
        if fields:
            fields.first().focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if not event.value:
            return
        field = self.query_one(Input)
        field.disabled = True
        self.query_one("#lock-status", Static).update(t("lock.checking"))
        self.post_message(self.UnlockRequested(event.value))
        field.value = ""

    def show_wrong(self) -> None:
        self.failures += 1
        field = self.query_one(Input)
        field.disabled = False
        field.focus()
        status = self.query_one("#lock-status", Static)
        status.update(t("lock.wrong"))
        status.add_class("-error")
