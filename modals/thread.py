"""One conversation, live: its messages, and what staff can do from it (message, pause, resume).

The thread is watched with `DashboardServices.watch_thread` from mount to unmount: a message the
bot appends appears without a key press, and a pause or resume shows once the bot performed it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial
from typing import Any

from rich.text import Text
from textual import work
from textual.app import App, ComposeResult
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import Worker

from core.actions import bindings, write_actions
from core.context import AppContext, context_of
from core.deferred import deferred
from core.i18n import t
from core.messages import ComposeMessageRequest, OutboxChanged
from core.worker_failure import ReportsWorkerFailures
from modals.confirm import ConfirmScreen
from services.dashboard import DashboardServices, PresenceWatch
from services.errors import ServiceError
from services.feed_types import FeedBatch, FeedState, FeedStatus
from services.feeds import LiveFeed
from services.models import ConversationSession, SessionSummary
from services.presence import Viewer
from widgets.error_text import failure_text
from widgets.footer import LocalizedFooter
from widgets.literal import literal
from widgets.presence_line import PresenceLine
from widgets.session_list import channel_label, status_label
from widgets.thread_view import ThreadView
from widgets.timefmt import clock_time, short_time

_FEED_STYLES = {FeedState.live: "green", FeedState.polling: "magenta", FeedState.stopped: "dim"}

log = logging.getLogger(__name__)


class ThreadScreen(ReportsWorkerFailures, Screen[None]):
    SCOPE = "thread"
    BINDINGS = bindings("thread")
    DEFAULT_CSS = """
    ThreadScreen #thread-header { height: auto; padding: 0 1; background: $panel; }
    ThreadScreen #thread-error { height: auto; padding: 1 2; color: $error; display: none; }
    ThreadScreen #thread-error.-shown { display: block; }
    """

    @dataclass
    class Changed(Message):
        batch: FeedBatch[ConversationSession]

    @dataclass
    class StatusChanged(Message):
        status: FeedStatus

    @dataclass
    class Failed(Message):
        reason: str

    @dataclass
    class Viewers(Message):
        viewers: list[Viewer]

    def __init__(self, session_id: str, preview: SessionSummary | None = None) -> None:
        super().__init__()
        self.session_id = str(session_id)
        self.preview = preview
        self.session: ConversationSession | None = None
        self.feed_status: FeedStatus | None = None
        self._feed: LiveFeed[ConversationSession] | None = None
        self._services: DashboardServices | None = None
        self._presence: PresenceWatch | None = None
        # Not `_closed`: that one is Textual's own (MessagePump), and writing it stops messages.
        self._leaving = False

    @property
    def ctx(self) -> AppContext:
        return context_of(self.app)

    def compose(self) -> ComposeResult:
        yield Static(self._header(), id="thread-header", markup=False)
        yield PresenceLine(id="thread-presence")
        yield Static("", id="thread-error", markup=False)
        yield ThreadView(id="thread-messages")
        yield LocalizedFooter()

    def on_mount(self) -> None:
        self.query_one(ThreadView).focus()
        self._watch()

    # -- the live thread ---------------------------------------------------------------------
    @work(exclusive=True, group="thread-feed", exit_on_error=False)
    async def _watch(self) -> None:
        services = self.ctx.require_services()

        def on_batch(batch: FeedBatch[ConversationSession]) -> None:
            self.post_message(self.Changed(batch))

        def on_status(status: FeedStatus) -> None:
            self.post_message(self.StatusChanged(status))

        try:
            feed = await services.watch_thread(self.session_id, on_batch, on_status)
        except ServiceError as exc:
            self.post_message(self.Failed(failure_text(exc)))
            return
        self._feed, self._services = feed, services
        if self._leaving:  # closed while the feed was starting: it must not outlive the screen
            self._stop_feed()
            return
        # Seen by the others with it open, and seeing them: nobody answers unknowingly.

        def viewers_changed(viewers: list[Viewer]) -> None:
            self.post_message(self.Viewers(viewers))

        try:
            presence = await services.watch_presence(self.session_id, viewers_changed)
        except ServiceError:
            return  # the thread itself is shown; who else looks is a bonus that failed
        self._presence = presence
        if self._leaving:
            self._stop_feed()

    def on_thread_screen_changed(self, message: Changed) -> None:
        for session in message.batch.upserts:
            if session.key != self.session_id:
                continue
            self.session = session
            self.query_one(ThreadView).show(session, self._timezone(), self.ctx.clock())
        self._refresh_header()

    def on_thread_screen_viewers(self, message: Viewers) -> None:
        self.query_one(PresenceLine).show([viewer.name for viewer in message.viewers])

    def on_thread_screen_status_changed(self, message: StatusChanged) -> None:
        self.feed_status = message.status
        self._refresh_header()

    def worker_failed(self, worker: Worker[Any]) -> None:
        # tui/worker_failures.py: the live thread did not start; show it on the screen.
        # The App has told the user already; the screen shows it too.
        if worker.group == "thread-feed":
            self._show_failure(t("worker.reason"))

    def on_thread_screen_failed(self, message: Failed) -> None:
        self._show_failure(message.reason)
        self.notify(message.reason, severity="error", markup=False)

    def _show_failure(self, reason: str) -> None:
        error = self.query_one("#thread-error", Static)
        error.update(literal(t("thread.failed", reason=reason)))
        error.add_class("-shown")

    def _refresh_header(self) -> None:
        self.query_one("#thread-header", Static).update(self._header())
        self.refresh_bindings()

    def on_unmount(self) -> None:
        self._leaving = True
        self._stop_feed()

    def _stop_feed(self) -> None:
        feed, services, presence = self._feed, self._services, self._presence
        self._feed = self._presence = None
        # The app is exiting (a hang-up, a quit): closing the realtime client ends every feed at
        # once; a leave per channel would only hold the exit up waiting for replies.
        if services is None or self.app.return_code is not None:
            return
        # On the App: this screen's own workers end with it, the feed's shutdown must not.
        if feed is not None:
            self.app.run_worker(
                deferred(services.stop_feed, feed), group="thread-stop", exit_on_error=False
            )
        if presence is not None:
            self.app.run_worker(
                deferred(services.stop_presence, presence), group="thread-stop", exit_on_error=False
            )

    # -- what it shows -----------------------------------------------------------------------
    def _timezone(self) -> str:
        session = self.ctx.session
        return session.tenant_timezone if session else "UTC"

    def _client(self) -> tuple[str | None, str | None]:
        """The client's id and name, from the live row or else from the list's preview."""
        source = self.session or self.preview
        return (source.client_id, source.client_name) if source else (None, None)

    def _header(self) -> Text:
        source = self.session or self.preview
        head = Text(no_wrap=True, overflow="ellipsis")
        if source is None:
            head.append(t("thread.loading"), style="dim")
            return head
        head.append_text(
            literal(source.client_name or t("thread.unnamed"), style="bold", single_line=True)
        )
        if source.client_phone:
            head.append("  ")
            head.append_text(literal(source.client_phone, single_line=True))
        head.append("  ")
        head.append_text(channel_label(source.channel))
        head.append(" · ")
        head.append_text(status_label(source.status))
        if source.bot_paused:
            head.append(" · ")
            head.append(t("sessions.bot_paused"), style="bold yellow")
        info = Text(no_wrap=True, overflow="ellipsis", style="dim")
        now = self.ctx.clock()
        if source.started_at is not None:
            info.append(
                t("thread.started", time=short_time(source.started_at, self._timezone(), now))
            )
            info.append(" · ")
        count = len(self.session.messages) if self.session else getattr(source, "message_count", 0)
        info.append(t("thread.count", count=count))
        if self.feed_status is not None:
            info.append(" · ")
            info.append(
                t("thread.feed", state=self._feed_state()),
                style=_FEED_STYLES.get(self.feed_status.state, "yellow"),
            )
        return Text("\n").join([head, info])

    def _feed_state(self) -> str:
        status = self.feed_status
        assert status is not None
        if status.state == FeedState.reconnecting:
            return t("feed.reconnecting", time=clock_time(status.since, self._timezone()))
        return t(f"feed.{status.state.value}")

    # -- actions -----------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # False hides (None would only grey it out): viewers and --read-only never see a
        # sending action, and only the one of pause / resume that applies is offered.
        if action in write_actions() and not self.ctx.can_write():
            return False
        paused = self.session.bot_paused if self.session else None
        if action == "pause_bot" and paused is True:
            return False
        if action == "resume_bot" and paused is False and self.session is not None:
            return self.session.status in ("waiting_human", "paused")
        if action == "message_client":
            return self._client()[0] is not None
        return True

    def action_close(self) -> None:
        self.dismiss(None)

    def action_message_client(self) -> None:
        client_id, client_name = self._client()
        if client_id is None or not self.ctx.can_write():
            return
        self.post_message(ComposeMessageRequest(client_id, client_name, self.session_id))

    def action_pause_bot(self) -> None:
        self._ask("pause_bot", "thread.confirm_pause")

    def action_resume_bot(self) -> None:
        self._ask("resume_bot", "thread.confirm_resume")

    def _ask(self, command_type: str, question: str) -> None:
        if not self.ctx.can_write():
            return
        name = self._client()[1] or t("thread.unnamed")
        self.app.push_screen(
            ConfirmScreen(literal(t(question, name=name))),
            callback=partial(self._confirmed, command_type),
        )

    def _confirmed(self, command_type: str, yes: bool | None) -> None:
        if yes:
            services = self.ctx.require_services()
            # On the App: the request must finish even if the thread is closed meanwhile.
            self.app.run_worker(
                deferred(_send, self.app, services, command_type, self.session_id),
                group="thread-command",
                exit_on_error=False,
            )


async def _send(
    app: App[object], services: DashboardServices, command_type: str, session_id: str
) -> None:
    """Queue the command and say how it went; no widget is touched (a toast is the App's)."""
    try:
        result = await services.commands.enqueue(command_type, {"session_id": session_id})
        waiting = await services.commands.waiting() if result.command is None else 0
    except ServiceError as exc:
        app.notify(failure_text(exc), severity="error", markup=False)
        return
    except Exception:
        # Never a silent failure: the person who asked to pause or resume hears of it, in
        # plain words; the exception's name and text are for the log file.
        log.exception("queueing %s failed", command_type)
        app.notify(
            t("commands.failed.unexpected", reason=t("worker.reason")),
            severity="error",
            markup=False,
        )
        return
    if result.command is None:
        app.notify(t("thread.queued_offline"), severity="warning", markup=False)
        app.post_message(OutboxChanged(waiting))
    else:
        key = "thread.pause_sent" if command_type == "pause_bot" else "thread.resume_sent"
        app.notify(t(key, id=result.command.id), markup=False)
