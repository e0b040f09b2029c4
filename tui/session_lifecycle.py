"""The session lifecycle: login, idle lock and unlock, forced sign-out, logout.

The App composes one `SessionLifecycle`; its workers post messages (core/messages.py) that the
App hands to the `on_*` methods here, on the UI loop. Live data (feeds, outbox) starts and
stops with the session through `LiveData`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.timer import Timer
from textual.worker import Worker

from core.context import AppContext
from core.deferred import deferred
from core.i18n import t
from core.messages import (
    AccountChanged,
    LoginRefused,
    LoginSucceeded,
    UnlockChecked,
)
from screens.lock import LockScreen
from screens.login import LoginScreen
from services.errors import ServiceError
from tui import heap
from tui.live_data import LiveData
from tui.stack import login_screen, main_screen
from widgets.error_text import failure_text
from widgets.timefmt import clock_time

if TYPE_CHECKING:
    from services.commands.outbox import OutboxRecovery

log = logging.getLogger(__name__)

MAX_UNLOCK_FAILURES = 5
IDLE_UNIT_SECONDS = 60.0  # the setting is in minutes; tests shrink the unit
CONNECT_WAIT_SECONDS = 10.0  # a login typed during the first connection waits this long for it


class SessionLifecycle:
    def __init__(self, app: App[Any], ctx: AppContext, live: LiveData) -> None:
        self.app = app
        self.ctx = ctx
        self.live = live
        self.locked = False
        self._idle_timer: Timer | None = None
        self._last_touch = 0.0

    # -- login ------------------------------------------------------------------------------
    def login(self, email: str, password: str) -> None:
        self.app.run_worker(
            deferred(self._login, email, password),
            name="attempt_login",
            group="login",
            exclusive=True,
            exit_on_error=False,
        )

    async def _login(self, email: str, password: str) -> None:
        post = self.app.post_message
        if self.ctx.backend is None and not self.live.attempted.is_set():
            # Typed (or auto-typed) before the first connection finished: wait for it rather
            # than refuse a login nobody could have timed.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.live.attempted.wait(), CONNECT_WAIT_SECONDS)
        backend = self.ctx.backend
        if backend is None:
            post(LoginRefused("unavailable", t("login.connecting")))
            self.live.connect()
            return
        from services.auth import AuthService, LoginFailed

        try:
            session = await AuthService(backend, clock=self.ctx.clock).authenticate(email, password)
        except LoginFailed as exc:
            post(LoginRefused(exc.reason, locked_until=exc.locked_until))
            return
        except ServiceError as exc:
            post(LoginRefused("unavailable", failure_text(exc)))
            return
        except Exception:
            # Whatever it was, the form must not stay disabled on "Checking…": say so and keep
            # the traceback for the log file only (the screen never shows one).
            log.exception("login failed unexpectedly")
            post(LoginRefused("unavailable", t("login.unexpected")))
            return
        post(LoginSucceeded(session))

    def on_login_refused(self, message: LoginRefused) -> None:
        screen = self.app.screen
        if not isinstance(screen, LoginScreen):
            return
        if message.reason == "locked" and message.locked_until is not None:
            text = t("login.locked", time=clock_time(message.locked_until, self._timezone()))
        elif message.reason == "unavailable":
            text = t("login.unavailable", reason=message.detail)
        else:
            text = t("login.invalid")
        screen.show_error(text)

    async def on_login_succeeded(self, message: LoginSucceeded) -> None:
        from screens.main import MainScreen
        from services.dashboard import DashboardServices

        backend = self.ctx.backend
        assert backend is not None
        _, key = self.ctx.settings.require_supabase()
        self.ctx.session = message.session
        self.ctx.services = DashboardServices(
            backend,
            key,
            message.session,
            self._outbox_path(),
            read_only=self.ctx.read_only,
            on_outbox_recovered=self._outbox_recovered,
        )
        login = login_screen(self.app)
        if login is not None:
            login.forget_password()
        await self.app.push_screen(MainScreen())
        self._arm_idle_timer()
        self.live.start()
        heap.freeze()

    def _outbox_recovered(self, recovery: OutboxRecovery) -> None:
        # Called on the event loop by whichever worker met the damaged file: one line, once.
        text = t("notice.outbox_recovered", count=recovery.recovered, name=recovery.broken.name)
        self.app.notify(text, severity="warning", markup=False, timeout=15)

    def _outbox_path(self) -> Path:
        import hashlib  # OpenSSL's load, after the first paint rather than before it

        assert self.ctx.data_dir is not None
        # One file per backend project, so a test stack never sees production entries.
        project = hashlib.sha256((self.ctx.settings.supabase_url or "").encode()).hexdigest()[:12]
        return self.ctx.data_dir / "outbox" / f"{project}.sqlite"

    def _timezone(self) -> str:
        return self.ctx.session.tenant_timezone if self.ctx.session else "Europe/Moscow"

    # -- the account changed elsewhere (an admin deactivated it or changed its role) ---------
    def on_account_changed(self, message: AccountChanged) -> None:
        change = message.change
        session = self.ctx.session
        if session is None:
            return
        if change.signed_out:
            why = "notice.signed_out_password" if change.password_changed else None
            self.app.notify(
                t(why or "notice.signed_out_deactivated"), severity="warning", markup=False
            )
            self.logout()
        elif change.user is not None and change.user.role != session.role:
            rescoped = session.with_role(change.user.role)
            self.ctx.session = rescoped
            if self.ctx.services is not None:
                self.ctx.services.rescope(rescoped)
            self.app.notify(
                t("notice.role_changed", role=t("role." + rescoped.role.value)), markup=False
            )
            main = main_screen(self.app)
            if main is not None:
                main.refresh_permissions()

    # -- idle lock --------------------------------------------------------------------------
    def touch(self) -> None:
        loop_time = asyncio.get_running_loop().time()
        # Re-arming on every key would churn timers; once a few seconds is plenty.
        if self._idle_timer is not None and loop_time - self._last_touch > 2:
            self._last_touch = loop_time
            self._idle_timer.reset()

    def _arm_idle_timer(self) -> None:
        self._stop_idle_timer()
        minutes = self.ctx.settings.idle_lock_minutes
        self._idle_timer = self.app.set_timer(minutes * IDLE_UNIT_SECONDS, self.lock)

    def _stop_idle_timer(self) -> None:
        if self._idle_timer is not None:
            self._idle_timer.stop()
            self._idle_timer = None

    def lock(self) -> None:
        session = self.ctx.session
        if session is None or self.locked:
            return
        self.locked = True
        self.app.push_screen(LockScreen(session.email))

    def unlock(self, password: str) -> None:
        self.app.run_worker(
            deferred(self._check_unlock, password),
            name="check_unlock",
            group="unlock",
            exclusive=True,
            exit_on_error=False,
        )

    async def _check_unlock(self, password: str) -> None:
        session, backend = self.ctx.session, self.ctx.backend
        from services.auth import AuthService, LoginFailed

        ok = locked = False
        if session is not None and backend is not None:
            try:
                ok = await AuthService(backend).confirm_password(session, password)
            except LoginFailed as exc:
                # Unlocking counts toward the login lockout; once locked, out at once.
                locked = exc.reason == "locked"
            except ServiceError:
                pass
        self.app.post_message(UnlockChecked(ok, locked))

    def on_unlock_checked(self, message: UnlockChecked) -> None:
        screen = self.app.screen
        if not isinstance(screen, LockScreen):
            return
        if message.ok:
            self.locked = False
            screen.dismiss()
            self._arm_idle_timer()
            return
        screen.show_wrong()
        if message.locked or screen.failures >= MAX_UNLOCK_FAILURES:
            self.app.notify(t("notice.locked_out"), severity="error", markup=False)
            self.logout()

    def worker_failed(self, worker: Worker[Any]) -> None:
        """A login, unlock or logout worker raised (tui/worker_failures.py): undo its state."""
        if worker.group == "login":
            login = login_screen(self.app)
            if login is not None:
                login.show_error(t("login.unavailable", reason=t("login.unexpected")))
        elif worker.group == "unlock":
            screen = self.app.screen
            if isinstance(screen, LockScreen):
                screen.show_wrong()
        elif worker.group == "logout":
            # The session is already dropped: finish the way out to the login screen.
            self.app.call_later(self._show_login)

    # -- logout -----------------------------------------------------------------------------
    def logout(self) -> None:
        self.app.run_worker(
            deferred(self._logout),
            name="logout",
            group="logout",
            exclusive=True,
            exit_on_error=False,
        )

    async def _logout(self) -> None:
        session, services, backend = self.ctx.session, self.ctx.services, self.ctx.backend
        self.ctx.session = None
        self.ctx.services = None
        self.locked = False
        self._stop_idle_timer()
        self.live.stop()
        if services is not None:
            await services.close()
        if session is not None and backend is not None:
            from services.auth import AuthService

            with contextlib.suppress(ServiceError):
                await AuthService(backend).logout(session)
        self.app.call_later(self._show_login)

    async def _show_login(self) -> None:
        # Drop every screen of the session (the data behind the lock included), down to the
        # login screen at the bottom.
        while len(self.app.screen_stack) > 1:
            await self.app.pop_screen()
        login = login_screen(self.app)
        if login is not None:
            login.reset()
        # The session's screens and data are garbage now: collect them while only the login
        # form is on screen (the pause goes unnoticed there), then freeze again.
        heap.release()
        self.app.call_after_refresh(heap.settle)
