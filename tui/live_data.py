"""Live data: the backend connection and its retries, the feeds of a logged-in user, the outbox.

The App composes one `LiveData` and hands it the messages its workers post (core/messages.py):
workers and feed callbacks never touch widgets, the `on_*` methods here run on the UI loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.timer import Timer
from textual.worker import Worker

from core.actions import key_for
from core.context import AppContext
from core.deferred import deferred
from core.i18n import t
from core.messages import (
    AccountChanged,
    BackendFailed,
    BackendReady,
    FeedChanged,
    FeedStatusChanged,
    OutboxChanged,
)
from screens.login import LoginScreen
from services.backoff import backoff_delay
from services.errors import ServiceError
from tui import heap
from tui.keys_first import KeysFirst
from tui.operator_alerts import OperatorAlerts
from tui.stack import main_screen
from widgets.error_text import failure_text

if TYPE_CHECKING:
    from services.dashboard import AccountChange
    from services.feed_types import FeedBatch, FeedStatus

STATUS_FEEDS = ("wishlist", "commands", "sessions")  # the feeds the status bar shows
OUTBOX_RETRY_SECONDS = 15.0
CONNECT_RETRY_BASE = 2.0  # seconds before the first automatic retry; doubles up to the cap
CONNECT_RETRY_CAP = 30.0
# What the login screen does not need (the Supabase client, the services, the main screen):
# imported in a thread once the login screen is painted, so the first paint does not wait for
# them and the switch to the main screen after login does not stall the event loop.
DEFERRED_MODULES = (
    "services.backend",
    "services.auth",
    "services.dashboard",
    "screens.main",
)


def import_deferred_modules() -> None:
    for name in DEFERRED_MODULES:
        importlib.import_module(name)


class LiveData:
    def __init__(
        self, app: App[Any], ctx: AppContext, settled: Callable[[], Awaitable[None]]
    ) -> None:
        self.app = app
        self.ctx = ctx
        self.keys_first = KeysFirst[FeedChanged](self._apply, settled, later=self._apply_later)
        self._connect_retry: Timer | None = None
        self._connect_failures = 0
        self._outbox_task: asyncio.Task[None] | None = None
        # Set once a connection attempt has ended, either way: a login typed meanwhile waits.
        self.attempted = asyncio.Event()
        self.alerts = OperatorAlerts(app, ctx)

    # -- the backend connection ------------------------------------------------------------
    def connect(self) -> None:
        self.app.run_worker(
            deferred(self._connect),
            name="connect_backend",
            group="backend",
            exclusive=True,
            exit_on_error=False,
        )

    async def _connect(self) -> None:
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
            self.app.post_message(BackendFailed(failure_text(exc)))
            return
        self.app.post_message(BackendReady(backend))

    def on_backend_ready(self, message: BackendReady) -> None:
        self.ctx.backend = message.backend
        self.attempted.set()
        self._connect_failures = 0
        self._stop_connect_retry()

    def worker_failed(self, worker: Worker[Any]) -> None:
        """A connect, feeds or outbox worker raised (tui/worker_failures.py)."""
        if worker.group == "backend":
            # As if the backend had refused: the retries (2, 4 … 30 s) take over.
            self.on_backend_failed(BackendFailed(t("worker.what.backend")))
        elif worker.group == "feeds" and self.ctx.session is not None:
            # A feed that never started would report nothing, and the status bar would leave
            # it out as if all were well: it shows as stopped until the next login.
            # Loaded by now; not imported before the login screen's first paint.
            from services.feed_types import FeedState, FeedStatus

            now = datetime.now(UTC)
            for feed in STATUS_FEEDS:
                if feed not in self.ctx.feed_status:
                    self.ctx.feed_status[feed] = FeedStatus(FeedState.stopped, now)
            main = main_screen(self.app)
            if main is not None:
                main.refresh_status()

    def on_backend_failed(self, message: BackendFailed) -> None:
        self.attempted.set()
        # The app stays open all day: it keeps trying on its own (2, 4, 8 … 30 s apart) and F5
        # tries at once; nobody has to notice the network came back.
        self._connect_failures += 1
        delay = backoff_delay(self._connect_failures, CONNECT_RETRY_BASE, CONNECT_RETRY_CAP)
        self._stop_connect_retry()
        self._connect_retry = self.app.set_timer(delay, self.retry)
        screen = self.app.screen
        if isinstance(screen, LoginScreen):
            screen.show_error(
                t("login.unavailable", reason=message.reason)
                + " "
                + t(
                    "login.retry",
                    seconds=f"{delay:g}",
                    key=key_for("login.retry", self.ctx.settings.keymap),
                )
            )

    def _stop_connect_retry(self) -> None:
        if self._connect_retry is not None:
            self._connect_retry.stop()
            self._connect_retry = None

    def retry(self) -> None:
        self._stop_connect_retry()
        if self.ctx.backend is None:
            screen = self.app.screen
            if isinstance(screen, LoginScreen):
                screen.show_info(t("login.connecting"))
            self.connect()

    # -- feeds and outbox of a session -----------------------------------------------------
    def start(self) -> None:
        """After login: the feeds, and the outbox's periodic retry."""
        self.ctx.feed_status = {}
        self.app.run_worker(
            deferred(self._start_feeds), name="start_feeds", group="feeds", exit_on_error=False
        )
        self._outbox_task = asyncio.create_task(self._outbox_loop())
        self.alerts.start()

    def stop(self) -> None:
        """At logout (the feeds close with the services)."""
        self.keys_first.close()
        self.alerts.stop()
        self.ctx.feed_status = {}
        self.ctx.outbox_waiting = 0
        if self._outbox_task is not None:
            self._outbox_task.cancel()
            self._outbox_task = None

    async def _start_feeds(self) -> None:
        services = self.ctx.require_services()
        post = self.app.post_message

        def relay(
            feed: str,
        ) -> tuple[Callable[[FeedBatch[Any]], None], Callable[[FeedStatus], None]]:
            def on_batch(batch: FeedBatch[Any]) -> None:
                post(FeedChanged(feed, batch))

            def on_status(status: FeedStatus) -> None:
                post(FeedStatusChanged(feed, status))

            return on_batch, on_status

        def on_account(change: AccountChange) -> None:
            post(AccountChanged(change))

        await services.watch_account(on_account, lambda status: None)
        await services.watch_wishlist(*relay("wishlist"))
        await services.watch_commands(*relay("commands"))
        # The sessions list re-reads itself on changes; the feed's first page is not used.
        await services.watch_sessions(*relay("sessions"), window=1)
        post(OutboxChanged(await services.commands.waiting()))

    def on_feed_changed(self, message: FeedChanged) -> None:
        # Applied now, or after the echo of a key being typed (tui/keys_first.py).
        self.keys_first.offer(message)

    def _apply_later(self, messages: list[FeedChanged]) -> None:
        self.app.call_later(self._apply, messages)

    def _apply(self, messages: list[FeedChanged]) -> None:
        with self.app.batch_update():
            for message in messages:
                self._apply_one(message)

    def _apply_one(self, message: FeedChanged) -> None:
        main = main_screen(self.app)
        if main is not None:
            main.apply_batch(message.feed, message.batch)
        if message.feed in {"wishlist", "commands"} and self.ctx.outbox_waiting:
            self.kick_outbox()
        if message.feed == "commands":
            self.alerts.commands_changed(message.batch)
        elif message.feed == "sessions" and not message.batch.initial:
            # A staff answer or a status change may take a conversation off "needs staff".
            self.alerts.refresh_needs_staff()

    def on_feed_status_changed(self, message: FeedStatusChanged) -> None:
        self.ctx.feed_status[message.feed] = message.status
        main = main_screen(self.app)
        if main is not None:
            main.refresh_status()
        # FeedState is a StrEnum; services.feeds itself is not imported before the first paint.
        if message.status.state == "live" and self.ctx.outbox_waiting:
            # A feed is back, so the backend answers: send what waited, not at the next tick.
            self.kick_outbox()

    def on_outbox_changed(self, message: OutboxChanged) -> None:
        self.ctx.outbox_waiting = message.waiting
        main = main_screen(self.app)
        if main is not None:
            main.refresh_status()

    async def _outbox_loop(self) -> None:
        """Commands queued while offline are sent when the backend answers again."""
        while True:
            await asyncio.sleep(OUTBOX_RETRY_SECONDS)
            if self.ctx.outbox_waiting:
                self.kick_outbox()

    def kick_outbox(self) -> None:
        self.app.run_worker(
            deferred(self._flush_outbox),
            name="kick_outbox",
            group="outbox",
            exclusive=True,
            exit_on_error=False,
        )

    async def _flush_outbox(self) -> None:
        services = self.ctx.services
        if services is None:
            return
        try:
            report = await services.commands.flush()
        except ServiceError:
            return
        notify = self.app.notify
        if report.sent:
            notify(t("notice.outbox_sent", count=len(report.sent)), markup=False)
        for _, reason in report.refused:
            notify(
                t("notice.outbox_refused", reason=failure_text(reason)),
                severity="error",
                markup=False,
            )
        self.app.post_message(OutboxChanged(report.waiting))

    async def close(self) -> None:
        """The app is closing: the outbox loop, the services' feeds, the backend's sockets."""
        self.keys_first.close()
        if self._outbox_task is not None:
            self._outbox_task.cancel()
        services, backend = self.ctx.services, self.ctx.backend
        if services is not None:
            await services.close()
        if backend is not None:
            with contextlib.suppress(Exception):
                await backend.close()
