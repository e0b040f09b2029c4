"""The Agent P Dashboard application: login, the main screen, live feeds, idle lock, logout.

The App owns the backend connection and, after login, one `DashboardServices` bound to the
user. Workers and feed callbacks never touch widgets: they post messages (core/messages.py) and
the handlers here update state and hand data to the main screen.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import importlib
import logging
import signal
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import platformdirs
from rich.console import RenderableType
from textual import events, on, work
from textual.app import App, SystemCommand
from textual.screen import Screen
from textual.timer import Timer

from core.actions import bindings, write_actions
from core.context import AppContext, DemoLogin
from core.i18n import detect_language, set_language, t
from core.messages import (
    AccountChanged,
    BackendFailed,
    BackendReady,
    ComposeMessageRequest,
    FeedChanged,
    FeedStatusChanged,
    LoginRefused,
    LoginSucceeded,
    OutboxChanged,
    UnlockChecked,
)
from core.settings import APP_NAME, Settings
from screens.lock import LockScreen
from screens.login import LoginScreen
from services.errors import ServiceError
from tui import heap
from tui.keyboard import KeySequencer
from tui.palette import DashboardCommands
from widgets.timefmt import clock_time

if TYPE_CHECKING:
    from services.dashboard import AccountChange
    from services.feeds import FeedBatch, FeedStatus
    from services.user_session import UserSession

log = logging.getLogger(__name__)

MAX_UNLOCK_FAILURES = 5
IDLE_UNIT_SECONDS = 60.0  # the setting is in minutes; tests shrink the unit
OUTBOX_RETRY_SECONDS = 15.0
CONNECT_RETRY_BASE = 2.0  # seconds before the first automatic retry; doubles up to the cap
CONNECT_RETRY_CAP = 30.0
CONNECT_WAIT_SECONDS = 10.0  # a login typed during the first connection waits this long for it
# What the login screen does not need (the Supabase client, the services, the main screen):
# imported in a thread once the login screen is painted, so the first paint does not wait for
# them and the switch to the main screen after login does not stall the event loop.
DEFERRED_MODULES = (
    "services.backend",
    "services.auth",
    "services.dashboard",
    "screens.main",
)


class AgentPApp(App[int]):
    TITLE = "Agent P"
    BINDINGS = bindings("app")
    COMMANDS = App.COMMANDS | {DashboardCommands}
    # Over SSH every byte counts: no animations, no cursor blink.
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
        super().__init__()
        self.ctx = AppContext(
            settings=settings,
            read_only=read_only,
            clock=clock or (lambda: datetime.now(UTC)),
            demo_logins=list(demo_logins),
            data_dir=data_dir or Path(platformdirs.user_data_dir(APP_NAME)),
        )
        set_language(detect_language(settings.language))
        self.animation_level = "none"
        if settings.theme in self.available_themes:
            self.theme = settings.theme
        self._idle_timer: Timer | None = None
        self._connect_retry: Timer | None = None
        self._connect_failures = 0
        self._last_touch = 0.0
        self._outbox_task: asyncio.Task[None] | None = None
        self.locked = False
        # Tests and benchmarks await state changes instead of sleeping.
        self._changed = asyncio.Event()
        # Keys typed together go to the widgets in their order, across focus changes.
        self.keys = KeySequencer(self, lambda event: App.on_event(self, event))

    # -- start ------------------------------------------------------------------------------
    def on_mount(self) -> None:
        # A dropped SSH connection hangs up the terminal: leave at once, closing the feeds'
        # sockets and the backend's connections on the way out (no orphan process).
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self._hang_up)
        if self.ctx.settings.keymap:
            self.set_keymap(self.ctx.settings.keymap)
        self.call_after_refresh(self.connect_backend)

    def get_default_screen(self) -> Screen[Any]:
        # The login screen is the bottom of the stack, not pushed over a blank default screen:
        # one screen less to build before the first frame. The main screen goes on top of it
        # at login and everything above it comes off at logout.
        return LoginScreen(self.ctx.demo_logins)

    def _login_screen(self) -> LoginScreen | None:
        # None while the app is closing (its screens are already gone).
        bottom = self.screen_stack[0] if self.screen_stack else None
        return bottom if isinstance(bottom, LoginScreen) else None

    @work(exclusive=True, group="backend", exit_on_error=False)
    async def connect_backend(self) -> None:
        try:
            await asyncio.to_thread(import_deferred_modules)
        finally:
            # Start-up is over (the login screen is up, the heavy modules are in): collect
            # once, freeze the survivors, let the collector run again (tui/heap.py).
            heap.settle()
        url, key = self.ctx.settings.require_supabase()
        from services.backend import Backend

        try:
            backend = await Backend.open(url, key)
            await backend.check()
        except ServiceError as exc:
            self.post_message(BackendFailed(str(exc)))
            return
        self.post_message(BackendReady(backend))

    def on_backend_ready(self, message: BackendReady) -> None:
        self.ctx.backend = message.backend
        self._connect_failures = 0
        self._stop_connect_retry()
        self.mark_changed()

    def on_backend_failed(self, message: BackendFailed) -> None:
        # The app stays open all day: it keeps trying on its own (2, 4, 8 … 30 s apart) and F5
        # tries at once; nobody has to notice the network came back.
        self._connect_failures += 1
        delay = min(CONNECT_RETRY_CAP, CONNECT_RETRY_BASE * 2 ** (self._connect_failures - 1))
        self._stop_connect_retry()
        self._connect_retry = self.set_timer(delay, self.retry_backend)
        screen = self.screen
        if isinstance(screen, LoginScreen):
            screen.show_error(
                t("login.unavailable", reason=message.reason)
                + " "
                + t("login.retry", seconds=f"{delay:g}")
            )
        self.mark_changed()

    def _stop_connect_retry(self) -> None:
        if self._connect_retry is not None:
            self._connect_retry.stop()
            self._connect_retry = None

    @on(LoginScreen.RetryRequested)
    def retry_backend(self) -> None:
        self._stop_connect_retry()
        if self.ctx.backend is None:
            screen = self.screen
            if isinstance(screen, LoginScreen):
                screen.show_info(t("login.connecting"))
            self.connect_backend()

    # -- login ------------------------------------------------------------------------------
    @on(LoginScreen.Submitted)
    def start_login(self, message: LoginScreen.Submitted) -> None:
        self.attempt_login(message.email, message.password)

    @work(exclusive=True, group="login", exit_on_error=False)
    async def attempt_login(self, email: str, password: str) -> None:
        if self.ctx.backend is None and self._connect_retry is None:
            # Typed (or auto-typed) before the first connection finished: wait for it rather
            # than refuse a login the user could not have timed.
            with contextlib.suppress(TimeoutError):
                await self.wait_for(
                    lambda: self.ctx.backend is not None or self._connect_retry is not None,
                    CONNECT_WAIT_SECONDS,
                )
        backend = self.ctx.backend
        if backend is None:
            self.post_message(LoginRefused("unavailable", t("login.connecting")))
            self.connect_backend()
            return
        from services.auth import AuthService, LoginFailed

        try:
            session = await AuthService(backend, clock=self.ctx.clock).authenticate(email, password)
        except LoginFailed as exc:
            self.post_message(LoginRefused(exc.reason, locked_until=exc.locked_until))
            return
        except ServiceError as exc:
            self.post_message(LoginRefused("unavailable", str(exc)))
            return
        except Exception:
            # Whatever it was, the form must not stay disabled on "Checking…": say so and keep
            # the traceback for the log file only (the screen never shows one).
            log.exception("login failed unexpectedly")
            self.post_message(LoginRefused("unavailable", t("login.unexpected")))
            return
        self.post_message(LoginSucceeded(session))

    def on_login_refused(self, message: LoginRefused) -> None:
        screen = self.screen
        if isinstance(screen, LoginScreen):
            if message.reason == "locked" and message.locked_until is not None:
                text = t("login.locked", time=clock_time(message.locked_until, self._timezone()))
            elif message.reason == "unavailable":
                text = t("login.unavailable", reason=message.detail)
            else:
                text = t("login.invalid")
            screen.show_error(text)
        self.mark_changed()

    async def on_login_succeeded(self, message: LoginSucceeded) -> None:
        from screens.main import MainScreen
        from services.dashboard import DashboardServices

        backend = self.ctx.backend
        assert backend is not None
        _, key = self.ctx.settings.require_supabase()
        session = message.session
        self.ctx.session = session
        self.ctx.services = DashboardServices(backend, key, session, self._outbox_path(session))
        self.ctx.feed_status = {}
        login_screen = self._login_screen()
        if login_screen is not None:
            login_screen.forget_password()
        await self.push_screen(MainScreen())
        self._arm_idle_timer()
        self.start_feeds()
        self._outbox_task = asyncio.create_task(self._outbox_loop())
        heap.freeze()
        self.mark_changed()

    def _outbox_path(self, session: UserSession) -> Path:
        assert self.ctx.data_dir is not None
        # One file per backend project, so a test stack never sees production entries.
        project = hashlib.sha256((self.ctx.settings.supabase_url or "").encode()).hexdigest()[:12]
        return self.ctx.data_dir / "outbox" / f"{project}.sqlite"

    @work(group="feeds", exit_on_error=False)
    async def start_feeds(self) -> None:
        services = self.ctx.require_services()

        def relay(
            feed: str,
        ) -> tuple[Callable[[FeedBatch[Any]], None], Callable[[FeedStatus], None]]:
            def on_batch(batch: FeedBatch[Any]) -> None:
                self.post_message(FeedChanged(feed, batch))

            def on_status(status: FeedStatus) -> None:
                self.post_message(FeedStatusChanged(feed, status))

            return on_batch, on_status

        def on_account(change: AccountChange) -> None:
            self.post_message(AccountChanged(change))

        await services.watch_account(on_account, lambda status: None)
        await services.watch_wishlist(*relay("wishlist"))
        await services.watch_commands(*relay("commands"))
        # The sessions list re-reads itself on changes; the feed's first page is not used.
        await services.watch_sessions(*relay("sessions"), window=1)
        self.post_message(OutboxChanged(await services.commands.waiting()))

    def on_feed_changed(self, message: FeedChanged) -> None:
        main = self._main_screen()
        if main is not None:
            main.apply_batch(message.feed, message.batch)
        if message.feed in {"wishlist", "commands"} and self.ctx.outbox_waiting:
            self._kick_outbox()
        self.mark_changed()

    def on_feed_status_changed(self, message: FeedStatusChanged) -> None:
        self.ctx.feed_status[message.feed] = message.status
        main = self._main_screen()
        if main is not None:
            main.refresh_status()
        # FeedState is a StrEnum; services.feeds itself is not imported before the first paint.
        if message.status.state == "live" and self.ctx.outbox_waiting:
            # A feed is back, so the backend answers: send what waited, not at the next tick.
            self._kick_outbox()
        self.mark_changed()

    def on_outbox_changed(self, message: OutboxChanged) -> None:
        self.ctx.outbox_waiting = message.waiting
        main = self._main_screen()
        if main is not None:
            main.refresh_status()
        self.mark_changed()

    async def _outbox_loop(self) -> None:
        """Commands queued while offline are sent when the backend answers again."""
        while True:
            await asyncio.sleep(OUTBOX_RETRY_SECONDS)
            if self.ctx.outbox_waiting:
                self._kick_outbox()

    @work(exclusive=True, group="outbox", exit_on_error=False)
    async def _kick_outbox(self) -> None:
        services = self.ctx.services
        if services is None:
            return
        try:
            report = await services.commands.flush()
        except ServiceError:
            return
        if report.sent:
            self.notify(t("notice.outbox_sent", count=len(report.sent)), markup=False)
        for _, reason in report.refused:
            self.notify(t("notice.outbox_refused", reason=reason), severity="error", markup=False)
        self.post_message(OutboxChanged(report.waiting))

    def on_account_changed(self, message: AccountChanged) -> None:
        change = message.change
        session = self.ctx.session
        if session is None:
            return
        if change.signed_out:
            self.notify(t("notice.signed_out_deactivated"), severity="warning", markup=False)
            self.logout()
        elif change.user is not None and change.user.role != session.role:
            rescoped = session.with_role(change.user.role)
            self.ctx.session = rescoped
            if self.ctx.services is not None:
                self.ctx.services.rescope(rescoped)
            self.notify(
                t("notice.role_changed", role=t("role." + rescoped.role.value)), markup=False
            )
            main = self._main_screen()
            if main is not None:
                main.refresh_permissions()
        self.mark_changed()

    async def on_compose_message_request(self, request: ComposeMessageRequest) -> None:
        """From a conversation or entry screen on top of the main screen: go to the composer."""
        main = self._main_screen()
        if main is None or self.locked:
            return
        while self.screen is not main and len(self.screen_stack) > 2:
            await self.pop_screen()
        main.compose_message(request)

    # -- lock and logout ----------------------------------------------------------------------
    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown, events.Paste)):
            self._touch()
        if isinstance(event, (events.Key, events.Paste)) and not event.is_forwarded:
            await self.keys.feed(event)
            return
        await super().on_event(event)
        if isinstance(event, events.Key):
            self.keys.returned(event)

    def _touch(self) -> None:
        loop_time = asyncio.get_running_loop().time()
        # Re-arming on every key would churn timers; once a few seconds is plenty.
        if self._idle_timer is not None and loop_time - self._last_touch > 2:
            self._last_touch = loop_time
            self._idle_timer.reset()

    def _arm_idle_timer(self) -> None:
        if self._idle_timer is not None:
            self._idle_timer.stop()
        minutes = self.ctx.settings.idle_lock_minutes
        self._idle_timer = self.set_timer(minutes * IDLE_UNIT_SECONDS, self.action_lock)

    def action_lock(self) -> None:
        session = self.ctx.session
        if session is None or self.locked:
            return
        self.locked = True
        self.push_screen(LockScreen(session.email))
        self.mark_changed()

    @on(LockScreen.UnlockRequested)
    def start_unlock(self, message: LockScreen.UnlockRequested) -> None:
        self.check_unlock(message.password)

    @work(exclusive=True, group="unlock", exit_on_error=False)
    async def check_unlock(self, password: str) -> None:
        session, backend = self.ctx.session, self.ctx.backend
        from services.auth import AuthService

        ok = False
        if session is not None and backend is not None:
            with contextlib.suppress(ServiceError):
                ok = await AuthService(backend).confirm_password(session, password)
        self.post_message(UnlockChecked(ok))

    async def on_unlock_checked(self, message: UnlockChecked) -> None:
        screen = self.screen
        if not isinstance(screen, LockScreen):
            return
        if message.ok:
            self.locked = False
            screen.dismiss()
            self._arm_idle_timer()
        else:
            screen.show_wrong()
            if screen.failures >= MAX_UNLOCK_FAILURES:
                self.notify(t("notice.locked_out"), severity="error", markup=False)
                self.logout()
        self.mark_changed()

    def action_logout(self) -> None:
        if self.ctx.session is not None:
            self.logout()

    @work(exclusive=True, group="logout", exit_on_error=False)
    async def logout(self) -> None:
        session, services, backend = self.ctx.session, self.ctx.services, self.ctx.backend
        self.ctx.session = None
        self.ctx.services = None
        self.ctx.feed_status = {}
        self.ctx.outbox_waiting = 0
        self.locked = False
        if self._idle_timer is not None:
            self._idle_timer.stop()
            self._idle_timer = None
        if self._outbox_task is not None:
            self._outbox_task.cancel()
            self._outbox_task = None
        if services is not None:
            await services.close()
        if session is not None and backend is not None:
            from services.auth import AuthService

            with contextlib.suppress(ServiceError):
                await AuthService(backend).logout(session)
        self.call_later(self._show_login)

    async def _show_login(self) -> None:
        # Drop every screen of the session (the data behind the lock included), down to the
        # login screen at the bottom.
        while len(self.screen_stack) > 1:
            await self.pop_screen()
        login_screen = self._login_screen()
        if login_screen is not None:
            login_screen.reset()
        # The session's screens and data are garbage now: collect them while only the login
        # form is on screen (the pause goes unnoticed there), then freeze again.
        heap.release()
        self.call_after_refresh(heap.settle)
        self.mark_changed()

    def _hang_up(self) -> None:
        log.info("terminal hung up: exiting")
        self.exit(129)

    # -- helpers ------------------------------------------------------------------------------
    def action_show_help(self) -> None:
        from modals.help import HelpScreen

        hidden = set() if self.ctx.can_write() else {spec_id for spec_id in _write_action_ids()}
        self.push_screen(HelpScreen(self.ctx.settings.keymap, hidden))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "command_palette" and self.locked:
            return False
        # Hidden, not greyed: a viewer should not see what they cannot do.
        return not (action in write_actions() and not self.ctx.can_write())

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        # The built-in "keys" panel would show untranslated ids; `?` is the help.
        for command in super().get_system_commands(screen):
            if command.title.lower() in {"quit", "theme"} and not self.locked:
                yield command

    def _main_screen(self) -> Any:
        from screens.main import MainScreen

        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                return screen
        return None

    def _timezone(self) -> str:
        return self.ctx.session.tenant_timezone if self.ctx.session else "Europe/Moscow"

    def mark_changed(self) -> None:
        self._changed.set()
        # And once more after the repaint, for waiters that read what is on screen.
        self.call_after_refresh(self._changed.set)

    def _display(self, screen: Screen[Any], renderable: RenderableType | None) -> None:
        super()._display(screen, renderable)
        # Some changes reach the screen only frames after the state change that caused them
        # (the footer recomposes after a refresh when bindings change): waiters that read the
        # screen re-check after every frame, so none of them depends on that ordering.
        if renderable is not None:
            self._changed.set()

    async def wait_for(self, predicate: Callable[[], bool], limit: float = 15.0) -> None:
        """Until `predicate()` holds, re-checked after each state change the App handles."""
        async with asyncio.timeout(limit):
            while True:
                self._changed.clear()
                if predicate():
                    return
                await self._changed.wait()

    async def on_unmount(self) -> None:
        if self._outbox_task is not None:
            self._outbox_task.cancel()
        services, backend = self.ctx.services, self.ctx.backend
        if services is not None:
            await services.close()
        if backend is not None:
            with contextlib.suppress(Exception):
                await backend.close()
        # Frozen objects outlive the app otherwise (tests and benchmarks run many in one process).
        heap.release()


def _write_action_ids() -> set[str]:
    from core.actions import ACTIONS

    return {spec.id for spec in ACTIONS if spec.write}


def import_deferred_modules() -> None:
    for name in DEFERRED_MODULES:
        importlib.import_module(name)
