"""Which new wishlist rows wait above the screen, and which lines a change repaints: the
rules that keep a live row to a few lines of terminal output."""

from __future__ import annotations

from datetime import UTC, datetime

from widgets.wishlist_hold import SHORT_LIST, changed_lines, held_arrivals, window_moved
from widgets.wishlist_row import Wish

KEYS = [f"r{n}" for n in range(40)]  # the rows shown, newest first


def wish(key: str, status: str = "waiting") -> Wish:
    return Wish(key, 1, "tg:1", key, None, None, None, status, datetime(2026, 1, 1, tzinfo=UTC))


def test_a_row_that_moves_nothing_or_a_short_list_is_shown_at_once() -> None:
    assert held_arrivals(["new"], [], ["new"], top=0, rows=20) == [], "an empty table"
    short = KEYS[:SHORT_LIST]
    assert held_arrivals(["new", *short], [], ["new"], top=0, rows=20) == []
    # Below the last row on screen: nothing on screen moves.
    assert held_arrivals([*KEYS[:25], "new", *KEYS[25:]], [], ["new"], top=0, rows=20) == []
    assert held_arrivals([*KEYS, "new"], [], ["new"], top=30, rows=20) == [], "after the last"


def test_a_row_that_would_push_the_rows_on_screen_waits_and_the_next_ones_too() -> None:
    longer = KEYS[: SHORT_LIST + 1]
    assert held_arrivals(["new", *longer], [], ["new"], top=0, rows=20) == ["new"]
    assert held_arrivals(["b", "a", *KEYS], [], ["b", "a"], top=0, rows=20) == ["b", "a"]
    # Scrolled down: a row landing above the screen moves every row on it, even a few.
    assert held_arrivals(["new", *KEYS], [], ["new"], top=10, rows=20) == ["new"]
    assert held_arrivals(["new", *KEYS[:12]], [], ["new"], top=10, rows=20) == ["new"]
    # Once one waits, a newer one waits with it, even in a short list: the order holds.
    assert held_arrivals(["b", "a", "r0"], ["a"], ["b"], top=0, rows=20) == ["b", "a"]
    # A held row deleted meanwhile is no longer given: it is gone from what waits.
    assert held_arrivals(["b", *KEYS], ["b"], [], top=0, rows=20) == ["b"]


def test_a_row_gone_from_the_screen_moves_it_an_appended_one_does_not() -> None:
    assert window_moved(KEYS, KEYS[1:], top=0, rows=20), "the first row deleted"
    assert window_moved(KEYS[:10], KEYS[:9], top=0, rows=20), "the last row on screen trimmed"
    assert not window_moved(KEYS[:30], KEYS[:25], top=0, rows=20), "trimmed below the screen"
    assert not window_moved(KEYS[:5], [*KEYS[:5], "new"], top=0, rows=20)


def test_only_the_lines_whose_row_changed_are_repainted() -> None:
    entries = {key: wish(key) for key in KEYS}
    before = (KEYS, entries, set(), 0)
    assert list(changed_lines(before, before, top=0, rows=20)) == []
    updated = {**entries, "r3": wish("r3", "offered")}
    assert list(changed_lines(before, (KEYS, updated, set(), 0), top=0, rows=20)) == [4]
    assert list(changed_lines(before, (KEYS, entries, set(), 2), 0, 20)) == [1, 3], "the cursor"
    assert list(changed_lines(before, (KEYS, entries, {"r12"}, 0), 10, 5)) == [3], "scrolled"
    assert list(changed_lines(before, (["new", *KEYS], entries, set(), 0), 0, 5)) == [1, 2, 3, 4, 5]
    assert list(changed_lines(before, (KEYS[:2], entries, set(), 0), 0, 5)) == [3, 4, 5]
