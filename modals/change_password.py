"""The logged-in user's own password: current one, new one twice, the command line's rules.

The check and the write run in a worker (bcrypt is off the loop in the service); the result
comes back as a message. A refusal names its rule on the form and keeps what was typed; success
closes the form, and the user's other open sessions end through their account feeds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Static
from textual.worker import Worker

from core.actions import bindings
from core.context import context_of
from core.i18n import t
from core.worker_failure import ReportsWorkerFailures
from services.account import WrongCurrentPassword
from services.errors import ServiceError
from services.passwords import BCRYPT_MAX_BYTES, PasswordPolicyError
from widgets.text_field import TextField

# A password longer than this cannot be valid (72 bytes); the field stops a huge paste early.
MAX_PASSWORD_CHARS = BCRYPT_MAX_BYTES * 2


def password_error(exc: PasswordPolicyError) -> str:
    """The service's refusal in the user's language, by the rule it names."""
    if exc.code == "too_long":
        return t("password.error.too_long", size=exc.size)
    if exc.code in {"too_short", "nul", "email", "mismatch", "same"}:
        return t(f"password.error.{exc.code}")
    return t("password.error.other", reason=str(exc))


class ChangePasswordScreen(ReportsWorkerFailures, ModalScreen[bool]):
    SCOPE = "form"
    BINDINGS = bindings("form")
    DEFAULT_CSS = """
    ChangePasswordScreen { align: center middle; }
    #password-box {
        width: 64; max-width: 100%; height: auto; border: round $primary; padding: 0 1;
    }
    #password-title { text-style: bold; margin-bottom: 1; }
    #password-box .label { color: $text-muted; }
    #password-rules, #password-hint { color: $text-muted; margin-top: 1; }
    #password-error { color: $error; height: auto; }
    """

    @dataclass
    class Done(Message):
        error: str | None  # None: changed

    def __init__(self) -> None:
        super().__init__()
        self.busy = False
        self.error = ""

    def compose(self) -> ComposeResult:
        with Vertical(id="password-box"):
            yield Static(t("password.title"), id="password-title", markup=False)
            for name, label in (
                ("current", "password.current"),
                ("new", "password.new"),
                ("repeat", "password.repeat"),
            ):
                yield Static(t(label), classes="label", markup=False)
                yield TextField(
                    password=True,
                    compact=True,
                    id=f"password-{name}",
                    max_length=MAX_PASSWORD_CHARS,
                )
            yield Static("", id="password-error", markup=False)
            yield Static(t("password.rules"), id="password-rules", markup=False)
            yield Static(t("password.hint"), id="password-hint", markup=False)

    def on_mount(self) -> None:
        self.query_one("#password-current").focus()

    def value(self, name: str) -> str:
        return self.query_one(f"#password-{name}", TextField).value

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        # Enter moves on through the fields, and saves from the last one.
        if event.input.id == "password-repeat":
            self.action_save()
        else:
            self.focus_next()

    def action_save(self) -> None:
        if self.busy:
            return
        if not self.value("current"):
            self._show(t("password.error.empty"))
            return
        self.busy = True
        self._show("")
        self.query_one("#password-hint", Static).update(t("password.saving"))
        self._change(self.value("current"), self.value("new"), self.value("repeat"))

    def action_cancel(self) -> None:
        self.dismiss(False)

    @work(exclusive=True, group="own-password", exit_on_error=False)
    async def _change(self, current: str, new: str, repeated: str) -> None:
        services = context_of(self.app).require_services()
        try:
            await services.change_own_password(current, new, repeated)
        except WrongCurrentPassword:
            self.post_message(self.Done(t("password.error.wrong_current")))
        except PasswordPolicyError as exc:
            self.post_message(self.Done(password_error(exc)))
        except ServiceError as exc:
            self.post_message(self.Done(t("password.error.other", reason=str(exc))))
        else:
            self.post_message(self.Done(None))

    def worker_failed(self, worker: Worker[Any]) -> None:
        # tui/worker_failures.py: the form must leave "Saving…", or Ctrl+S would do nothing.
        if worker.group == "own-password":
            self.busy = False
            self.query_one("#password-hint", Static).update(t("password.hint"))
            self._show(t("worker.failed", what=t("worker.what.own")))

    def on_change_password_screen_done(self, message: Done) -> None:
        self.busy = False
        self.query_one("#password-hint", Static).update(t("password.hint"))
        if message.error is None:
            self.app.notify(t("password.done"), markup=False)
            self.dismiss(True)
        else:
            self._show(message.error)
            if message.error == t("password.error.wrong_current"):
                self.query_one("#password-current", TextField).value = ""
                self.query_one("#password-current").focus()

    def _show(self, error: str) -> None:
        self.error = error
        self.query_one("#password-error", Static).update(error)
