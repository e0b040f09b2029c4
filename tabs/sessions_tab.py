"""The sessions tab: the bot's conversations, searched, filtered and paged; Enter opens one.

The database searches and pages (services.conversations: keyset cursors, never OFFSET), so the
list reaches any number of conversations. It is refreshed when the tab is shown and after every
search or filter change; an open thread (modals/thread.py) is the live view.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import Input, Static
from textual.worker import Worker

from core.actions import bindings
from core.i18n import t
from modals.session_filter import FilterScreen, format_date
from modals.thread import ThreadScreen
from services.conversations import MAX_SEARCH_CHARS, SessionFilter, SessionPage
from services.errors import InvalidInput, ServiceError
from services.feed_types import FeedBatch
from services.keyset import Cursor
from services.models import SessionSummary
from tabs.tab_view import TabView
from widgets.error_text import failure_text
from widgets.literal import literal
from widgets.session_list import SessionList, channel_label, status_label
from widgets.text_field import TextField

PAGE_SIZE = 50
MAX_REFRESH = 500  # a refresh re-reads what was paged in, up to the service's page limit
# A busy salon changes conversations several times a second: the list re-reads at most this
# often (and only while it is on screen).
LIVE_REFRESH_SECONDS = 1.0


class SessionsTab(TabView):
    SCOPE = "sessions"
    BINDINGS = bindings("sessions")
    DEFAULT_CSS = """
    SessionsTab { height: 1fr; }
    SessionsTab #sessions-search { margin: 0 1; }
    SessionsTab #sessions-filters { height: 1; padding: 0 1; color: $warning; display: none; }
    SessionsTab #sessions-filters.-shown { display: block; }
    SessionsTab #sessions-status { height: 1; padding: 0 1; color: $text-muted; }
    SessionsTab #sessions-status.-error { color: $error; }
    """

    @dataclass
    class Loaded(Message):
        generation: int
        page: SessionPage
        older: bool

    @dataclass
    class LoadFailed(Message):
        generation: int
        reason: str
        invalid_input: bool

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.filters = SessionFilter()
        self.cursor: Cursor | None = None
        self.loading = False
        self._generation = 0
        self._live_refresh_due = False
        # The "needs staff" view: the clients waiting for a person, longest waiting first.
        self.needs_staff_only = False

    def compose(self) -> ComposeResult:
        yield TextField(
            placeholder=t("sessions.search.placeholder"),
            id="sessions-search",
            compact=True,
            max_length=MAX_SEARCH_CHARS,
        )
        yield Static("", id="sessions-filters", markup=False)
        yield SessionList(id="sessions-list")
        yield Static("", id="sessions-status", markup=False)

    @property
    def session_list(self) -> SessionList:
        return self.query_one(SessionList)

    def focus_main(self) -> None:
        """Shown (tab key or click): focus the list and refresh what it shows."""
        self.session_list.focus()
        if self.needs_staff_only:
            self.needs_staff_changed()
        else:
            self.reload(keep_loaded=True)

    # -- live ----------------------------------------------------------------------------------
    def apply_batch(self, batch: FeedBatch[Any]) -> None:
        """A conversation changed or began: re-read what the list shows, at most once a
        LIVE_REFRESH_SECONDS. The list is a server-side search (filters, text, paging), so it
        is re-read rather than patched; a hidden tab re-reads when it is shown."""
        if batch.initial or not (batch.upserts or batch.deletes) or self._live_refresh_due:
            return
        self._live_refresh_due = True
        self.set_timer(LIVE_REFRESH_SECONDS, self._live_refresh)

    def _live_refresh(self) -> None:
        self._live_refresh_due = False
        if self.needs_staff_only:
            return  # the list follows ctx.needs_staff (needs_staff_changed)
        if self.display and self.is_on_screen and not self.loading:
            self.reload(keep_loaded=True, quiet=True)

    # -- needs staff ---------------------------------------------------------------------------
    def action_toggle_needs_staff(self) -> None:
        self.needs_staff_only = not self.needs_staff_only
        if self.needs_staff_only:
            self._generation += 1  # a page still on its way belongs to the other view
            self.loading = False
            self.needs_staff_changed()
        else:
            self.reload()

    def needs_staff_changed(self) -> None:
        if not self.needs_staff_only:
            return
        items = self.ctx.needs_staff
        listing = self.session_list
        session = self.ctx.session
        listing.timezone = session.tenant_timezone if session else "UTC"
        listing.now = self.ctx.clock()
        summaries = [item.summary() for item in items]
        listing.waiting_since = {
            s.key: item.since for s, item in zip(summaries, items, strict=True)
        }
        listing.replace(summaries)
        self.cursor = None
        if items:
            self._show_status(t("sessions.needs_staff.shown", count=len(items)))
        else:
            self._show_status(t("sessions.needs_staff.empty"))

    # -- loading -----------------------------------------------------------------------------
    def reload(self, *, keep_loaded: bool = False, quiet: bool = False) -> None:
        """The first page again; `keep_loaded` re-reads as many as were paged in; `quiet`
        keeps the status line as it is (a live refresh should not flicker "Loading…")."""
        # A search, a filter or `n` again: back from "needs staff" to the whole list.
        self.needs_staff_only = False
        self.session_list.waiting_since = {}
        self._generation += 1
        self.loading = True
        limit = PAGE_SIZE
        if keep_loaded:
            limit = min(MAX_REFRESH, max(PAGE_SIZE, len(self.session_list.summaries)))
        if not quiet:
            self._show_status(t("sessions.loading"))
        self._fetch(self._generation, self.filters, None, limit, older=False)

    def action_load_older(self) -> None:
        if self.loading or self.cursor is None or self.needs_staff_only:
            return
        self.loading = True
        self._show_status(t("sessions.loading_older"))
        self._fetch(self._generation, self.filters, self.cursor, PAGE_SIZE, older=True)

    @work(exclusive=True, group="sessions-list", exit_on_error=False)
    async def _fetch(
        self,
        generation: int,
        filters: SessionFilter,
        after: Cursor | None,
        limit: int,
        *,
        older: bool,
    ) -> None:
        try:
            services = self.ctx.require_services()
            page = await services.conversations.list(filters, limit=limit, after=after)
        except ServiceError as exc:
            self.post_message(
                self.LoadFailed(generation, failure_text(exc), isinstance(exc, InvalidInput))
            )
            return
        self.post_message(self.Loaded(generation, page, older))

    def on_sessions_tab_loaded(self, message: Loaded) -> None:
        if message.generation != self._generation:
            return  # an answer to a search or filter that has since changed
        self.loading = False
        listing = self.session_list
        session = self.ctx.session
        listing.timezone = session.tenant_timezone if session else "UTC"
        listing.now = self.ctx.clock()
        if message.older:
            listing.extend(message.page.items)
        else:
            listing.replace(message.page.items)
        self.cursor = message.page.next_cursor
        self._show_count()

    def worker_failed(self, worker: Worker[Any]) -> None:
        # tui/worker_failures.py: the list is no longer loading; say so where it shows.
        if worker.group == "sessions-list":
            self.loading = False
            self._show_status(t("sessions.failed", reason=t("worker.reason")), error=True)

    def on_sessions_tab_load_failed(self, message: LoadFailed) -> None:
        if message.generation != self._generation:
            return
        self.loading = False
        if message.invalid_input:
            # What was typed cannot be searched; nothing was sent. Say so, keep the list.
            self._show_status(message.reason, error=True)
            self.notify(message.reason, severity="warning", markup=False)
        else:
            self._show_status(t("sessions.failed", reason=message.reason), error=True)
            self.notify(message.reason, severity="error", markup=False)

    def _show_count(self) -> None:
        count = len(self.session_list.summaries)
        if count == 0:
            filtered = self.filters != SessionFilter()
            text = (
                t(
                    "sessions.empty_filtered",
                    search=self.key("sessions.search"),
                    filters=self.key("sessions.filter"),
                )
                if filtered
                else t("sessions.empty")
            )
        elif self.cursor:
            text = t("sessions.count_more", count=count, key=self.key("sessions.older"))
        else:
            text = t("sessions.count_all", count=count)
        self._show_status(text)

    def _show_status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#sessions-status", Static)
        status.update(literal(text, single_line=True))
        status.set_class(error, "-error")

    def _show_filters(self) -> None:
        line = filter_summary(self.filters)
        widget = self.query_one("#sessions-filters", Static)
        widget.update(line)
        widget.set_class(bool(line.plain), "-shown")

    def _apply(self, filters: SessionFilter) -> None:
        self.filters = filters
        self.cursor = None
        self._show_filters()
        self.reload()

    # -- keys --------------------------------------------------------------------------------
    def action_search(self) -> None:
        self.query_one("#sessions-search", TextField).focus()

    @on(Input.Submitted, "#sessions-search")
    def _search(self, event: Input.Submitted) -> None:
        event.stop()
        self.session_list.focus()
        self._apply(replace(self.filters, text=event.value.strip() or None))

    def on_key(self, event: events.Key) -> None:
        search = self.query_one("#sessions-search", TextField)
        if event.key == "escape" and search.has_focus:
            event.stop()
            self.session_list.focus()

    def action_cycle_filter(self) -> None:
        def chosen(filters: SessionFilter | None) -> None:
            if filters is not None and filters != self.filters:
                self._apply(filters)
            self.session_list.focus()

        self.app.push_screen(FilterScreen(self.filters), callback=chosen)

    def action_open_session(self) -> None:
        summary = self.session_list.highlighted_summary
        if summary is not None:
            self._open(summary)

    @on(SessionList.Opened)
    def _opened(self, event: SessionList.Opened) -> None:
        event.stop()
        self._open(event.summary)

    def _open(self, summary: SessionSummary) -> None:
        def closed(_: None) -> None:
            # A pause, a resume or new messages change the row: show it as it is now.
            self.reload(keep_loaded=True)

        self.app.push_screen(ThreadScreen(summary.key, summary), callback=closed)

    @on(SessionList.NearEnd)
    def _near_end(self, event: SessionList.NearEnd) -> None:
        event.stop()
        self.action_load_older()


def filter_summary(filters: SessionFilter) -> Text:
    """The active search and filters on one line (empty when there are none)."""
    parts: list[Text] = []
    if filters.text:
        part = Text(t("sessions.searching_for"))
        part.append_text(literal(filters.text, single_line=True, limit=60))
        parts.append(part)
    if filters.status:
        parts.append(status_label(filters.status))
    if filters.channel:
        parts.append(channel_label(filters.channel))
    if filters.date_from:
        parts.append(Text(t("sessions.filter.summary_from", date=format_date(filters.date_from))))
    if filters.date_to:
        parts.append(Text(t("sessions.filter.summary_to", date=format_date(filters.date_to))))
    return Text(" · ", no_wrap=True, overflow="ellipsis").join(parts)
