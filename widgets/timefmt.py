"""Times as staff read them: in the salon's timezone, absolute (nothing ticks on screen)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def short_time(moment: datetime | None, tz: str, now: datetime) -> str:
    """`14:03` today, `24.11 14:03` this year, `24.11.2025` before."""
    if moment is None:
        return "—"
    local = moment.astimezone(zone(tz))
    today = now.astimezone(zone(tz))
    if local.date() == today.date():
        return local.strftime("%H:%M")
    if local.year == today.year:
        return local.strftime("%d.%m %H:%M")
    return local.strftime("%d.%m.%Y")


def clock_time(moment: datetime, tz: str) -> str:
    return moment.astimezone(zone(tz)).strftime("%H:%M")
