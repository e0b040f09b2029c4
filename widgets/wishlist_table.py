"""The live wishlist table: a projection of entries, kept in sync by a keyed diff.

`show(entries)` makes the table display exactly `entries`, in that order, touching only what
differs: rows of keys that left are removed, new keys are added, changed cells are updated
(`update_width=False`), and the order is fixed with one `sort()` only when it changed. It never
calls `clear()` for data; only a change of the width plan (a terminal resize, made by a person)
rebuilds the columns. The cursor stays on the row key it was on.

Column widths depend on the table's width alone, never on the data, so a row arriving with a
long name cannot make the columns jump.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from functools import partial
from typing import Any, NamedTuple, cast

from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.padding import Padding
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual._two_way_dict import TwoWayDict
from textual._types import SegmentLines
from textual.cache import LRUCache
from textual.widgets import DataTable
from textual.widgets.data_table import CellKey, ColumnKey, RowKey

from core.i18n import t
from services.models import WishlistEntry
from widgets.literal import literal
from widgets.timefmt import short_time, zone

COLUMNS = ("time", "client", "phone", "service", "status", "comment")
COLUMN_KEYS = tuple(ColumnKey(column) for column in COLUMNS)
STATUSES = ("waiting", "offered", "booked", "cancelled")
# A fresh entry stands out this long; one one-shot timer per batch, nothing ticks while idle.
HIGHLIGHT_SECONDS = 3.0
# Cells never need more than a wide terminal's width; longer text is cut before measuring.
CELL_LIMIT = 200
# Up to this many rows leave through DataTable.remove_row; more go in one bulk step.
BULK_REMOVE = 8
# Render caches sized to a few screens at 200×60 (60 rows of 6 cells). DataTable's own (10,000
# cells, 1,000 rows and lines) fill with entries that the next live batch invalidates anyway,
# and those hundred thousand objects made every full garbage collection longer.
CELL_CACHE = 1000
LINE_CACHE = 200
_FIXED = {"time": 11, "phone": 13, "status": 10}
_PHONE_NOISE = re.compile(r"[\s\-().]")
_PHONE_SHAPE = re.compile(r"\+?\d{5,15}")


def plan_widths(table_width: int, cell_padding: int = 1) -> dict[str, int]:
    """Column widths for a table `table_width` cells wide (scrollbar gutter included)."""
    usable = max(40, table_width - 2 - 2 * cell_padding * len(COLUMNS))
    flex = max(24, usable - sum(_FIXED.values()))
    # Names first at 80 columns; past that the comment gets the room (it is the longest).
    client = min(26, max(12, flex * 45 // 100))
    service = min(24, max(8, flex * 28 // 100))
    comment = max(6, flex - client - service)
    return {**_FIXED, "client": client, "service": service, "comment": comment}


def compact_phone(raw: str | None) -> str:
    """`+7 912 000-00-01` → `+79120000001` (saves 4 columns); anything else as typed."""
    if not raw:
        return ""
    squeezed = _PHONE_NOISE.sub("", raw)
    return squeezed if _PHONE_SHAPE.fullmatch(squeezed) else raw


class Wish(NamedTuple):
    """A wishlist entry as the UI keeps it. A pydantic WishlistEntry costs about 1.4 KB; this
    keeps the same strings in a plain tuple (about half), which is what lets 50,000 paged-in
    rows fit the memory goal. Built once per delivered entry, so identity means "unchanged"."""

    key: str
    id: int | str
    client_id: str
    client_name: str | None
    client_phone: str | None
    service_title: str | None
    comment: str | None
    status: str
    created_at: datetime

    @classmethod
    def of(cls, entry: WishlistEntry) -> Wish:
        service = entry.service_title
        return cls(
            entry.key,
            entry.id,
            entry.client_id,
            entry.client_name,
            entry.client_phone,
            # A salon has a few dozen services and four statuses: one string object each.
            sys.intern(service) if service is not None and len(service) < 64 else service,
            entry.comment,
            sys.intern(entry.status),
            entry.created_at,
        )


def status_label(status: str) -> str | None:
    return t(f"wishlist.status.{status}") if status in STATUSES else None


class Cell:
    """One cell, rendered only when drawn: it holds the raw value (often the very string of
    the entry, so 50,000 rows cost little) and turns it into literal Text on demand. A str
    cell would be parsed as markup; this never is."""

    __slots__ = ("raw", "style")

    def __init__(self, raw: str, style: Style | None) -> None:
        self.raw = raw
        self.style = style

    def text(self) -> Text:
        text = literal(self.raw, style=self.style or "", single_line=True, limit=CELL_LIMIT)
        text.overflow = "ellipsis"
        return text

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.text()

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        # Every column has a fixed width: measuring each new cell would be wasted work (and
        # no `__rich__`, which would make DataTable build a Text just to measure it).
        return Measurement(1, 1)


class RowCells(Mapping[ColumnKey, Cell]):
    """One row's cells where DataTable keeps them (`_data`), made when asked for.

    DataTable stores a dict of cell objects per row: with six Cells that is about 700 bytes a
    row, most of the 50,000-row memory budget. This holds the entry, its time text and its two
    styles (about 80 bytes) and builds a Cell for whoever reads one; only drawn cells are read,
    and drawn bodies are cached by their text and style (WishlistTable._render_cell)."""

    __slots__ = ("status_style", "style", "time", "wish")

    def __init__(
        self, wish: Wish, time: str, style: Style | None, status_style: Style | None
    ) -> None:
        self.wish = wish
        self.time = time
        self.style = style
        self.status_style = status_style

    def __getitem__(self, column: object) -> Cell:
        name = getattr(column, "value", column)
        wish = self.wish
        if name == "time":
            return Cell(self.time, self.style)
        if name == "client":
            return Cell(wish.client_name or "", self.style)
        if name == "phone":
            return Cell(compact_phone(wish.client_phone), self.style)
        if name == "service":
            return Cell(wish.service_title or "", self.style)
        if name == "status":
            label = status_label(wish.status)
            return Cell(label if label is not None else wish.status, self.status_style)
        if name == "comment":
            return Cell(wish.comment or "", self.style)
        raise KeyError(column)

    def __iter__(self) -> Iterator[ColumnKey]:
        return iter(COLUMN_KEYS)

    def __len__(self) -> int:
        return len(COLUMN_KEYS)

    def same_as(self, other: RowCells) -> bool:
        return (
            self.wish is other.wish
            and self.time == other.time
            and self.style is other.style
            and self.status_style is other.status_style
        )


class WishlistTable(DataTable[Cell]):
    DEFAULT_CSS = """
    WishlistTable { height: 1fr; scrollbar-gutter: stable; }
    WishlistTable > .wishlist-table--fresh { text-style: bold; color: $text-success; }
    """
    COMPONENT_CLASSES = {"wishlist-table--fresh"}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(cursor_type="row", id=id, zebra_stripes=False)
        self.timezone = "UTC"
        self.clock: Callable[[], datetime] | None = None
        self._plan: dict[str, int] | None = None
        self._day: date | None = None
        self._order: list[str] = []
        self._shown: dict[str, Wish] = {}
        self._fresh: set[str] = set()
        self._styles: dict[tuple[bool, bool], Style | None] = {}
        self._bodies: LRUCache[tuple[str, Style | None, int], SegmentLines] = LRUCache(CELL_CACHE)
        self._cell_render_cache = LRUCache(CELL_CACHE)
        self._row_render_cache = LRUCache(LINE_CACHE)
        self._row_renderable_cache = LRUCache(LINE_CACHE)
        self._line_cache = LRUCache(LINE_CACHE)
        self.diffs = 0  # how many diffs reached the table (benchmarks, tests)

    # -- the public surface ------------------------------------------------------------------
    @property
    def keys(self) -> list[str]:
        """Row keys in display order."""
        return list(self._order)

    @property
    def fresh_keys(self) -> frozenset[str]:
        """Keys highlighted right now (new entries, for HIGHLIGHT_SECONDS)."""
        return frozenset(self._fresh)

    @property
    def cursor_key(self) -> str | None:
        row = self.cursor_row
        return self._order[row] if 0 <= row < len(self._order) else None

    def entry_at_cursor(self) -> Wish | None:
        key = self.cursor_key
        return self._shown.get(key) if key is not None else None

    def show(self, entries: Sequence[Wish], *, fresh: Collection[str] = ()) -> None:
        """Display exactly `entries` in this order; `fresh` keys are highlighted for a moment."""
        if fresh:
            self._fresh.update(fresh)
            self.set_timer(HIGHLIGHT_SECONDS, partial(self._expire, frozenset(fresh)))
        if self._plan is None:
            # No columns before the first layout: remember, draw on the first resize.
            self._shown = {entry.key: entry for entry in entries}
            self._order = [entry.key for entry in entries]
            return
        self._diff(entries)

    # -- the diff ----------------------------------------------------------------------------
    def _diff(self, entries: Sequence[Wish]) -> None:
        self.diffs += 1
        now = self.clock() if self.clock else datetime.now(UTC)
        day = now.astimezone(zone(self.timezone)).date()
        # Times read `HH:MM` today and carry the date otherwise: a new day redraws them all.
        all_stale, self._day = day != self._day, day
        cursor_key, cursor_row = self.cursor_key, self.cursor_row
        wanted = [entry.key for entry in entries]
        wanted_set = set(wanted)
        self._remove_rows([key for key in self._order if key not in wanted_set])
        kept = [key for key in self._order if key in wanted_set]
        added: list[str] = []
        for entry in entries:
            key = entry.key
            shown = self._shown.get(key)
            if shown is entry and not all_stale:
                continue  # the same (immutable) entry as last time: nothing to compare
            row = self._make_row(entry, now)
            if shown is None:
                self._cells_by_row[self.add_row(key=key)] = row
                added.append(key)
            else:
                self._replace_row(key, row)
            self._shown[key] = entry
        order = kept + added
        if order != wanted:
            self._reorder(wanted)
        self._order = wanted
        self._restore_cursor(cursor_key, cursor_row)

    def _remove_rows(self, keys: list[str]) -> None:
        for key in keys:
            del self._shown[key]
        if len(keys) <= BULK_REMOVE:
            for key in keys:
                self.remove_row(key)
            return
        # DataTable.remove_row rebuilds the whole row index for each row (O(n) apiece): a burst
        # pushing 500 rows out stalled the loop for a second. This is its bookkeeping, done once
        # (mirrors remove_row of the pinned Textual 8.2.8).
        gone = set(keys)
        survivors = sorted(
            (index, row_key)
            for row_key in self._row_locations
            if row_key.value not in gone and (index := self._row_locations.get(row_key)) is not None
        )
        self._row_locations = TwoWayDict({row_key: i for i, (_, row_key) in enumerate(survivors)})
        for key in keys:
            row_key = RowKey(key)
            for column_key in self._data[row_key]:
                self._updated_cells.discard(CellKey(row_key, column_key))
            del self.rows[row_key], self._data[row_key]
        self._require_update_dimensions = True
        self.check_idle()
        self.cursor_coordinate = self.cursor_coordinate
        self.hover_coordinate = self.hover_coordinate
        self._update_count += 1
        self.refresh(layout=True)

    def _restore_cursor(self, key: str | None, row: int) -> None:
        if not self._order:
            return
        if key is not None and key in self._shown:
            target = self._order.index(key)
        else:
            target = min(max(row, 0), len(self._order) - 1)
        if target != self.cursor_row:
            self.move_cursor(row=target, animate=False)

    @property
    def _cells_by_row(self) -> dict[RowKey, Any]:
        # DataTable's `_data`, which holds RowCells here rather than dicts (same Mapping).
        return cast("dict[RowKey, Any]", self._data)

    def _replace_row(self, key: str, new: RowCells) -> None:
        """The row's entry or look changed: swap its cells (what DataTable.update_cell does
        for one cell, for the whole row at once; the widths are fixed, nothing to measure)."""
        row_key = RowKey(key)
        old = self._data[row_key]
        if isinstance(old, RowCells) and old.same_as(new):
            return
        self._cells_by_row[row_key] = new  # the dict keeps its original RowKey object
        self._update_count += 1
        self.refresh()

    def _reorder(self, wanted: list[str]) -> None:
        """Rows in `wanted` order: DataTable.sort's bookkeeping, without sorting by cells."""
        row_keys = {row_key.value: row_key for row_key in self._data}
        self._row_locations = TwoWayDict({row_keys[key]: i for i, key in enumerate(wanted)})
        self._update_count += 1
        self.refresh()

    def _expire(self, keys: frozenset[str]) -> None:
        self._fresh -= keys
        if self._plan is None:
            return
        now = self.clock() if self.clock else datetime.now(UTC)
        with self.app.batch_update():
            for key in keys & self._shown.keys():
                self._replace_row(key, self._make_row(self._shown[key], now))

    # -- rendering ---------------------------------------------------------------------------
    def _style(self, fresh: bool, unknown: bool) -> Style | None:
        """Shared Style objects, so 'did the style change' is an identity check."""
        if (fresh, unknown) not in self._styles:
            style = self.get_component_rich_style("wishlist-table--fresh") if fresh else Style()
            if unknown:
                style += Style(italic=True)
            self._styles[(fresh, unknown)] = style if (fresh or unknown) else None
        return self._styles[(fresh, unknown)]

    def _make_row(self, entry: Wish, now: datetime) -> RowCells:
        fresh = entry.key in self._fresh
        return RowCells(
            entry,
            short_time(entry.created_at, self.timezone, now),
            self._style(fresh, False),
            self._style(fresh, status_label(entry.status) is None),
        )

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> SegmentLines:
        # DataTable keys its cell cache on an update counter that every added, removed or
        # sorted row bumps, so each live batch re-rendered every visible cell through Rich
        # (about 20 ms a frame at 120×40). A cell's own segments depend only on the cell and
        # the width: they are kept here, and a frame only re-applies the row's styles, exactly
        # as DataTable does (Styled(Padding(cell)) with the same pre and post styles). Header
        # and label cells keep DataTable's path.
        row_key = self._row_locations.get_key(row_index)
        column_key = self._column_locations.get_key(column_index)
        if row_key is None or column_key is None or self.fixed_rows or self.fixed_columns:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        cache_key = (
            row_key,
            column_key,
            base_style,
            cursor,
            hover,
            self._show_hover_cursor,
            self._update_count,
            self._pseudo_class_state,
        )
        cached = self._cell_render_cache.get(cache_key)
        if cached is not None:
            return cached
        cell = self._data[row_key][column_key]
        body_key = (cell.raw, cell.style, width)
        body = self._bodies.get(body_key)
        if body is None:
            options = self.app.console_options.update_dimensions(width, 1).update(no_wrap=True)
            body = self.app.console.render_lines(Padding(cell, (0, self.cell_padding)), options)
            self._bodies[body_key] = body
        component_style, post_style = self._get_styles_to_render_cell(
            False,
            False,
            False,
            hover,
            cursor,
            self.show_cursor,
            self._show_hover_cursor,
            self.cursor_foreground_priority == "css",
            self.cursor_background_priority == "css",
        )
        pre_style = base_style + Style.from_meta({"row": row_index, "column": column_index})
        pre_style += component_style
        lines = [list(Segment.apply_style(line, pre_style, post_style)) for line in body]
        self._cell_render_cache[cache_key] = lines
        return lines

    # -- columns -----------------------------------------------------------------------------
    def on_resize(self, event: events.Resize) -> None:
        plan = plan_widths(event.size.width, self.cell_padding)
        if plan == self._plan:
            return
        entries = [self._shown[key] for key in self._order]
        cursor_key = self.cursor_key
        with self.app.batch_update():
            if self._plan is not None:
                # A resize is rare and made by a person: rebuilding the columns then is fine,
                # the live path (show) never clears.
                self.clear(columns=True)
            self._order, self._shown = [], {}
            self._plan = plan
            for column in COLUMNS:
                self.add_column(t(f"wishlist.col.{column}"), width=plan[column], key=column)
            self._diff(entries)
            if cursor_key is not None and cursor_key in self._shown:
                self.move_cursor(row=self._order.index(cursor_key), animate=False)
