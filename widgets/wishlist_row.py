"""A wishlist entry as the UI keeps it, and the words its cells show.

Pure functions of an entry and the salon's day: the table, the tab's filters and the entry
screen all read a row through them, so a cell and the entry screen never disagree.
"""

from __future__ import annotations

import json
import re
import sys
from datetime import date, datetime, time
from typing import Any, NamedTuple

from core.i18n import t
from services.models import WishlistEntry
from widgets.timefmt import short_time

STATUSES = ("waiting", "offered", "booked", "cancelled")
_PHONE_NOISE = re.compile(r"[\s\-().]")
_PHONE_SHAPE = re.compile(r"\+?\d{5,15}")


class Wish(NamedTuple):
    """A wishlist entry as the UI keeps it. A pydantic WishlistEntry costs about 1.4 KB; this
    keeps the same objects in a plain tuple (about half), which is what lets 50,000 paged-in
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
    updated_at: datetime | None = None
    staff_name: str | None = None
    desired_date: date | None = None
    desired_from: time | None = None
    desired_to: time | None = None
    # The row's columns the dashboard does not know, as (name, value) in the row's order;
    # None (not an empty tuple per row) when there are none, the usual case.
    extra: tuple[tuple[str, Any], ...] | None = None

    @classmethod
    def of(cls, entry: WishlistEntry) -> Wish:
        return cls(
            entry.key,
            entry.id,
            entry.client_id,
            entry.client_name,
            entry.client_phone,
            # A salon has a few dozen services and staff and four statuses: one object each.
            _shared(entry.service_title),
            entry.comment,
            sys.intern(entry.status),
            entry.created_at,
            entry.updated_at,
            _shared(entry.staff_name),
            entry.desired_date,
            entry.desired_time_from,
            entry.desired_time_to,
            tuple(entry.extra_columns.items()) or None,
        )


def _shared(text: str | None) -> str | None:
    return sys.intern(text) if text is not None and len(text) < 64 else text


def status_label(status: str) -> str | None:
    return t(f"wishlist.status.{status}") if status in STATUSES else None


def compact_phone(raw: str | None) -> str:
    """`+7 912 000-00-01` → `+79120000001` (saves 4 columns); anything else as typed."""
    if not raw:
        return ""
    squeezed = _PHONE_NOISE.sub("", raw)
    return squeezed if _PHONE_SHAPE.fullmatch(squeezed) else raw


def is_overdue(wish: Wish, today: date) -> bool:
    """Still waiting for a day that has passed (the salon's day): someone should act."""
    return wish.status == "waiting" and wish.desired_date is not None and wish.desired_date < today


def slot_text(wish: Wish, today: date) -> str:
    """`ср 10.12 18:00–20:00`: the wished-for day and window as the bot wrote them, the
    salon's wall clock (no zone to convert). Parts the row leaves empty are left out; a row
    with none of them gives "" (an empty cell). Another year than today's is written out."""
    parts: list[str] = []
    day = wish.desired_date
    if day is not None:
        written = day.strftime("%d.%m") if day.year == today.year else day.strftime("%d.%m.%Y")
        parts.append(f"{t(f'wishlist.weekday.{day.weekday()}')} {written}")
    start, end = wish.desired_from, wish.desired_to
    if start is not None and end is not None:
        parts.append(f"{start:%H:%M}–{end:%H:%M}")
    elif start is not None:
        parts.append(t("wishlist.slot.from", time=f"{start:%H:%M}"))
    elif end is not None:
        parts.append(t("wishlist.slot.until", time=f"{end:%H:%M}"))
    return " ".join(parts)


def cell_text(name: str, wish: Wish, timezone: str, now: datetime, today: date) -> tuple[str, bool]:
    """The table's `name` cell of a row, and whether it is a status the dashboard does not
    know (drawn in italics)."""
    if name == "time":
        return short_time(wish.created_at, timezone, now), False
    if name == "client":
        return wish.client_name or "", False
    if name == "phone":
        return compact_phone(wish.client_phone), False
    if name == "service":
        return wish.service_title or "", False
    if name == "desired":
        return slot_text(wish, today), False
    if name == "staff":
        return wish.staff_name or "", False
    if name == "status":
        label = status_label(wish.status)
        return (label, False) if label is not None else (wish.status, True)
    return wish.comment or "", False


def raw_value(value: Any) -> str:
    """An extra column's value as it came: text as is, anything else as its JSON."""
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return repr(value)
