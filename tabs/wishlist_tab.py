"""The live wishlist: newest first, filtered, sorted, older entries paged in on demand.

The tab keeps the loaded entries (the model, keyed by id) and shows a projection of them in a
`WishlistTable`. Feed batches arrive from the App (FeedBatch → MainScreen.apply_batch → here)
and each one becomes ONE keyed diff inside `app.batch_update()`. The model is capped at
`ROW_CAP` entries; `o` pages older ones in through a worker and raises the cap by that page.
New entries the table holds back (they would move the rows on screen) are announced first on
the info line, with the newest one's name: `▲ 3 new: Анна — Home`.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import Input, Static
from textual.worker import Worker

from core.actions import bindings
from core.i18n import t
from core.messages import ComposeMessageRequest
from modals.wishlist_entry import WishlistEntryScreen, allowed
from services.errors import ServiceError
from services.feed_types import FeedBatch
from services.keyset import Cursor
from services.models import WishlistEntry
from tabs.tab_view import TabView
from tabs.wishlist_order import ShownRows
from tabs.wishlist_view import DESIRED, SORTS, STATUS_FILTERS, age, counts_line, ordered, select
from widgets.error_text import failure_text
from widgets.literal import literal
from widgets.text_field import TextField
from widgets.wishlist_row import Wish
from widgets.wishlist_table import WishlistTable

# A filter longer than any name, phone, service or comment cannot match anything.
FILTER_MAX_CHARS = 200
# The newest held entry's name on the info line is cut here: the counts must fit at 80.
NAME_CELLS = 24


class WishlistTab(TabView):
    SCOPE = "wishlist"
    BINDINGS = bindings("wishlist")
    DEFAULT_CSS = """
    WishlistTab { layout: vertical; height: 1fr; }
    WishlistTab #wishlist-filter { display: none; }
    WishlistTab.-filtering #wishlist-filter { display: block; }
    WishlistTab #wishlist-info { height: 1; padding: 0 1; color: $text-muted; }
    WishlistTab #wishlist-statuses { height: 1; padding: 0 1; }
    """
    # Class attributes so tests and the benchmark can set a small cap or a big page.
    ROW_CAP: ClassVar[int] = 500
    PAGE_SIZE: ClassVar[int] = 200

    @dataclass
    class OlderLoaded(Message):
        entries: list[Wish]
        requested: int

    @dataclass
    class LoadFailed(Message):
        reason: str

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.entries: dict[str, Wish] = {}
        self.limit = self.ROW_CAP
        self.sort = "time"
        self.status_filter = STATUS_FILTERS[0]
        self.filter_text = ""
        self.exhausted = False
        self.loading_older = False
        # Batches applied to `entries` while the tab was hidden, not drawn yet (see `shown`).
        self.stale = False
        self.statuses_line: Text | None = None
        self.rows: ShownRows | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="wishlist-statuses", markup=False)
        yield TextField(
            placeholder=t("wishlist.filter.placeholder"),
            id="wishlist-filter",
            compact=True,
            max_length=FILTER_MAX_CHARS,
        )
        yield WishlistTable(id="wishlist-table")
        yield Static("", id="wishlist-info", markup=False)

    def on_mount(self) -> None:
        table = self.table
        session = self.ctx.session
        table.timezone = session.tenant_timezone if session else "UTC"
        table.clock = self.ctx.clock
        self._render_info([])
        self._render_statuses()
        # Filtered in the key's own call, not on the Changed message after it: the rows and
        # the info line are drawn in the same frame as the character typed.
        self.watch(self.filter_field, "value", self._filter_value, init=False)

    @property
    def table(self) -> WishlistTable:
        return self.query_one(WishlistTable)

    @property
    def filter_field(self) -> TextField:
        return self.query_one("#wishlist-filter", TextField)

    def focus_main(self) -> None:
        self.table.focus()

    # -- the live feed -----------------------------------------------------------------------
    def apply_batch(self, batch: FeedBatch[WishlistEntry]) -> None:
        # The initial page is what was already there: nothing in it is news.
        new = [] if batch.initial else [e.key for e in batch.upserts if e.key not in self.entries]
        # The shown rows follow the batch row by row while they are drawn (tabs/wishlist_order.py);
        # otherwise they are made again when they are.
        drawn = self.on_view() and not self.stale and not batch.initial
        rows = self.rows if drawn else None
        changed = False
        for entry in batch.upserts:
            wish = Wish.of(entry)
            old = self.entries.get(wish.key)
            self.entries[wish.key] = wish
            if rows is not None:
                changed = rows.replace(old, wish) or changed
        for key in batch.deletes:
            gone = self.entries.pop(key, None)
            if rows is not None and gone is not None:
                changed = rows.discard(gone) or changed
        dropped = self._trim()
        if rows is not None:
            changed = rows.drop(dropped) or changed
        fresh = [key for key in new if key in self.entries]
        if not self.on_view():
            # Hidden (another tab is shown): filtering, sorting and drawing 100 rows a second
            # that nobody sees took the loop from the keys typed there. Drawn when shown.
            self.stale = True
        elif rows is None:
            self._show(fresh)
        else:
            self._draw(rows.rows, fresh, changed)
        if fresh and self.ctx.settings.bell:
            self.app.bell()

    def shown(self) -> None:
        if self.stale:
            self._show()

    def _trim(self) -> list[Wish]:
        """Keep the newest `limit` entries; the ones dropped can be paged in again."""
        excess = len(self.entries) - self.limit
        if excess <= 0:
            return []
        dropped = heapq.nsmallest(excess, self.entries.values(), key=age)
        for entry in dropped:
            del self.entries[entry.key]
        self.exhausted = False
        return dropped

    def _show(self, fresh: list[str] | None = None, *, reveal: bool = False) -> None:
        """Every entry filtered and sorted again: the filter, the sort or the entries changed."""
        self.stale = False
        pool = select(self.entries.values(), self.status_filter, self.filter_text)
        visible = ordered(pool, self.sort)
        self.rows = ShownRows(visible, self.sort, self.status_filter, self.filter_text)
        self._draw(visible, fresh, True, reveal=reveal)

    def _draw(
        self, visible: list[Wish], fresh: list[str] | None, changed: bool, *, reveal: bool = False
    ) -> None:
        with self.app.batch_update():
            if changed:
                # A batch none of whose rows the filter lets through leaves the table alone.
                self.table.show(visible, fresh=fresh or (), reveal=reveal)
            self._render_info(visible)
            self._render_statuses()

    def action_show_newest(self) -> None:
        """Home, `g`: the held entries shown, the cursor on the first row."""
        self.table.action_first()
        self.table.focus()

    @on(WishlistTable.Revealed)
    def _revealed(self, event: WishlistTable.Revealed) -> None:
        event.stop()
        self._render_info(self._visible_now())

    def on_resize(self, event: events.Resize) -> None:
        # The counts line leaves out whole items to fit its width: a new width, a new choice.
        self.call_after_refresh(self._render_statuses)

    def _render_statuses(self) -> None:
        # The table's day: the salon's, as of the batch just shown.
        target = self.query_one("#wishlist-statuses", Static)
        width = target.content_size.width or None
        line = counts_line(self.entries.values(), self.status_filter, self.table.today, width)
        if line == self.statuses_line:
            # At the cap the counts stay put while rows come and go. Repainted, this line and
            # the info line under the table made every frame re-read all the lines between.
            return
        self.statuses_line = line
        # One line, always: no layout, which would also repaint the table's scrollbar.
        target.update(line, layout=False)

    def _render_info(self, visible: list[Wish]) -> None:
        info = Text()
        held = self.table.held_keys
        newest = self.entries.get(held[0]) if held else None
        if newest is not None:
            # First, so 80 columns never cut it: staff see who arrived without a key.
            name = literal(newest.client_name or "", style="bold", single_line=True)
            name.truncate(NAME_CELLS, overflow="ellipsis")
            info.append(t("wishlist.info.held", count=len(held)), style="bold")
            info.append_text(name)
            info.append(" — " + self.key("wishlist.newest"), style="bold")
            info.append(" · ")
        count = len(self.entries)
        if not count:
            info.append(t("wishlist.info.empty"))
        else:
            if self.filter_text or len(visible) != count:
                info.append(t("wishlist.info.filtered", shown=len(visible), count=count))
            else:
                info.append(t("wishlist.info.count", count=count))
            info.append(" · " + t("wishlist.info.sort", column=t(f"wishlist.sort.{self.sort}")))
            if self.loading_older:
                info.append(" · " + t("wishlist.info.loading_older"))
            elif self.exhausted:
                info.append(" · " + t("wishlist.info.all_loaded"))
            else:
                info.append(" · " + t("wishlist.info.older", key=self.key("wishlist.older")))
        if self.filter_text:
            info.append(" · " + t("wishlist.info.filter"))
            info.append_text(literal(self.filter_text, style="bold", single_line=True))
            if count and not visible:
                info.append(" · " + t("wishlist.info.no_match"))
        self.query_one("#wishlist-info", Static).update(info, layout=False)

    # -- filter and sort ---------------------------------------------------------------------
    def action_filter(self) -> None:
        self.add_class("-filtering")
        self.filter_field.focus()

    def _filter_value(self, value: str) -> None:
        self.filter_text = value
        # Not `reveal`: a character that leaves the rows on screen as they were (most of them,
        # while a name is typed) leaves the held ones held, as a batch does. Revealed, they
        # pushed every row on screen down at each key: the whole table redrawn with the
        # echo, a screenful of bytes per key while rows stream in. Rows on screen that the
        # new text does move reveal them (WishlistTable.show).
        self._show()

    @on(Input.Changed, "#wishlist-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        event.stop()  # shown already (_filter_value)

    @on(Input.Submitted, "#wishlist-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if not event.value:
            self.remove_class("-filtering")
        self.table.focus()

    def on_key(self, event: events.Key) -> None:
        # Esc in the filter field, or in the table while a filter is set: clear and close it.
        if event.key == "escape" and (self.filter_field.has_focus or self.filter_text):
            event.stop()
            self.filter_field.value = ""  # _filter_value re-shows every row
            self.remove_class("-filtering")
            self.table.focus()

    def action_cycle_sort(self) -> None:
        # From the wished-for day, `s` goes back to the first column sort.
        index = SORTS.index(self.sort) + 1 if self.sort in SORTS else 0
        self.sort = SORTS[index % len(SORTS)]
        self._show(reveal=True)

    def action_toggle_desired_sort(self) -> None:
        self.sort = "time" if self.sort == DESIRED else DESIRED
        self._show(reveal=True)

    def action_cycle_status(self) -> None:
        choices = STATUS_FILTERS
        self.status_filter = choices[(choices.index(self.status_filter) + 1) % len(choices)]
        self._show(reveal=True)

    # -- the entry and messaging -------------------------------------------------------------
    @on(WishlistTable.Selected, "#wishlist-table")
    def _row_selected(self, event: WishlistTable.Selected) -> None:
        event.stop()
        self.action_open_entry()

    def action_open_entry(self) -> None:
        entry = self.table.entry_at_cursor()
        if entry is None:
            self.notify(t("wishlist.notice.nothing_selected"), markup=False)
            return
        session = self.ctx.session
        timezone = session.tenant_timezone if session else "UTC"
        self.app.push_screen(WishlistEntryScreen(entry, timezone, self.ctx.clock))

    def action_message_client(self) -> None:
        entry = self.table.entry_at_cursor()
        if entry is None:
            self.notify(t("wishlist.notice.nothing_selected"), markup=False)
            return
        # The main screen routes it to the Commands tab's composer.
        self.post_message(ComposeMessageRequest(entry.client_id, entry.client_name, None))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return allowed(self.app, action, parameters)

    # -- older entries -----------------------------------------------------------------------
    def action_load_older(self) -> None:
        if self.loading_older:
            return
        if self.exhausted:
            self.notify(t("wishlist.notice.older_none"), markup=False)
            return
        oldest = min(self.entries.values(), key=age, default=None)
        if oldest is None:
            self.notify(t("wishlist.notice.older_none"), markup=False)
            return
        self.loading_older = True
        self._render_info(self._visible_now())
        self._fetch_older(Cursor(oldest.created_at, str(oldest.id)), self.PAGE_SIZE)

    @work(exclusive=True, group="wishlist-older", exit_on_error=False)
    async def _fetch_older(self, before: Cursor, limit: int) -> None:
        try:
            entries = await self.ctx.require_services().wishlist.page(limit=limit, before=before)
        except ServiceError as exc:
            self.post_message(self.LoadFailed(failure_text(exc)))
            return
        self.post_message(self.OlderLoaded([Wish.of(entry) for entry in entries], limit))

    @on(OlderLoaded)
    def _older_loaded(self, message: OlderLoaded) -> None:
        message.stop()
        self.loading_older = False
        for entry in message.entries:
            # A live update may have brought a newer version meanwhile: that one wins.
            self.entries.setdefault(entry.key, entry)
        self.limit = max(self.limit, len(self.entries))
        self.exhausted = len(message.entries) < message.requested
        if not message.entries:
            self.notify(t("wishlist.notice.older_none"), markup=False)
        self._show()

    @on(LoadFailed)
    def _load_failed(self, message: LoadFailed) -> None:
        message.stop()
        self.loading_older = False
        self._render_info(self._visible_now())
        self.notify(message.reason, severity="error", markup=False)

    def worker_failed(self, worker: Worker[Any]) -> None:
        # tui/worker_failures.py: an unexpected error must not leave "loading older" for ever.
        if worker.group == "wishlist-older":
            self.loading_older = False
            self._render_info(self._visible_now())

    def _visible_now(self) -> list[Wish]:
        return [e for key in self.table.keys if (e := self.entries.get(key)) is not None]

    def refresh_permissions(self) -> None:
        super().refresh_permissions()
        self.screen.refresh_bindings()
