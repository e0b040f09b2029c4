"""Conversation scripts for the demo: whole threads for the seed, single next lines for the
simulator. Everything is drawn from one `random.Random`, so a seed gives the same words.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from devstack import demo_corpus as c

BOT_HANDOFF_LINE = c.BOT_HANDOFF[1]
OUTCOMES = ("booked", "wishlist", "handoff", "handoff_answered", "price", "abandoned")
OUTCOME_WEIGHTS = (40, 15, 15, 12, 10, 8)


@dataclass(frozen=True)
class Line:
    role: str  # client | bot | staff
    text: str
    gap: float  # seconds after the previous line (or after the session started)
    author: str | None = None  # staff lines: who wrote it


@dataclass(frozen=True)
class Thread:
    outcome: str
    service: c.Service
    staff: c.Staff
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class WishlistWish:
    service: c.Service
    staff: c.Staff | None
    comment: str | None
    day_offset: int  # days from today in the salon's timezone
    hour_from: int
    hour_to: int

    def day(self, today: date) -> date | None:
        """The wished-for day; a client who waits for a call or takes any weekend names none
        (the bot leaves `desired_date` empty, as it does for a real vague wish)."""
        if self.comment in NO_DAY_COMMENTS:
            return None
        return today + timedelta(days=self.day_offset)

    def window(self) -> tuple[time | None, time | None]:
        """The wished-for hours, open-ended when the client only said "after" or "before"."""
        if self.comment in NO_DAY_COMMENTS:
            return None, None
        if self.comment == "Только после 18:00":
            return time(18), None
        if self.comment == "Желательно утром":
            return None, time(12)
        return time(self.hour_from), time(self.hour_to)


# Wishes that name no day: the bot writes no desired_date or window for them.
NO_DAY_COMMENTS = frozenset({"Перезвонить перед записью", "Можно в выходные"})


def iso_at(moment: datetime) -> str:
    """A message's `at`: RFC 3339 in UTC with milliseconds, the same everywhere in the demo."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def now_ms() -> datetime:
    """Now, cut to the millisecond `iso_at` keeps, so `last_message_at` equals the last `at`."""
    moment = datetime.now(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _rub(amount: int) -> str:
    return f"{amount:,}".replace(",", "\u00a0")  # 2 500, with a non-breaking space


def _fill(template: str, values: dict[str, Any]) -> str:
    return template.format(**values)


def _values(
    rng: random.Random,
    tenant: str,
    client: c.Person,
    service: c.Service,
    staff: c.Staff,
    admin: str,
) -> dict[str, Any]:
    day_ask, day_answer = rng.choice(c.DAYS)
    offered = c.slots(rng, rng.randint(2, 4))
    return {
        "client": client.first,
        "acc": service.acc,
        "acc_cap": service.acc[:1].upper() + service.acc[1:],
        "price": _rub(service.price),
        "minutes": service.minutes,
        "day_ask": day_ask,
        "day_answer": day_answer,
        "day_answer_cap": day_answer[:1].upper() + day_answer[1:],
        "staff": staff.name,
        "staff_dative": staff.dative,
        "slots": ", ".join(offered),
        "slot": rng.choice(offered),
        "address": c.ADDRESSES[tenant],
        "admin": admin.split()[0],
    }


def pick_service(rng: random.Random, tenant: str) -> tuple[c.Service, c.Staff]:
    service = rng.choice(c.SERVICES[tenant])
    staff = rng.choice([s for s in c.STAFF[tenant] if s.category == service.category])
    return service, staff


def _bot_gap(rng: random.Random) -> float:
    return rng.uniform(2, 25)


def _client_gap(rng: random.Random) -> float:
    return rng.choice((rng.uniform(20, 180), rng.uniform(180, 1800)))


def build_thread(
    rng: random.Random, tenant: str, client: c.Person, admin: str, opening: str | None = None
) -> Thread:
    """A whole conversation ending in one of OUTCOMES; `opening` replaces the first client line."""
    outcome = rng.choices(OUTCOMES, weights=OUTCOME_WEIGHTS)[0]
    service, staff = pick_service(rng, tenant)
    v = _values(rng, tenant, client, service, staff, admin)
    lines = [Line("client", opening or _fill(rng.choice(c.OPENINGS), v), 0.0)]

    def say(role: str, templates: tuple[str, ...], gap: float, author: str | None = None) -> None:
        lines.append(Line(role, _fill(rng.choice(templates), v), gap, author))

    if outcome == "price":
        say("bot", c.PRICE_ANSWERS, _bot_gap(rng))
        if rng.random() < 0.5:
            say("client", c.CLIENT_THANKS, _client_gap(rng))
    elif outcome in ("booked", "abandoned"):
        say("bot", c.BOT_OFFERS, _bot_gap(rng))
        if outcome == "booked":
            say("client", c.CLIENT_PICKS, _client_gap(rng))
            say("bot", c.BOT_CONFIRMS, _bot_gap(rng))
            if rng.random() < 0.6:
                say("client", c.CLIENT_THANKS, _client_gap(rng))
    elif outcome == "wishlist":
        say("bot", c.BOT_NO_SLOTS, _bot_gap(rng))
        say("client", c.CLIENT_WISHLIST_YES, _client_gap(rng))
        say("bot", c.BOT_WISHLIST_DONE, _bot_gap(rng))
    else:
        question, reply = rng.choice(c.HANDOFF_CASES)
        say("bot", c.BOT_OFFERS, _bot_gap(rng))
        lines.append(Line("client", _fill(question, v), _client_gap(rng)))
        say("bot", c.BOT_HANDOFF, _bot_gap(rng))
        if outcome == "handoff_answered":
            lines.append(Line("staff", _fill(reply, v), rng.uniform(120, 2400), admin))
            if rng.random() < 0.5:
                say("client", c.CLIENT_THANKS, _client_gap(rng))
    return Thread(outcome, service, staff, tuple(lines))


def opening_line(rng: random.Random, tenant: str, client: c.Person, admin: str) -> Line:
    """The first client message of a new conversation."""
    service, staff = pick_service(rng, tenant)
    return Line(
        "client",
        _fill(rng.choice(c.OPENINGS), _values(rng, tenant, client, service, staff, admin)),
        0.0,
    )


def next_line(
    rng: random.Random,
    tenant: str,
    *,
    client_first: str,
    last_role: str | None,
    bot_paused: bool,
    admin: str,
) -> Line:
    """What comes next in an open conversation: the bot answers the client unless it is paused,
    in which case the client keeps writing and a human sometimes answers."""
    service, staff = pick_service(rng, tenant)
    client = c.Person(client_first, "", True)
    v = _values(rng, tenant, client, service, staff, admin)
    if bot_paused:
        if last_role == "client" and rng.random() < 0.5:
            return Line("staff", _fill(rng.choice(c.STAFF_FOLLOWUPS), v), 0.0, admin)
        return Line("client", _fill(rng.choice(c.CLIENT_FOLLOWUPS), v), 0.0)
    if last_role == "client":
        return Line("bot", _fill(rng.choice(c.BOT_FOLLOWUPS), v), 0.0)
    return Line("client", _fill(rng.choice(c.CLIENT_FOLLOWUPS), v), 0.0)


def wish(rng: random.Random, tenant: str) -> WishlistWish:
    service, staff = pick_service(rng, tenant)
    hour_from = rng.choice((10, 11, 12, 14, 16, 18))
    return WishlistWish(
        service=service,
        staff=staff if rng.random() < 0.6 else None,
        comment=rng.choice(c.WISHLIST_COMMENTS),
        day_offset=rng.randint(0, 14),
        hour_from=hour_from,
        hour_to=min(hour_from + rng.choice((2, 3, 4)), 21),
    )
