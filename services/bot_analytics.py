"""The bot's part in the salon's figures: the wishlist funnel, hand-offs, bookings it brought.

Pure computation over plain inputs (no I/O), so every figure can be checked by hand on a small
fixed data set; `services/bot_activity.py` reads the inputs. The definitions, with their blind
spots, are in `docs/analytics.md`:
- the funnel counts the wishlist entries created in the period, by the furthest stage each
  reached (from the status events the dashboard records, and the current status);
- a hand-off is an event of a conversation entering `waiting_human` in the period; its answer
  time runs to the first staff message after it;
- a YClients booking is the bot's when its client's phone (normalised) is the phone of a
  wishlist entry of the period and the booking was made after the entry.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Any

from services.phones import phone_digits

OFFERED_OR_LATER = frozenset({"offered", "booked"})
HANDOFF_STATUS = "waiting_human"


@dataclass(frozen=True, slots=True)
class WishInput:
    id: str
    created_at: datetime
    status: str  # now
    phone: str | None
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class StatusEvent:
    source: str  # "wishlist" or "conversation"
    row_id: str
    status: str
    at: datetime


@dataclass(frozen=True, slots=True)
class StaffMessage:
    session_id: str
    at: datetime


@dataclass(frozen=True, slots=True)
class BookingInput:
    """A YClients record as the match needs it."""

    id: int
    phone: str
    created: datetime | None
    revenue: Decimal  # the services' costs
    attendance: int  # YClients: 1 came, 0 pending, -1 no-show, 2 confirmed
    deleted: bool


@dataclass(frozen=True, slots=True)
class BotDay:
    day: date
    created: int
    booked: int
    handoffs: int


@dataclass(frozen=True, slots=True)
class BotReport:
    period_from: date
    period_to: date
    created: int
    offered: int
    booked: int
    cancelled: int
    conversion: float | None  # booked / created
    median_to_booked_s: float | None
    handoffs: int
    handoffs_answered: int
    median_first_answer_s: float | None
    matched_bookings: int
    matched_revenue: Decimal
    entries_without_phone: int
    days: tuple[BotDay, ...]

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "period": {"from": self.period_from.isoformat(), "to": self.period_to.isoformat()},
            "wishlist": {
                "created": self.created,
                "offered": self.offered,
                "booked": self.booked,
                "cancelled": self.cancelled,
                "conversion": self.conversion,
                "median_to_booked_seconds": self.median_to_booked_s,
            },
            "handoffs": {
                "total": self.handoffs,
                "answered": self.handoffs_answered,
                "median_first_answer_seconds": self.median_first_answer_s,
                "by_day": {d.day.isoformat(): d.handoffs for d in self.days},
            },
            "yclients": {
                "matched_bookings": self.matched_bookings,
                "matched_revenue": f"{self.matched_revenue:.2f}",
                "entries_without_phone": self.entries_without_phone,
            },
            "by_day": [
                {
                    "date": d.day.isoformat(),
                    "created": d.created,
                    "booked": d.booked,
                    "handoffs": d.handoffs,
                }
                for d in self.days
            ],
        }


def _median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def compute_bot_report(
    *,
    period_from: date,
    period_to: date,
    tz: tzinfo,
    wishes: Iterable[WishInput],
    events: Iterable[StatusEvent],
    staff_messages: Iterable[StaffMessage],
    bookings: Iterable[BookingInput],
) -> BotReport:
    """The report for the period's local days [period_from, period_to] in the salon's zone."""

    def local_day(at: datetime) -> date:
        return at.astimezone(tz).date()

    def in_period(at: datetime) -> bool:
        return period_from <= local_day(at) <= period_to

    period_wishes = [w for w in wishes if in_period(w.created_at)]
    events = list(events)
    wish_events: dict[str, list[StatusEvent]] = {}
    for event in events:
        if event.source == "wishlist":
            wish_events.setdefault(event.row_id, []).append(event)

    offered = booked = cancelled = 0
    to_booked: list[float] = []
    booked_days: dict[date, int] = {}
    for wish in period_wishes:
        seen = {e.status for e in wish_events.get(wish.id, ())} | {wish.status}
        if seen & OFFERED_OR_LATER:
            offered += 1
        if wish.status == "booked":
            booked += 1
            booked_at = min(
                (e.at for e in wish_events.get(wish.id, ()) if e.status == "booked"),
                default=wish.updated_at,
            )
            if booked_at is not None:
                to_booked.append(max(0.0, (booked_at - wish.created_at).total_seconds()))
                booked_days[local_day(booked_at)] = booked_days.get(local_day(booked_at), 0) + 1
        elif wish.status == "cancelled":
            cancelled += 1

    handoff_events = [
        e
        for e in events
        if e.source == "conversation" and e.status == HANDOFF_STATUS and in_period(e.at)
    ]
    replies: dict[str, list[datetime]] = {}
    for message in staff_messages:
        replies.setdefault(message.session_id, []).append(message.at)
    answer_times: list[float] = []
    for event in handoff_events:
        after = [at for at in replies.get(event.row_id, ()) if at > event.at]
        if after:
            answer_times.append((min(after) - event.at).total_seconds())
    handoff_days: dict[date, int] = {}
    for event in handoff_events:
        handoff_days[local_day(event.at)] = handoff_days.get(local_day(event.at), 0) + 1

    # Each booking counts once, for the earliest entry of its phone made before it.
    first_entry: dict[str, datetime] = {}
    without_phone = 0
    for wish in period_wishes:
        digits = phone_digits(wish.phone or "")
        if len(digits) < 5:
            without_phone += 1
            continue
        if digits not in first_entry or wish.created_at < first_entry[digits]:
            first_entry[digits] = wish.created_at
    matched = 0
    revenue = Decimal(0)
    for booking in bookings:
        if booking.deleted or booking.created is None:
            continue
        since = first_entry.get(phone_digits(booking.phone))
        if since is not None and booking.created > since:
            matched += 1
            # Revenue as the salon's figures count it: a visit that took place.
            if booking.attendance == 1:
                revenue += booking.revenue

    created_days: dict[date, int] = {}
    for wish in period_wishes:
        day = local_day(wish.created_at)
        created_days[day] = created_days.get(day, 0) + 1
    created = len(period_wishes)
    return BotReport(
        period_from=period_from,
        period_to=period_to,
        created=created,
        offered=offered,
        booked=booked,
        cancelled=cancelled,
        conversion=booked / created if created else None,
        median_to_booked_s=_median(to_booked),
        handoffs=len(handoff_events),
        handoffs_answered=len(answer_times),
        median_first_answer_s=_median(answer_times),
        matched_bookings=matched,
        matched_revenue=revenue,
        entries_without_phone=without_phone,
        days=tuple(
            BotDay(
                day=day,
                created=created_days.get(day, 0),
                booked=booked_days.get(day, 0),
                handoffs=handoff_days.get(day, 0),
            )
            for day in _days(period_from, period_to)
        ),
    )
