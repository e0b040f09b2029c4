"""The Agent P Dashboard application: the screens, the key bindings, and the two parts it composes.

- `LiveData` (tui/live_data.py): the backend connection and its retries, the feeds, the outbox.
- `SessionLifecycle` (tui/session_lifecycle.py): login, idle lock, forced sign-out, logout.

Workers and feed callbacks never touch widgets: they post messages (core/messages.py), and the
handlers here pass each one to the part that owns it, on the UI loop.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import platformdirs
from textual import events, on
from textual.app import App, SystemCommand
from textual.driver import Driver
from textual.drivers.linux_driver import LinuxDriver
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from core.actions import ACTIONS, bindings, write_actions
from core.context import AppContext, DemoLogin
from core.i18n import detect_language, set_language
from core.messages import (
    AccountChanged,
    BackendFailed,
    BackendReady,
    BotHealthChanged,
    CommandsFailed,
    ComposeMessageRequest,
    FeedChanged,
    FeedStatusChanged,
    HandoffsAlerted,
    LoginRefused,
    LoginSucceeded,
    NeedsStaffChanged,
    OutboxChanged,
    UnlockChecked,
)
from core.settings import APP_NAME, Settings
from core.worker_failure import WorkerFailed
from screens.lock import LockScreen
from screens.login import LoginScreen
from tui import heap
from tui.hangup import HangUp, HangUpSafeDriver
from tui.keyboard import KeySequencer
from tui.live_data import LiveData
from tui.palette import DashboardCommands, open_palette, system_commands
from tui.session_lifecycle import SessionLifecycle
from tui.stack import main_screen
from tui.worker_failures import handle as handle_worker_failure

log = logging.getLogger(__name__)


class AgentPApp(App[int]):
    TITLE = "Agent P"
    BINDINGS = bindings("app")
    COMMANDS = App.COMMANDS | {DashboardCommands}
    ENABLE_COMMAND_PALETTE = True

    def __init__(
        self,
        settings: Settings,
        *,
        read_only: bool = False,
        clock: Callable[[], datetime] | None = None,
        demo_logins: Iterable[DemoLogin] = (),
        data_dir: Path | None = None,
    ) -> None:
        # Before super().__init__(), which builds the driver that reports a lost terminal here.
        self.hang_up = HangUp(self)
        super().__init__()
        self.ctx = AppContext(
            settings=settings,
            read_only=read_only,
            clock=clock or (lambda: datetime.now(UTC)),
            demo_logins=list(demo_logins),
            data_dir=data_dir or Path(platformdirs.user_data_dir(APP_NAME)),
        )
        set_language(detect_language(settings.language))
        # Over SSH every byte counts: no animations, no cursor blink.
        self.animation_level = "none"
        if settings.theme in self.available_themes:
            self.theme = settings.theme
        # Keys typed together go to the widgets in their order, across focus changes.
        self.keys = KeySequencer(self, lambda event: App.on_event(self, event))
        self.live = LiveData(self, self.ctx, self.keys.settled)
        self.lifecycle = SessionLifecycle(self, self.ctx, self.live)

    @property
    def locked(self) -> bool:
        return self.lifecycle.locked

    # -- start and end ------------------------------------------------------------------------
    def on_mount(self) -> None:
        # A dropped SSH connection hangs up the terminal: leave at once, closing the feeds'
        # sockets and the backend's connections on the way out, within 2 s (tui/hangup.py).
        self.hang_up.install()
        if self.ctx.settings.keymap:
            self.set_keymap(self.ctx.settings.keymap)
        self.call_after_refresh(self.live.connect)

    def get_default_screen(self) -> Screen[Any]:
        # The login screen is the bottom of the stack, not pushed over a blank default screen:
        # one screen less to build before the first frame. The main screen goes on top of it
        # at login and everything above it comes off at logout.
        return LoginScreen(self.ctx.demo_logins)

    def get_driver_class(self) -> type[Driver]:
        driver = super().get_driver_class()
        # Textual's own terminal driver, made to survive the terminal going away.
        return HangUpSafeDriver if driver is LinuxDriver else driver

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # The App's own workers (login, connection, feeds …).
        if event.state == WorkerState.ERROR:
            handle_worker_failure(self, event.worker)

    def on_worker_failed(self, message: WorkerFailed) -> None:
        # The widgets' and screens' workers (core/worker_failure.py).
        handle_worker_failure(self, message.worker)

    def worker_failed(self, worker: Worker[Any]) -> None:
        """The App's own workers (tui/worker_failures.py): the part that ran it resets."""
        if worker.group in {"backend", "feeds", "outbox"}:
            self.live.worker_failed(worker)
        else:
            self.lifecycle.worker_failed(worker)

    async def on_unmount(self) -> None:
        self.keys.close()
        await self.live.close()
        # Frozen objects outlive the app otherwise (tests and benchmarks run many in one process).
        heap.release()

    # -- live data ----------------------------------------------------------------------------
    def on_backend_ready(self, message: BackendReady) -> None:
        self.live.on_backend_ready(message)

    def on_backend_failed(self, message: BackendFailed) -> None:
        self.live.on_backend_failed(message)

    @on(LoginScreen.RetryRequested)
    def retry_backend(self) -> None:
        self.live.retry()

    def on_feed_changed(self, message: FeedChanged) -> None:
        self.live.on_feed_changed(message)

    def on_feed_status_changed(self, message: FeedStatusChanged) -> None:
        self.live.on_feed_status_changed(message)

    def on_outbox_changed(self, message: OutboxChanged) -> None:
        self.live.on_outbox_changed(message)

    def on_handoffs_alerted(self, message: HandoffsAlerted) -> None:
        self.live.alerts.on_handoffs(message)

    def on_commands_failed(self, message: CommandsFailed) -> None:
        self.live.alerts.on_commands_failed(message)

    def on_needs_staff_changed(self, message: NeedsStaffChanged) -> None:
        self.live.alerts.on_needs_staff(message)

    def on_bot_health_changed(self, message: BotHealthChanged) -> None:
        self.live.alerts.on_bot_health(message)

    # -- the session --------------------------------------------------------------------------
    @on(LoginScreen.Submitted)
    def start_login(self, message: LoginScreen.Submitted) -> None:
        self.lifecycle.login(message.email, message.password)

    def on_login_refused(self, message: LoginRefused) -> None:
        self.lifecycle.on_login_refused(message)

    async def on_login_succeeded(self, message: LoginSucceeded) -> None:
        await self.lifecycle.on_login_succeeded(message)

    def on_account_changed(self, message: AccountChanged) -> None:
        self.lifecycle.on_account_changed(message)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown, events.Paste)):
            self.lifecycle.touch()
        if isinstance(event, (events.Key, events.Paste)) and not event.is_forwarded:
            await self.keys.feed(event)
            self.live.keys_first.key_sent()
            return
        await super().on_event(event)
        if isinstance(event, events.Key):
            self.keys.returned(event)

    def action_lock(self) -> None:
        self.lifecycle.lock()

    @on(LockScreen.UnlockRequested)
    def start_unlock(self, message: LockScreen.UnlockRequested) -> None:
        self.lifecycle.unlock(message.password)

    def on_unlock_checked(self, message: UnlockChecked) -> None:
        self.lifecycle.on_unlock_checked(message)

    def action_logout(self) -> None:
        if self.ctx.session is not None:
            self.logout()

    def logout(self) -> None:
        self.lifecycle.logout()

    # -- navigation, help and what the keys may do --------------------------------------------
    async def on_compose_message_request(self, request: ComposeMessageRequest) -> None:
        """From a conversation or entry screen on top of the main screen: go to the composer."""
        main = main_screen(self)
        if main is None or self.locked:
            return
        while self.screen is not main and len(self.screen_stack) > 2:
            await self.pop_screen()
        await main.compose_message(request)

    def action_show_help(self) -> None:
        from modals.help import HelpScreen

        hidden = set() if self.ctx.can_write() else {spec.id for spec in ACTIONS if spec.write}
        if not self.ctx.is_admin():
            hidden |= {spec.id for spec in ACTIONS if spec.admin}
        if self.ctx.read_only:
            hidden.add("account.password")
        self.push_screen(HelpScreen(self.ctx.settings.keymap, hidden))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "command_palette" and self.locked:
            return False
        # Hidden, not greyed: a viewer should not see what they cannot do.
        return not (action in write_actions() and not self.ctx.can_write())

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        if not self.locked:
            yield from system_commands(self)

    def action_command_palette(self) -> None:
        if self.use_command_palette:
            open_palette(self)
