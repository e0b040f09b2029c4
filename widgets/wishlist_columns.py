"""The wishlist table's columns: which fit a width, and how wide each is.

Column widths depend on the table's width alone, never on the data, so a row arriving with a
long name cannot make the columns jump; below the width all columns need, the least needed
ones are dropped (`plan_columns`).
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from core.i18n import t
from widgets.wishlist_row import STATUSES

# `ср 10.12 18:00–20:00` less its weekday.
SLOT_DAY_AND_WINDOW = len(" 10.12 18:00–20:00")


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    min: int
    max: int  # 0: takes whatever is left
    keep: int  # the lower, the sooner it goes when the width is short


# Display order. `keep` ranks what an operator needs first at 80 columns: who, when they want
# to come, the state and the service; the comment and the phone are on the entry screen.
COLUMNS = (
    ColumnSpec("time", 11, 11, 5),
    ColumnSpec("client", 10, 26, 8),
    ColumnSpec("phone", 12, 12, 2),
    ColumnSpec("service", 7, 24, 4),
    ColumnSpec("desired", 0, 0, 6),  # the whole slot, by language (slot_width)
    ColumnSpec("staff", 8, 16, 3),
    ColumnSpec("status", 0, 0, 7),  # as wide as the language's longest status
    ColumnSpec("comment", 16, 0, 1),
)


def slot_width() -> int:
    """The full `ср 10.12 18:00–20:00` in the current language (`Wed` is one cell longer)."""
    weekday = max(cell_len(t(f"wishlist.weekday.{day}")) for day in range(7))
    return weekday + SLOT_DAY_AND_WINDOW


def sized(spec: ColumnSpec) -> ColumnSpec:
    """The spec with its language-dependent widths filled in."""
    if spec.name == "desired":
        # Whole or not at all: a slot cut short of its end time misleads.
        return ColumnSpec(spec.name, slot_width(), slot_width(), spec.keep)
    if spec.name == "status":
        widest = max(cell_len(t(f"wishlist.status.{status}")) for status in STATUSES)
        return ColumnSpec(spec.name, widest, widest, spec.keep)
    return spec


def plan_columns(width: int) -> tuple[tuple[str, int], ...]:
    """(column, width) pairs for a table `width` cells wide: one cell for the overdue mark,
    one space before each column, one for the scrollbar. Columns that do not fit at their
    least are dropped, least needed first; the room left widens the others, the client's
    name fastest."""
    room = width - 2
    specs = [sized(spec) for spec in COLUMNS]
    while len(specs) > 1 and sum(spec.min + 1 for spec in specs) > room:
        specs.remove(min(specs, key=lambda spec: spec.keep))
    widths = {spec.name: spec.min for spec in specs}
    spare = room - sum(spec.min + 1 for spec in specs)
    growing = [spec for spec in specs if spec.max != spec.min]
    while spare > 0 and growing:
        for spec in list(growing):
            if spare <= 0:
                break
            if spec.max and widths[spec.name] >= spec.max:
                growing.remove(spec)
                continue
            # Names need the room most: the client column grows twice as fast.
            step = min(spare, 2 if spec.name == "client" else 1)
            widths[spec.name] += step
            spare -= step
    return tuple((spec.name, widths[spec.name]) for spec in specs)


def fit(text: str, width: int) -> str:
    """`text` in exactly `width` cells: padded, or cut with an ellipsis."""
    if cell_len(text) <= width:
        return set_cell_size(text, width)
    return set_cell_size(text, width - 1) + "…"


def joined_strip(runs: list[tuple[str, Style]], width: int, pad: Style) -> Strip:
    """One Strip of `width` cells: neighbouring runs of one style become one segment (fewer
    segments for the compositor to cut, fewer style codes sent), padded or cropped."""
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
