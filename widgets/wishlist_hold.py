"""Which new wishlist rows wait before they are shown, and which lines a change repaints.

Pure functions of the table's keys, so the rules are tested without a screen. Textual writes
every cell of a repainted line to the terminal (about 170 bytes at 120 columns), so a live row
that moved every row on screen down a line cost a whole table's worth of bytes; these keep a
live row to the lines that really change.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence

from widgets.wishlist_row import Wish

# Rows on screen a new row may push down at once, while none is held: about 1 KB at 120
# columns, so a live row in a short list stays within its 2 KB.
SHORT_LIST = 6
# (display order, entries by key, highlighted keys, cursor row) as the table had them.
TableState = tuple[Sequence[str], Mapping[str, Wish], Collection[str], int]


def held_arrivals(
    everything: Sequence[str],
    held: Sequence[str],
    arrivals: Collection[str],
    top: int,
    rows: int,
    short: int = SHORT_LIST,
) -> list[str]:
    """The keys to hold back, in display order: those already `held`, and the `arrivals`
    that would move a row on screen (the `rows` rows from `top`).

    An arrival lands at its place among the rows already shown; it moves the shown rows on
    screen at and after that place. One that lands after the last row shown (an empty table,
    or below everything) or below the screen moves nothing. While nothing is held, arrivals
    that move at most `short` rows on screen are shown at once: a short list is seen whole,
    and a few lines cost little; once one is held, the next ones wait too, so the rows stay
    in order.
    """
    waiting = set(held)
    new = set(arrivals) - waiting
    shown = len(everything) - len(waiting) - len(new)
    window_end = min(shown, top + rows)
    places: dict[str, int] = {}
    place = 0
    for key in everything:
        if key in new:
            places[key] = place
        elif key not in waiting:
            place += 1
    moving = {key for key, at in places.items() if at < window_end}
    if moving and not waiting:
        # Above the screen (scrolled down), a row would slide every row on screen: it waits.
        first = min(places[key] for key in moving)
        if top <= first and window_end - first <= short:
            moving = set()
    return [key for key in everything if key in waiting or key in moving]


def window_moved(before: Sequence[str], after: Sequence[str], top: int, rows: int) -> bool:
    """Whether a row that was on screen (rows from `top` on) is gone from its line: deleted,
    trimmed, filtered out, or pushed by a row shown at once. A row only added after the last
    one does not count."""
    for row in range(top, min(top + rows, len(before))):
        if row >= len(after) or after[row] != before[row]:
            return True
    return False


def changed_lines(before: TableState, after: TableState, top: int, rows: int) -> Iterator[int]:
    """The table's lines (1 is the first row under the header) on screen, the rows from
    `top` on, whose drawing differs between `before` and `after`."""
    old_order, old_entries, old_fresh, old_cursor = before
    order, entries, fresh, cursor = after
    for row in range(top, top + rows):
        old = old_order[row] if row < len(old_order) else None
        new = order[row] if row < len(order) else None
        if old is None and new is None:
            break
        if (
            new is None
            or old != new
            or (
                old_entries.get(new) is not entries.get(new)
                or (new in old_fresh) != (new in fresh)
                or (row == old_cursor) != (row == cursor)
            )
        ):
            yield row - top + 1
