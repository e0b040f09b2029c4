"""What must reach a person while the app sits in a terminal all day.

- A conversation handed to staff: the bell, a notification with the client's name and last
  message, the Sessions tab's badge and its "needs staff" list.
- A command of the user's that failed: a notification naming the client and the bot's error.
- The bot not taking commands: a status-bar segment, and a warning before queueing.

Each alert comes once per event and user (services/alerts.py keeps the receipts). Workers read
and claim; the handlers here, on the UI loop, ring and notify.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.timer import Timer

from core.context import AppContext
from core.deferred import deferred
from core.i18n import t
from core.messages import BotHealthChanged, CommandsFailed, HandoffsAlerted, NeedsStaffChanged
from services.errors import ServiceError
from tui.stack import main_screen

if TYPE_CHECKING:
    from services.bot_health import BotHealth
    from services.feeds import FeedBatch, FeedStatus

HEALTH_EVERY_SECONDS = 15.0
NEEDS_STAFF_AT_MOST_EVERY = 1.0
PREVIEW_CHARS = 120


def one_line(text: str | None, limit: int = PREVIEW_CHARS) -> str:
    """Client text for a notification: one line, control characters shown, never markup."""
    if not text:
        return ""
    shown = "".join(
        ch if ch.isprintable() else ("⏎" if ch in "\r\n" else f"\\x{ord(ch):02x}")
        for ch in text[: limit + 1]
    )
    return shown[:limit] + ("…" if len(text) > limit else "")


class OperatorAlerts:
    def __init__(self, app: App[Any], ctx: AppContext) -> None:
        self.app = app
        self.ctx = ctx
        self._health_timer: Timer | None = None
        self._needs_staff_due = False
        # Whether the bot-events feed is live (tests wait for it; not a status-bar feed).
        self.events_live = False

    # -- a session's start and end -------------------------------------------------------------
    def start(self) -> None:
        services = self.ctx.require_services()
        services.bot_health.threshold = float(self.ctx.settings.bot_pickup_seconds)
        self.app.run_worker(deferred(self._start_feed), group="alerts", exit_on_error=False)
        self.refresh_needs_staff()
        self.check_health()
        self._health_timer = self.app.set_interval(HEALTH_EVERY_SECONDS, self.check_health)

    def stop(self) -> None:
        self.events_live = False
        if self._health_timer is not None:
            self._health_timer.stop()
            self._health_timer = None
        self.ctx.needs_staff = []
        self.ctx.bot_health = None

    async def _start_feed(self) -> None:
        services = self.ctx.require_services()

        def on_batch(batch: FeedBatch[Any]) -> None:
            # The first page is what was waiting at login: receipted without a sound (the badge
            # and the needs-staff list show it), or a login would bury the screen under one
            # notification per waiting client. What comes after rings.
            if batch.upserts:
                self.app.call_later(self._events_arrived, list(batch.upserts), batch.initial)

        def on_status(status: FeedStatus) -> None:
            self.events_live = status.state == "live"

        await services.watch_events(on_batch, on_status)

    # -- hand-offs ---------------------------------------------------------------------------
    def _events_arrived(self, events: list[Any], initial: bool = False) -> None:
        self.app.run_worker(
            deferred(self._claim_handoffs, events, silent=initial),
            group="alerts",
            exit_on_error=False,
        )
        self.refresh_needs_staff()

    async def _claim_handoffs(self, events: list[Any], *, silent: bool = False) -> None:
        services = self.ctx.services
        if services is None:
            return
        try:
            alerts = await services.alerts.handoffs(events, self.ctx.clock())
        except ServiceError:
            return  # the next event (or the badge's own read) tells the operator
        if alerts and not silent:
            self.app.post_message(HandoffsAlerted(alerts))

    def on_handoffs(self, message: HandoffsAlerted) -> None:
        if self.ctx.settings.bell:
            self.app.bell()
        for alert in message.alerts:
            self.app.notify(
                t(
                    "alert.handoff",
                    name=one_line(alert.client_name) or t("thread.unnamed"),
                    text=one_line(alert.last_message) or "—",
                ),
                title=t("alert.handoff.title"),
                severity="warning",
                timeout=30,
                markup=False,
            )

    def refresh_needs_staff(self) -> None:
        """Re-read the list behind the badge, at most once a second however busy the bot is."""
        if self._needs_staff_due:
            return
        self._needs_staff_due = True
        self.app.set_timer(NEEDS_STAFF_AT_MOST_EVERY, self._read_needs_staff)

    def _read_needs_staff(self) -> None:
        self._needs_staff_due = False
        self.app.run_worker(
            deferred(self._needs_staff), group="needs-staff", exclusive=True, exit_on_error=False
        )

    async def _needs_staff(self) -> None:
        services = self.ctx.services
        if services is None:
            return
        try:
            items = await services.alerts.needs_staff()
        except ServiceError:
            return
        self.app.post_message(NeedsStaffChanged(items))

    def on_needs_staff(self, message: NeedsStaffChanged) -> None:
        self.ctx.needs_staff = message.items
        main = main_screen(self.app)
        if main is not None:
            main.refresh_needs_staff()

    # -- failed commands -----------------------------------------------------------------------
    def commands_changed(self, batch: FeedBatch[Any]) -> None:
        failed = [c for c in batch.upserts if getattr(c, "status", None) == "failed"]
        if failed and not batch.initial:
            self.app.run_worker(
                deferred(self._claim_failed, failed), group="alerts", exit_on_error=False
            )
        # A staff message sent through a command answers a hand-off.
        if any(getattr(c, "status", None) == "done" for c in batch.upserts):
            self.refresh_needs_staff()

    async def _claim_failed(self, commands: list[Any]) -> None:
        services = self.ctx.services
        if services is None:
            return
        try:
            alerts = await services.alerts.failed_commands(commands)
        except ServiceError:
            return
        if alerts:
            self.app.post_message(CommandsFailed(alerts))

    def on_commands_failed(self, message: CommandsFailed) -> None:
        for alert in message.alerts:
            self.app.notify(
                t(
                    "alert.command_failed",
                    client=one_line(alert.client) or "—",
                    error=one_line(alert.error) or "—",
                ),
                title=t("alert.command_failed.title"),
                severity="error",
                timeout=30,
                markup=False,
            )

    # -- the bot's health ----------------------------------------------------------------------
    def check_health(self) -> None:
        self.app.run_worker(
            deferred(self._health), group="bot-health", exclusive=True, exit_on_error=False
        )

    async def _health(self) -> None:
        services = self.ctx.services
        if services is None:
            return
        try:
            # Real time, not the display clock: the queue's timestamps are real.
            health = await services.bot_health.check(datetime.now(UTC))
        except ServiceError:
            return
        self.app.post_message(BotHealthChanged(health))

    def on_bot_health(self, message: BotHealthChanged) -> None:
        before, self.ctx.bot_health = self.ctx.bot_health, message.health
        # The check runs every 15 s: an idle app must write nothing to the terminal, so the
        # status bar is redrawn only when what it shows of the bot has changed.
        if before is not None and shown(before) == shown(message.health):
            return
        main = main_screen(self.app)
        if main is not None:
            main.refresh_status()


def shown(health: BotHealth) -> tuple[object, ...]:
    """What the status bar shows of the bot's health (widgets/status_bar.py)."""
    seconds = round(health.pending_seconds or 0) if health.state == "slow" else None
    return (health.state, health.since, seconds)
