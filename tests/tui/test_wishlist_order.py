"""The shown rows kept in order row by row (tabs/wishlist_order.py) are always what filtering and
sorting every entry again gives, whatever the batches did: new rows, changed ones (a name, a
status, a day, so a new place), deleted ones, under every sort and filter."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

import pytest

from tabs.wishlist_order import ShownRows
from tabs.wishlist_view import DESIRED, SORTS, ordered, select
from widgets.wishlist_row import STATUSES, Wish

BASE = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
NAMES = ("Анна", "анна", "Борис", "Вера", None, "Яна 912")
SERVICES = ("Стрижка", "Маникюр", None)


def wish(pick: random.Random, n: int) -> Wish:
    return Wish(
        str(n),
        n,
        f"tg:{n}",
        pick.choice(NAMES),
        pick.choice(("+7 912 000-00-01", None)),
        pick.choice(SERVICES),
        None,
        pick.choice((*STATUSES, "new-status")),
        # Same minutes for several rows: the id decides, as in `age`.
        BASE + timedelta(minutes=pick.randrange(30)),
        desired_date=pick.choice((None, date(2026, 12, 1), date(2026, 11, 28))),
        desired_from=pick.choice((None, time(10), time(18))),
    )


@pytest.mark.parametrize("sort", [*SORTS, DESIRED])
@pytest.mark.parametrize(("choice", "text"), [("open", ""), ("all", "ан"), ("waiting", "912")])
def test_rows_kept_row_by_row_are_the_rows_sorted_again(sort: str, choice: str, text: str) -> None:
    pick = random.Random(f"{sort}{choice}{text}")
    entries = {str(n): wish(pick, n) for n in range(40)}
    shown = ShownRows(ordered(select(entries.values(), choice, text), sort), sort, choice, text)
    changes = 0
    for n in range(40, 400):
        roll = pick.random()
        if roll < 0.5:
            new = wish(pick, n)
            old = None
        elif roll < 0.8:
            # Another version of a row: its cells, and maybe its place, change.
            old = entries[pick.choice(list(entries))]
            new = wish(pick, int(old.id))
        else:
            gone = entries.pop(pick.choice(list(entries)))
            changes += shown.discard(gone)
            continue
        entries[new.key] = new
        changes += shown.replace(old, new)
        assert shown.rows == ordered(select(entries.values(), choice, text), sort)
    assert changes > 20, "the rows shown did change, and were followed"


def test_a_row_the_filter_does_not_let_through_changes_nothing() -> None:
    pick = random.Random(1)
    rows = [wish(pick, n)._replace(client_name="Анна", status="waiting") for n in range(5)]
    shown = ShownRows(ordered(rows, "time"), "time", "open", "анна")
    other = wish(pick, 99)._replace(client_name="Борис", client_phone=None, service_title=None)
    assert not shown.replace(None, other)
    assert shown.rows == ordered(rows, "time")
