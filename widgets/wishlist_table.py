"""The live wishlist table: a Line API view of a keyed row store.

`show(entries)` makes the table display `entries`, in that order. The store is the display
order (a list of keys) and the entries by key; a drawn line is cached against the entry object
itself, so an unchanged entry of a new batch (the same immutable Wish) costs one identity
check. Only the lines on screen are rendered (`render_line`), which keeps 50,000 paged-in rows
cheap, and a batch repaints only the lines on screen whose row changed: Textual writes every
cell of a repainted line to the terminal, and over a slow SSH link that is what a live row
costs. The cursor stays on the row key it was on.

Rows on screen do not move by themselves: a new entry (`fresh`) that would push more than a
few of them down is held back (`held_keys`; `widgets/wishlist_hold.py`) and the tab announces
it on its info line, until Home, `g`, ↑ past the first row or the wheel at the top reveal it.
Moving every row down a line rewrites the whole table (a screenful of bytes per client) and
jumps the rows under the user's eyes; in a short list, or below the screen, it is shown at once.

Built on `ScrollView` and `Strip` alone (public Textual API): DataTable's row dictionaries,
index and caches cost memory and loop time a live table of this size cannot spend. Which
columns fit a width, and how wide each is: `widgets/wishlist_columns.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import partial
from typing import ClassVar

from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from core.i18n import t
from widgets.literal import visible
from widgets.scroll_length import set_length
from widgets.timefmt import zone
from widgets.wishlist_columns import fit, joined_strip, plan_columns
from widgets.wishlist_hold import changed_lines, held_arrivals, window_moved
from widgets.wishlist_row import STATUSES, Wish, cell_text, is_overdue

__all__ = ["STATUSES", "WishlistTable", "plan_columns"]

# A fresh entry stands out this long; one one-shot timer per batch, nothing ticks while idle.
HIGHLIGHT_SECONDS = 3.0
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
        /* Columns fit the width: a horizontal bar would be a line repainted with every row. */
        overflow-x: hidden;
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
    # Home is the registry's `wishlist.newest` too (Home, g): here it must replace
    # ScrollableContainer's own Home, which would only scroll.
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

    class Revealed(Message):
        """The held rows were shown: the line announcing them is out of date."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.timezone = "UTC"
        self.clock: Callable[[], datetime] | None = None
        self.order: list[str] = []
        # Every key `show` was given, in order: `order` and the held keys, interleaved.
        self.everything: list[str] = []
        self.held: list[str] = []
        self.entries: dict[str, Wish] = {}
        self.fresh: set[str] = set()
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
    def all_keys(self) -> list[str]:
        """Row keys in display order with the held ones in their place: what Home shows."""
        return list(self.everything)

    @property
    def held_keys(self) -> tuple[str, ...]:
        """New entries waiting to be shown, in display order (newest first by time)."""
        return tuple(self.held)

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

    def show(
        self, entries: Sequence[Wish], *, fresh: Collection[str] = (), reveal: bool = False
    ) -> None:
        """Display `entries` in this order. `fresh` keys are new entries: highlighted for a
        moment, or held back if they would move a row on screen; `reveal` shows every held
        one (the user changed what the table shows: a filter, a sort)."""
        self.now = self.clock() if self.clock else datetime.now(UTC)
        today = self.now.astimezone(zone(self.timezone)).date()
        redraw = False
        if today != self.today:
            # Times read `HH:MM` today and carry the date otherwise, and what is overdue
            # moves with the day: a new day redraws every line.
            self.today = today
            self.lines.clear()
            redraw = True
        before = (self.order, self.entries, self.fresh.copy(), self.cursor_row)
        cursor_key, cursor_row = self.cursor_key, self.cursor_row
        known = self.entries  # shown and held
        self.everything = [entry.key for entry in entries]
        self.entries = {entry.key: entry for entry in entries}
        arrivals = [key for key in fresh if key in self.entries and key not in known]
        top = round(self.scroll_offset.y)
        order = self.everything
        if not reveal:
            still = [key for key in self.held if key in self.entries]
            self.held = held_arrivals(self.everything, still, arrivals, top, self.page_rows)
            order = self.without_held()
            # Rows on screen that move anyway (a delete, the cap trimming the oldest) are
            # repainted anyway: the held ones join them in that repaint.
            reveal = bool(self.held) and window_moved(self.order, order, top, self.page_rows)
        if reveal:
            arrivals += [key for key in self.held if key in self.entries]
            self.held = []
            order = self.everything
        self.order = order
        self.highlight(key for key in arrivals if key not in self.held)
        if cursor_key is not None and cursor_key in self.entries:
            self.cursor_row = self.order.index(cursor_key)
        else:
            self.cursor_row = min(max(cursor_row, 0), max(len(self.order) - 1, 0))
        self.set_length()
        if redraw:
            self.refresh()
        else:
            self.repaint_changed(*before)

    def without_held(self) -> list[str]:
        if not self.held:
            return self.everything
        waiting = frozenset(self.held)
        return [key for key in self.everything if key not in waiting]

    def set_length(self) -> None:
        """The scrollable height: a header line and the rows (widgets/scroll_length.py)."""
        set_length(self, len(self.order) + 1)

    def reveal(self) -> bool:
        """Show the held rows (highlighted as new); False if none were held."""
        if not self.held:
            return False
        cursor_key = self.cursor_key
        self.highlight(self.held)
        self.held = []
        self.order = self.everything
        if cursor_key is not None:
            self.cursor_row = self.order.index(cursor_key)
        self.set_length()
        self.refresh()
        self.post_message(self.Revealed())
        return True

    def highlight(self, keys: Iterable[str]) -> None:
        new = frozenset(keys)
        if new:
            self.fresh |= new
            self.set_timer(HIGHLIGHT_SECONDS, partial(self.expire, new))

    def repaint_changed(
        self, order: list[str], entries: dict[str, Wish], fresh: set[str], cursor: int
    ) -> None:
        """Repaint the lines on screen whose row is not what it was: another row, another
        version of it, the highlight or the cursor come or gone."""
        top = round(self.scroll_offset.y)
        for y in changed_lines(
            (order, entries, fresh, cursor),
            (self.order, self.entries, self.fresh, self.cursor_row),
            top,
            self.page_rows,
        ):
            self.refresh(Region(0, y, self.size.width, 1))

    def move_cursor(self, row: int) -> None:
        if not self.order:
            return
        before = (self.order, self.entries, self.fresh, self.cursor_row)
        self.cursor_row = min(max(row, 0), len(self.order) - 1)
        # A scroll repaints the whole table by itself; otherwise two lines change.
        self.scroll_to_cursor()
        self.repaint_changed(*before)

    def expire(self, keys: frozenset[str]) -> None:
        before = (self.order, self.entries, self.fresh.copy(), self.cursor_row)
        self.fresh -= keys
        self.repaint_changed(*before)

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
        # Up past the first row goes on into the held rows above it.
        if self.cursor_row == 0:
            self.reveal()
        self.move_cursor(self.cursor_row - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(self.cursor_row + 1)

    def action_page_up(self) -> None:
        if self.cursor_row == 0:
            self.reveal()
        self.move_cursor(self.cursor_row - self.page_rows)

    def action_page_down(self) -> None:
        self.move_cursor(self.cursor_row + self.page_rows)

    def action_first(self) -> None:
        """The newest rows: the held ones shown, the cursor on the first row."""
        self.reveal()
        self.move_cursor(0)

    def action_last(self) -> None:
        self.move_cursor(len(self.order) - 1)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        # The wheel turned up at the top: the user is after what is above, the held rows.
        if round(self.scroll_offset.y) == 0 and self.reveal():
            event.stop()

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
        return joined_strip([(text, style)], width, style)

    def row_strip(self, wish: Wish, fresh: bool, width: int, *, cursor: bool) -> Strip:
        kind = "wishlist-table--fresh" if fresh else "base"
        base = self.look(kind)
        if cursor:
            base += self.look("wishlist-table--cursor")
        warn = base + self.look("wishlist-table--overdue")
        overdue = is_overdue(wish, self.today)
        runs: list[tuple[str, Style]] = [(OVERDUE_MARK, warn) if overdue else (" ", base)]
        for name, size in self.plan:
            text, unknown = cell_text(name, wish, self.timezone, self.now, self.today)
            style = warn if overdue and name == "desired" else base
            if unknown:
                style = style + Style(italic=True)
            runs.append((" " + fit(visible(text[:CELL_LIMIT], single_line=True), size), style))
        return joined_strip(runs, width, base)
