"""The login screen: email (focused first), password, Enter submits, errors in plain words."""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Center, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input, Static

from core.actions import bindings
from core.context import DemoLogin
from core.i18n import t
from widgets.footer import LocalizedFooter
from widgets.literal import literal
from widgets.text_field import TextField

MAX_EMAIL = 320
MAX_PASSWORD = 1024
LOGIN_BOX_WIDTH = 64  # as in the CSS below
LOGIN_BOX_FRAME = 6  # its border and padding, both sides


class LoginScreen(Screen[None]):
    DEFAULT_CSS = """
    LoginScreen { align: center middle; }
    #login-box { width: 64; max-width: 100%; height: auto; border: round $primary; padding: 1 2; }
    #login-title { text-style: bold; margin-bottom: 1; }
    #login-box Input { margin-bottom: 1; }
    #login-status { height: auto; min-height: 1; }
    #login-status.-error { color: $error; }
    #login-demo { margin-top: 1; color: $text-muted; height: auto; }
    /* The demo's six logins take the room of the box's top and bottom padding at 24 rows. */
    #login-box.-demo { padding: 0 2; }
    """
    BINDINGS = bindings("login")

    @dataclass
    class Submitted(Message):
        email: str
        password: str

    class RetryRequested(Message):
        pass

    def __init__(self, demo_logins: list[DemoLogin] | None = None) -> None:
        super().__init__()
        self.demo_logins = demo_logins or []
        self.busy = False

    def compose(self) -> ComposeResult:
        box = Vertical(id="login-box", classes="-demo" if self.demo_logins else "")
        if self.demo_logins:
            # The box widens for the demo list, so no line of it wraps (the real demo's
            # «operator@barkhat.demo … только просмотр» is 60 cells; 66 wide, the box fits 80).
            widest = max(cell_len(line) for line in [t("login.demo"), *self._demo_lines()])
            box.styles.width = max(LOGIN_BOX_WIDTH, widest + LOGIN_BOX_FRAME)
        with Center(), box:
            yield Static(t("login.title"), id="login-title", markup=False)
            yield TextField(placeholder=t("login.email"), id="email", max_length=MAX_EMAIL + 1)
            yield TextField(
                placeholder=t("login.password"),
                id="password",
                password=True,
                max_length=MAX_PASSWORD,
            )
            yield Static(t("login.submit"), id="login-status", markup=False)
            if self.demo_logins:
                yield Static(self._demo_text(), id="login-demo", markup=False)
        yield LocalizedFooter()

    def _demo_lines(self) -> list[str]:
        # Columns as wide as their longest value.
        email = max(len(login.email) for login in self.demo_logins)
        password = max(len(login.password) for login in self.demo_logins)
        return [
            f"  {login.email:<{email}}  {login.password:<{password}}  {t(f'role.{login.role}')}"
            for login in self.demo_logins
        ]

    def _demo_text(self) -> Text:
        return Text("\n").join([Text(t("login.demo")), *map(literal, self._demo_lines())])

    def on_mount(self) -> None:
        self.query_one("#email", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.busy:
            return
        email = self.query_one("#email", Input).value
        password = self.query_one("#password", Input).value
        if not email.strip():
            self.show_error(t("login.email_missing"))
            self.query_one("#email", Input).focus()
            return
        if len(email.strip()) > MAX_EMAIL:
            self.show_error(t("login.email_too_long"))
            return
        if not password:
            self.show_error(t("login.password_missing"))
            self.query_one("#password", Input).focus()
            return
        self.set_busy(True, t("login.checking"))
        self.post_message(self.Submitted(email, password))

    def action_retry(self) -> None:
        self.post_message(self.RetryRequested())

    def set_busy(self, busy: bool, text: str | None = None) -> None:
        self.busy = busy
        for field in self.query(Input):
            field.disabled = busy
        if text is not None:
            self._status(text, error=False)

    def show_error(self, text: str) -> None:
        self.set_busy(False)
        self._status(text, error=True)
        password = self.query_one("#password", Input)
        password.value = ""
        if self.query_one("#email", Input).value.strip():
            password.focus()

    def reset(self) -> None:
        """Ready for the next login (after a logout): no password kept, the hint shown."""
        self.set_busy(False, t("login.submit"))
        self.query_one("#password", Input).value = ""
        self.query_one("#email", Input).focus()

    def forget_password(self) -> None:
        """Logged in: the main screen covers this one, which must not keep the password."""
        self.query_one("#password", Input).value = ""

    def show_info(self, text: str) -> None:
        self._status(text, error=False)

    def _status(self, text: str, *, error: bool) -> None:
        status = self.query_one("#login-status", Static)
        status.update(literal(text))
        status.set_class(error, "-error")
