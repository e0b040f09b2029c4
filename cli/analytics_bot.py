"""The `bot` part of `agentp analytics --tenant`: the bot's figures for one salon, by script.

It reads Supabase with the configured secret (service) key, like `agentp user`: whoever runs
it can read every salon anyway, so `--tenant` only chooses which one is reported.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, tzinfo

from core.settings import load_settings
from services.backend import Backend
from services.bot_activity import BotActivityReader
from services.bot_analytics import BotReport


def tenant_id(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise ValueError(f"--tenant is not a salon id (a UUID): {text!r}") from None


async def bot_report(
    tenant: uuid.UUID,
    period_from: date,
    period_to: date,
    tz: tzinfo,
    yclients_raw: Sequence[str],
) -> BotReport:
    url, key = load_settings().require_supabase()
    backend = await Backend.open(url, key)
    try:
        return await BotActivityReader(backend, tenant).report(
            period_from, period_to, tz, yclients_raw=yclients_raw
        )
    finally:
        await backend.close()


def bot_table(report: BotReport) -> list[str]:
    data = report.to_json_dict()
    wish, hand, yc = data["wishlist"], data["handoffs"], data["yclients"]

    def minutes(seconds: float | None) -> str:
        return "-" if seconds is None else f"{seconds / 60:.0f} min"

    rows = (
        ("Wishlist entries created", wish["created"]),
        ("  offered", wish["offered"]),
        ("  booked", wish["booked"]),
        ("  cancelled", wish["cancelled"]),
        (
            "Conversion (booked / created)",
            "-" if report.conversion is None else f"{report.conversion:.2%}",
        ),
        ("Median time to booked", minutes(wish["median_to_booked_seconds"])),
        ("Hand-offs to staff", hand["total"]),
        ("Median time to a staff answer", minutes(hand["median_first_answer_seconds"])),
        ("YClients bookings of wishlist clients", yc["matched_bookings"]),
        ("  their revenue", yc["matched_revenue"]),
    )
    width = max(len(k) for k, _ in rows)
    return ["", f"The bot {report.period_from} .. {report.period_to}", ""] + [
        f"  {k.ljust(width)}  {v}" for k, v in rows
    ]
