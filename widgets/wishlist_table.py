"""The live wishlist table: a Line API view of a keyed row store.

`show(entries)` makes the table display exactly `entries`, in that order. The store is the
display order (a list of keys) and the entries by key; nothing per row is built until the row
is drawn, and a drawn line is cached against the entry object itself, so an unchanged entry of
a new batch (the same immutable Wish) costs one identity check. Only the lines on screen are
ever rendered (`render_line`), which is what keeps 50,000 paged-in rows cheap, and a batch is
one `refresh()` whatever its size. The cursor stays on the row key it was on.

Built on `ScrollView` and `Strip` alone (public Textual API): DataTable's row dictionaries,
index and caches cost memory and loop time a live table of this size cannot spend, and
tuning them meant writing its private attributes.

Which columns fit a width, and how wide each is: `widgets/wishlist_columns.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from time import monotonic
from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.timer import Timer

from core.i18n import t
from widgets.literal import visible
from widgets.timefmt import short_time, zone
from widgets.wishlist_columns import fit, plan_columns
from widgets.wishlist_row import (
    STATUSES,
    Wish,
    compact_phone,
    is_overdue,
    slot_text,
    status_label,
)

__all__ = ["STATUSES", "WishlistTable", "plan_columns"]

# A fresh entry stands out this long. Highlights that are over go out with the next batch's
# redraw; one timer, reset by every batch, clears them once the rows stop coming. (A timer per
# batch redrew the table 3 s after each: under 100 rows/s as many redraws again as batches.)
# Nothing ticks while idle.
HIGHLIGHT_SECONDS = 3.0
# How long after a highlight is over the timer waits for a batch to take it out instead.
HIGHLIGHT_GRACE = 0.25
# Cells never need more than a wide terminal's width; longer text is cut before it is read.
CELL_LIMIT = 200
# Drawn lines kept: a few screens at 200×60; an unchanged row is found here by identity.
LINE_CACHE = 400
# The overdue mark: a sign, not only a colour, so NO_COLOR and monochrome terminals show it.
OVERDUE_MARK = "!"


class WishlistTable(ScrollView, can_focus=True):
    DEFAULT_CSS = """
    WishlistTable {
        height: 1fr;
        scrollbar-gutter: stable;
        scrollbar-size-vertical: 1;
        background: $surface;
        color: $foreground;
        &:focus {
            background-tint: $foreground 5%;
            & > .wishlist-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
        }
        & > .wishlist-table--header { text-style: bold; background: $panel; color: $foreground; }
        & > .wishlist-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        & > .wishlist-table--fresh { text-style: bold; color: $text-success; }
        & > .wishlist-table--overdue { text-style: bold; color: $text-warning; }
    }
    """
    COMPONENT_CLASSES = {
        "wishlist-table--header",
        "wishlist-table--cursor",
        "wishlist-table--fresh",
        "wishlist-table--overdue",
    }
    # Moving within the table, as DataTable does; Enter belongs to the tab (the registry).
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor_up", show=False),
        Binding("down", "cursor_down", show=False),
        Binding("pageup", "page_up", show=False),
        Binding("pagedown", "page_down", show=False),
        Binding("home", "first", show=False),
        Binding("end", "last", show=False),
    ]

    @dataclass
    class Selected(Message):
        """A row was clicked while the cursor was already on it."""

        table: WishlistTable
        key: str

        @property
        def control(self) -> WishlistTable:
            return self.table

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.timezone = "UTC"
        self.clock: Callable[[], datetime] | None = None
        self.order: list[str] = []
        self.entries: dict[str, Wish] = {}
        self.fresh: dict[str, float] = {}  # key → the monotonic time its highlight ends
        self.fading: Timer | None = None
        self.cursor_row = 0
        self.now = datetime.now(UTC)
        self.today: date = self.now.date()
        self.plan: tuple[tuple[str, int], ...] = plan_columns(80)
        self.lines: LRUCache[str, tuple[Wish, bool, Strip]] = LRUCache(LINE_CACHE)
        self.looks: dict[str, Style] = {}

    # -- the public surface ------------------------------------------------------------------
    @property
    def row_count(self) -> int:
        return len(self.order)

    @property
    def keys(self) -> list[str]:
        """Row keys in display order."""
        return list(self.order)

    @property
    def fresh_keys(self) -> frozenset[str]:
        """Keys highlighted right now (new entries, for HIGHLIGHT_SECONDS)."""
        return frozenset(self.fresh)

    @property
    def cursor_key(self) -> str | None:
        row = self.cursor_row
        return self.order[row] if 0 <= row < len(self.order) else None

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.plan)

    def entry_at_cursor(self) -> Wish | None:
        key = self.cursor_key
        return self.entries.get(key) if key is not None else None

    def show(self, entries: Sequence[Wish], *, fresh: Collection[str] = ()) -> None:
        """Display exactly `entries` in this order; `fresh` keys are highlighted for a moment."""
        clock = monotonic()
        self.fresh = {key: end for key, end in self.fresh.items() if end > clock}
        self.fresh.update(dict.fromkeys(fresh, clock + HIGHLIGHT_SECONDS))
        self.fade_later(clock)
        self.now = self.clock() if self.clock else datetime.now(UTC)
        today = self.now.astimezone(zone(self.timezone)).date()
        if today != self.today:
            # Times read `HH:MM` today and carry the date otherwise, and what is overdue
            # moves with the day: a new day redraws every line.
            self.today = today
            self.lines.clear()
        cursor_key, cursor_row = self.cursor_key, self.cursor_row
        self.order = [entry.key for entry in entries]
        self.entries = {entry.key: entry for entry in entries}
        if cursor_key is not None and cursor_key in self.entries:
            self.cursor_row = self.order.index(cursor_key)
        else:
            self.cursor_row = min(max(cursor_row, 0), max(len(self.order) - 1, 0))
        self.virtual_size = Size(self.size.width, len(self.order) + 1)
        self.refresh()

    def move_cursor(self, row: int) -> None:
        if not self.order:
            return
        self.cursor_row = min(max(row, 0), len(self.order) - 1)
        self.scroll_to_cursor()
        self.refresh()

    def fade_later(self, clock: float) -> None:
        if self.fading is not None:
            self.fading.stop()
            self.fading = None
        if self.fresh:
            delay = min(self.fresh.values()) - clock + HIGHLIGHT_GRACE
            self.fading = self.set_timer(max(delay, 0.0), self.fade)

    def fade(self) -> None:
        """No batch came to take the highlights that are over out: take them out alone."""
        self.fading = None
        clock = monotonic()
        over = [key for key, end in self.fresh.items() if end <= clock]
        for key in over:
            del self.fresh[key]
        if over:
            self.refresh()
        self.fade_later(clock)

    # -- moving ------------------------------------------------------------------------------
    @property
    def page_rows(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def scroll_to_cursor(self) -> None:
        top = round(self.scroll_offset.y)
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False)
        elif self.cursor_row >= top + self.page_rows:
            self.scroll_to(y=self.cursor_row - self.page_rows + 1, animate=False)

    def action_cursor_up(self) -> None:
        self.move_cursor(self.cursor_row - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(self.cursor_row + 1)

    def action_page_up(self) -> None:
        self.move_cursor(self.cursor_row - self.page_rows)

    def action_page_down(self) -> None:
        self.move_cursor(self.cursor_row + self.page_rows)

    def action_first(self) -> None:
        self.move_cursor(0)

    def action_last(self) -> None:
        self.move_cursor(len(self.order) - 1)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < 1:
            return
        row = round(self.scroll_offset.y) + offset.y - 1
        if not 0 <= row < len(self.order):
            return
        if row == self.cursor_row:
            self.post_message(self.Selected(self, self.order[row]))
        else:
            self.move_cursor(row)

    def on_resize(self, event: events.Resize) -> None:
        plan = plan_columns(event.size.width)
        if plan != self.plan:
            self.plan = plan
            self.lines.clear()
        self.virtual_size = Size(event.size.width, len(self.order) + 1)
        self.scroll_to_cursor()

    def notify_style_update(self) -> None:
        # Focus, hover or a theme change restyles the widget: cached lines carry the old look.
        super().notify_style_update()
        self.looks.clear()
        self.lines.clear()

    # -- drawing -----------------------------------------------------------------------------
    def look(self, name: str) -> Style:
        """The widget's base style, or it with a component class on top, resolved once."""
        style = self.looks.get(name)
        if style is None:
            base = self.rich_style
            style = base if name == "base" else base + self.get_component_rich_style(name)
            self.looks[name] = style
        return style

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if y == 0:
            return self.header_strip(width)
        row = round(self.scroll_offset.y) + y - 1
        if not 0 <= row < len(self.order):
            return Strip.blank(width, self.look("base"))
        key = self.order[row]
        wish = self.entries[key]
        fresh = key in self.fresh
        if row == self.cursor_row:
            return self.row_strip(wish, fresh, width, cursor=True)
        cached = self.lines.get(key)
        if cached is not None and cached[0] is wish and cached[1] == fresh:
            return cached[2]
        strip = self.row_strip(wish, fresh, width, cursor=False)
        self.lines[key] = (wish, fresh, strip)
        return strip

    def header_strip(self, width: int) -> Strip:
        style = self.look("wishlist-table--header")
        text = " " + "".join(" " + fit(t(f"wishlist.col.{name}"), size) for name, size in self.plan)
        return self.strip([(text, style)], width, style)

    def row_strip(self, wish: Wish, fresh: bool, width: int, *, cursor: bool) -> Strip:
        kind = "wishlist-table--fresh" if fresh else "base"
        base = self.look(kind)
        if cursor:
            base += self.look("wishlist-table--cursor")
        warn = base + self.look("wishlist-table--overdue")
        overdue = is_overdue(wish, self.today)
        runs: list[tuple[str, Style]] = [(OVERDUE_MARK, warn) if overdue else (" ", base)]
        for name, size in self.plan:
            text, unknown = self.cell(name, wish, size)
            style = warn if overdue and name == "desired" else base
            if unknown:
                style = style + Style(italic=True)
            runs.append((" " + fit(visible(text[:CELL_LIMIT], single_line=True), size), style))
        return self.strip(runs, width, base)

    @staticmethod
    def strip(runs: list[tuple[str, Style]], width: int, pad: Style) -> Strip:
        """One Strip of `width` cells: neighbouring runs of one style become one segment (fewer
        segments for the compositor to cut), padded or cropped to the widget's width."""
        segments: list[Segment] = []
        text, style = runs[0]
        for next_text, next_style in runs[1:]:
            if next_style is style or next_style == style:
                text += next_text
            else:
                segments.append(Segment(text, style))
                text, style = next_text, next_style
        segments.append(Segment(text, style))
        length = sum(cell_len(segment.text) for segment in segments)
        if length < width:
            segments.append(Segment(" " * (width - length), pad))
        elif length > width:
            return Strip(segments, length).crop(0, width)
        return Strip(segments, width)

    def cell(self, name: str, wish: Wish, size: int) -> tuple[str, bool]:
        """A cell's text, and whether it is a status the dashboard does not know."""
        if name == "time":
            return short_time(wish.created_at, self.timezone, self.now), False
        if name == "client":
            return wish.client_name or "", False
        if name == "phone":
            return compact_phone(wish.client_phone), False
        if name == "service":
            return wish.service_title or "", False
        if name == "desired":
            return slot_text(wish, self.today), False
        if name == "staff":
            return wish.staff_name or "", False
        if name == "status":
            label = status_label(wish.status)
            return (label, False) if label is not None else (wish.status, True)
        return wish.comment or "", False
