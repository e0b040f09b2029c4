"""The wishlist's shown rows kept in order as batches come: each row goes in by bisection.

`ordered` (tabs/wishlist_view.py) sorts every entry: newest first, then by the chosen column,
stable. Re-run for each batch, with the filter's match over every entry, it took most of a
batch's time at 100 rows/s, and a key typed meanwhile waited for it. `sort_key` is the same
order as one key per entry, so a new or changed row finds its place in O(log n), and a row
the filter does not let through never touches the shown list.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from tabs.wishlist_view import age, column, select
from widgets.wishlist_row import Wish


class Newest:
    """An entry's age that sorts the newest first."""

    __slots__ = ("age",)

    def __init__(self, entry: Wish) -> None:
        self.age: tuple[datetime, int, str] = age(entry)

    def __lt__(self, other: Newest) -> bool:
        return other.age < self.age

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Newest) and other.age == self.age

    def __hash__(self) -> int:
        return hash(self.age)


def sort_key(sort: str) -> Callable[[Wish], tuple[Any, Newest]]:
    """`ordered(…, sort)` as one key: the column, then the newest first (the id breaks ties,
    so no two entries share a key)."""
    part = column(sort) or (lambda e: 0)
    return lambda e: (part(e), Newest(e))


class ShownRows:
    """The entries the status choice and the text filter let through, in the sort's order."""

    def __init__(self, rows: list[Wish], sort: str, choice: str, text: str) -> None:
        self.key = sort_key(sort)
        self.choice, self.text = choice, text
        self.rows = rows
        # Made by the first batch, not by the key that changed the filter or the sort.
        self.made: list[tuple[Any, Newest]] | None = None

    @property
    def keys(self) -> list[tuple[Any, Newest]]:
        if self.made is None:
            self.made = [self.key(entry) for entry in self.rows]
        return self.made

    def discard(self, entry: Wish) -> bool:
        """Take `entry` (this very version of it) out; whether it was shown."""
        place = bisect_left(self.keys, self.key(entry))
        if place < len(self.rows) and self.rows[place].key == entry.key:
            del self.rows[place]
            del self.keys[place]
            return True
        return False

    def add(self, entry: Wish) -> bool:
        """Put `entry` in its place if the filter lets it through; whether it was."""
        if not select((entry,), self.choice, self.text):
            return False
        key = self.key(entry)
        place = bisect_left(self.keys, key)
        self.rows.insert(place, entry)
        self.keys.insert(place, key)
        return True

    def replace(self, old: Wish | None, new: Wish) -> bool:
        """`old` (None: a new entry) became `new`; whether the shown rows changed."""
        gone = old is not None and self.discard(old)
        return self.add(new) or gone

    def drop(self, entries: Iterable[Wish]) -> bool:
        changed = False
        for entry in entries:
            changed = self.discard(entry) or changed
        return changed
