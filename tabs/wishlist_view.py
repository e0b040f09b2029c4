"""What the wishlist tab shows of its entries: the status filter, the text filter, the order
and the counts line. Pure functions of the entries, so they are tested without a screen."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import date, datetime, time
from typing import Any

from rich.text import Text

from core.i18n import number, t
from widgets.wishlist_row import STATUSES, Wish, is_overdue

SORTS = ("time", "name", "service", "status")
# `d` toggles between creation time (the feed's order) and the wished-for day.
DESIRED = "desired"
# Open first (the default): what still needs someone; then everything; then each status.
STATUS_FILTERS = ("open", "all", *STATUSES)
CLOSED = frozenset({"booked", "cancelled"})
_NOT_DIGITS = re.compile(r"\D")


def age(entry: Wish) -> tuple[datetime, int, str]:
    """Newest-first order, as the service pages it: created_at, then the numeric id."""
    number = entry.id if isinstance(entry.id, int) else -1
    return entry.created_at, number, str(entry.id)


def status_shown(status: str, choice: str) -> bool:
    if choice == "all":
        return True
    if choice == "open":
        # Waiting and offered; a status the dashboard does not know yet is shown too, since
        # hiding it by default would hide it from everyone.
        return status not in CLOSED
    return status == choice


def matches(entry: Wish, needle: str, digits: str) -> bool:
    """Case-insensitive on name, phone, service, staff and comment; digits match a phone's."""
    fields = (
        entry.client_name,
        entry.client_phone,
        entry.service_title,
        entry.staff_name,
        entry.comment,
    )
    if any(needle in (value or "").casefold() for value in fields):
        return True
    return len(digits) >= 3 and digits in _NOT_DIGITS.sub("", entry.client_phone or "")


def select(entries: Iterable[Wish], choice: str, text: str) -> list[Wish]:
    """The entries the status choice and the text filter both let through."""
    needle = text.strip().casefold()
    digits = _NOT_DIGITS.sub("", needle)
    return [
        entry
        for entry in entries
        if status_shown(entry.status, choice) and (not needle or matches(entry, needle, digits))
    ]


def desired_key(entry: Wish) -> tuple[bool, date, time]:
    """Soonest wished-for day first, then the window's start; rows with no day go last."""
    return (
        entry.desired_date is None,
        entry.desired_date or date.max,
        entry.desired_from or time.min,
    )


_RANK = {status: index for index, status in enumerate(STATUSES)}


def column(sort: str) -> Callable[[Wish], Any] | None:
    """The chosen column's part of the order (after it, the newest first); None: by time."""
    if sort == DESIRED:
        return desired_key
    if sort == "name":
        return lambda e: (e.client_name or "").casefold()
    if sort == "service":
        return lambda e: (e.service_title or "").casefold()
    if sort == "status":
        return lambda e: (_RANK.get(e.status, len(_RANK)), e.status)
    return None


def ordered(entries: list[Wish], sort: str) -> list[Wish]:
    """Newest first, then stably by the chosen column (tabs/wishlist_order.py keeps the same
    order row by row)."""
    newest = sorted(entries, key=age, reverse=True)
    part = column(sort)
    return newest if part is None else sorted(newest, key=part)


def counts_line(
    entries: Iterable[Wish], choice: str, today: date, width: int | None = None
) -> Text:
    """`Открытые 3 · ! 1 просрочена · ждёт 2 · предложено 1 · записан 1 · отменено 2`: the
    chosen filter and how many rows it shows, the overdue ones, then every status's count,
    the shown ones in bold (bold, not a colour: it reads under NO_COLOR too).

    Within `width` cells, whole items are left out rather than one cut mid-word with its
    number lost: first the statuses nobody is in, then from the end; `…` says some are."""
    by_status: Counter[str] = Counter()
    overdue = 0
    total = 0
    for entry in entries:
        total += 1
        by_status[entry.status] += 1
        overdue += is_overdue(entry, today)
    shown = sum(n for status, n in by_status.items() if status_shown(status, choice))
    choice_label = t(f"wishlist.show.{choice}")
    head = Text()
    head.append(
        t("wishlist.statuses.summary", choice=choice_label, shown=number(shown)), style="bold"
    )
    # (text, style, may be left out first): what needs someone comes first.
    items: list[tuple[str, str, bool]] = []
    if overdue:
        items.append((t("wishlist.statuses.overdue", count=overdue), "bold", False))
    for status in STATUSES:
        style = "bold" if status_shown(status, choice) and choice != "all" else ""
        label = f"{t(f'wishlist.status.{status}')} {number(by_status[status])}"
        items.append((label, style, by_status[status] == 0))
    other = total - sum(by_status[status] for status in STATUSES)
    if other:
        items.append((t("wishlist.statuses.other", count=other), "", False))

    def joined(kept: list[tuple[str, str, bool]], cut: bool) -> Text:
        line = head.copy()
        for text, style, _ in kept:
            line.append(" · ")
            line.append(text, style=style)
        if cut:
            line.append(" · …")
        return line

    line = joined(items, cut=False)
    if width is None or line.cell_len <= width:
        return line
    kept = [item for item in items if not item[2]]
    while kept and joined(kept, cut=True).cell_len > width:
        kept.pop()
    return joined(kept, cut=True)
