"""The bot's figures, each computed by hand on a small fixed data set (Moscow, 1–3 Dec 2026).

The hand computations are in the comments next to the expected values; `docs/analytics.md`
defines every figure.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from pydantic import SecretStr

from cli.analytics import add_analytics_parser, run_analytics
from devstack.demo_tenants import LOTOS
from devstack.stack import DevStack
from services.backend import Backend
from services.bot_activity import BotActivityReader, bookings_from_raw
from services.bot_analytics import (
    BookingInput,
    BotDay,
    BotReport,
    StaffMessage,
    StatusEvent,
    WishInput,
    compute_bot_report,
)
from services.phones import phone_digits
from services.yclients.client import YClientsClient
from services.yclients.models import record_from_api
from tests.services.conftest import add_session, add_wish

MSK = ZoneInfo("Europe/Moscow")
MINUTE = timedelta(minutes=1)
FIRST, LAST = date(2026, 12, 1), date(2026, 12, 3)


def msk(day: int, hour: int, minute: int = 0, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=MSK)


WISHES = [
    # w1: offered at 12:00, booked at 14:00 -> 4 h to booked.
    WishInput("w1", msk(1, 10), "booked", "+7 912 345-67-89"),
    WishInput("w2", msk(2, 9), "cancelled", None),
    # w3: an entry from before the trigger existed: no events, its status tells "offered".
    WishInput("w3", msk(2, 23, 30), "offered", "+7 900 111-22-33"),
    WishInput("w4", msk(30, 22, month=11), "booked", "+7 900 444-55-66"),  # before the period
    # w5: booked without an event: updated_at stands in -> 2 h to booked.
    WishInput("w5", msk(3, 8), "booked", "89123456780", updated_at=msk(3, 10)),
    # w6: the same phone as w1, written differently; 00:30 Moscow is still 2 Dec in UTC.
    WishInput("w6", msk(3, 0, 30), "waiting", "8 (912) 345-67-89"),
]
EVENTS = [
    StatusEvent("wishlist", "w1", "waiting", msk(1, 10)),
    StatusEvent("wishlist", "w1", "offered", msk(1, 12)),
    StatusEvent("wishlist", "w1", "booked", msk(1, 14)),
    StatusEvent("conversation", "c1", "waiting_human", msk(1, 11)),
    StatusEvent("conversation", "c2", "waiting_human", msk(2, 15)),
    StatusEvent("conversation", "c1", "waiting_human", msk(3, 9)),
    StatusEvent("conversation", "c3", "waiting_human", msk(30, 12, month=11)),  # before
    StatusEvent("conversation", "c4", "active", msk(2, 10)),  # not a hand-off
]
STAFF = [
    StaffMessage("c1", msk(1, 11, 7)),  # 7 min after the first hand-off of c1
    StaffMessage("c1", msk(1, 11, 30)),
    StaffMessage("c2", msk(2, 14)),  # before c2's hand-off: it stays unanswered
    StaffMessage("c1", msk(3, 9, 20)),  # 20 min after the second hand-off of c1
]
BOOKINGS = [
    # After w1 (10:00) with w1's phone, the client came: counted, 2,500 ₽.
    BookingInput(1, "79123456789", msk(1, 13), Decimal("2500"), 1, False),
    # Before the earliest entry with that phone: not the bot's.
    BookingInput(2, "+79123456789", msk(1, 9), Decimal("1800"), 1, False),
    # After w5 with w5's phone, visit still ahead: counted, no revenue yet.
    BookingInput(3, "+7 912 345-67-80", msk(4, 12), Decimal("3000"), 0, False),
    BookingInput(4, "+79990000000", msk(2, 12), Decimal("900"), 1, False),  # no such entry
    BookingInput(5, "79123456789", msk(2, 12), Decimal("700"), 1, True),  # deleted
]


def report() -> BotReport:
    return compute_bot_report(
        period_from=FIRST,
        period_to=LAST,
        tz=MSK,
        wishes=WISHES,
        events=EVENTS,
        staff_messages=STAFF,
        bookings=BOOKINGS,
    )


def test_the_wishlist_funnel() -> None:
    r = report()
    assert r.created == 5  # w1, w2, w3, w5, w6 (w4 is from 30 Nov)
    assert r.offered == 3  # w1 (event), w3 (status), w5 (booked)
    assert (r.booked, r.cancelled) == (2, 1)  # w1, w5; w2
    assert r.conversion == pytest.approx(2 / 5)
    assert r.median_to_booked_s == pytest.approx((4 * 3600 + 2 * 3600) / 2)


def test_handoffs_and_the_time_to_a_staff_answer() -> None:
    r = report()
    assert r.handoffs == 3  # c1 twice, c2; c3 is before the period, c4 not a hand-off
    assert r.handoffs_answered == 2  # c2 has no staff message after its hand-off
    assert r.median_first_answer_s == pytest.approx((7 * 60 + 20 * 60) / 2)


def test_bookings_matched_by_phone_after_the_entry() -> None:
    r = report()
    assert r.matched_bookings == 2  # records 1 and 3
    assert r.matched_revenue == Decimal("2500")  # record 3's visit has not taken place
    assert r.entries_without_phone == 1  # w2


def test_the_chart_by_day_in_the_salons_time_zone() -> None:
    assert report().days == (
        BotDay(date(2026, 12, 1), created=1, booked=1, handoffs=1),
        BotDay(date(2026, 12, 2), created=2, booked=0, handoffs=1),
        BotDay(date(2026, 12, 3), created=2, booked=1, handoffs=1),
    )


def test_an_empty_period_has_no_ratios_rather_than_zeros() -> None:
    r = compute_bot_report(
        period_from=FIRST,
        period_to=LAST,
        tz=MSK,
        wishes=[],
        events=[],
        staff_messages=[],
        bookings=[],
    )
    assert (r.created, r.conversion, r.median_to_booked_s, r.median_first_answer_s) == (
        0,
        None,
        None,
        None,
    )
    assert json.loads(json.dumps(r.to_json_dict()))["wishlist"]["conversion"] is None


def test_the_json_shape() -> None:
    data = report().to_json_dict()
    assert data["wishlist"] == {
        "created": 5,
        "offered": 3,
        "booked": 2,
        "cancelled": 1,
        "conversion": 0.4,
        "median_to_booked_seconds": 10800.0,
    }
    assert data["handoffs"]["by_day"] == {"2026-12-01": 1, "2026-12-02": 1, "2026-12-03": 1}
    assert data["yclients"]["matched_revenue"] == "2500.00"


def test_yclients_raw_records_give_phone_creation_and_revenue() -> None:
    raw = json.dumps(
        {
            "id": 7,
            "create_date": "2026-12-01T13:00:00",  # naive: the company's time
            "attendance": 1,
            "deleted": False,
            "client": {"id": 3, "phone": "+7 912 345-67-89"},
            "services": [{"id": 1, "cost": 1500}, {"id": 2, "cost": "1000.50"}],
        }
    )
    no_phone = json.dumps({"id": 8, "client": None, "services": []})
    (booking,) = bookings_from_raw([raw, no_phone, "not json"], MSK)
    assert booking == BookingInput(7, "+7 912 345-67-89", msk(1, 13), Decimal("2500.50"), 1, False)


async def test_the_dashboard_records_every_status_the_bot_writes_and_reads_them_back(
    backend: Backend, db: asyncpg.Connection, tenant_id: uuid.UUID, other_tenant_id: uuid.UUID
) -> None:
    """Through the real client: the migration's triggers record the bot's writes as events."""
    now = datetime.now(MSK)
    today = now.date()
    booked = await add_wish(db, tenant_id, client_phone="+7 912 000-11-22")
    await db.execute("update public.wishlist_v2 set status = 'offered' where id = $1", booked["id"])
    await db.execute("update public.wishlist_v2 set status = 'booked' where id = $1", booked["id"])
    # An update that leaves the status alone is not an event.
    await db.execute("update public.wishlist_v2 set comment = 'x' where id = $1", booked["id"])
    await add_wish(db, tenant_id, status="cancelled")
    await add_wish(db, other_tenant_id, status="booked")  # another salon's: never counted
    conversation = await add_session(db, tenant_id)
    await db.execute(
        "update public.conversation_sessions_v2 set status = 'waiting_human' where id = $1",
        conversation["id"],
    )
    answer = (datetime.now(MSK) + timedelta(minutes=3)).isoformat()
    await db.execute(
        "update public.conversation_sessions_v2 set messages = messages || $2::jsonb where id = $1",
        conversation["id"],
        json.dumps([{"id": "cmd-1", "role": "staff", "text": "Здравствуйте", "at": answer}]),
    )
    statuses = [
        row["status"]
        for row in await db.fetch(
            "select status from dashboard.bot_events where row_id = $1 order by id",
            str(booked["id"]),
        )
    ]
    assert statuses == ["offered", "booked"]  # a new entry is no event: its created_at says when

    r = await BotActivityReader(backend, tenant_id).report(today, today, MSK)
    assert (r.created, r.offered, r.booked, r.cancelled) == (2, 1, 1, 1)
    assert r.handoffs == 1 and r.handoffs_answered == 1
    assert r.median_first_answer_s is not None and 170 < r.median_first_answer_s < 190


async def test_agentp_analytics_json_has_the_bot_key_for_a_tenant(
    devstack: DevStack,
    db: asyncpg.Connection,
    tenant_id: uuid.UUID,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """One booking of the sandbox's, made after a wishlist entry with its client's phone."""
    info = devstack.info
    assert info.yclients_url is not None and info.yclients_partner_token is not None
    today = datetime.now(ZoneInfo(LOTOS.timezone)).date()
    first = today - timedelta(days=6)
    async with YClientsClient(
        base_url=info.yclients_url,
        partner_token=SecretStr(info.yclients_partner_token),
        user_token=SecretStr(LOTOS.user_token),
        company_id=LOTOS.company_id,
    ) as client:
        pages = [
            page
            async for page in client.iter_record_pages(
                start_date=first, end_date=today, with_deleted=True
            )
        ]
    msk_zone = ZoneInfo(LOTOS.timezone)
    # Visits of the period, as the cache keeps them (the API may hand a day more).
    records = [
        r
        for page in pages
        for r in page.records
        if first <= record_from_api(r, msk_zone).local_date(msk_zone) <= today
    ]
    phoned = [r for r in records if r.client and r.client.phone and r.create_date and not r.deleted]
    period_start = datetime.combine(first, datetime.min.time(), msk_zone)
    # A booking made during the period, so an entry a minute before it is of the period too.
    made_in_period = [r for r in phoned if r.create_date and r.create_date > period_start + MINUTE]
    assert made_in_period, "the sandbox has bookings made in the last week, with phones"
    target = made_in_period[0]
    assert target.client is not None and target.create_date is not None
    created = target.create_date - MINUTE
    expected = sum(
        1
        for r in phoned
        if r.client is not None
        and phone_digits(r.client.phone) == phone_digits(target.client.phone)
        and r.create_date is not None
        and r.create_date > created
    )
    await add_wish(db, tenant_id, client_phone=target.client.phone, created_at=created)
    await add_wish(db, tenant_id, client_phone=None, created_at=created, status="cancelled")

    # As deployed: the protected config file holds the connection settings and the keys.
    config = tmp_path / "config.toml"
    config.write_text(
        "\n".join(
            f'{name} = "{value}"'
            for name, value in {
                "supabase_url": info.supabase_url,
                "supabase_service_key": info.service_key,
                "yclients_base_url": info.yclients_url,
                "yclients_partner_token": info.yclients_partner_token,
                "yclients_user_token": LOTOS.user_token,
            }.items()
        )
        + f"\nyclients_company_id = {LOTOS.company_id}\n"
    )
    monkeypatch.setenv("AGENTP_CONFIG", str(config))
    parser = argparse.ArgumentParser(prog="agentp")
    add_analytics_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(
        [
            "analytics", "--from", first.isoformat(), "--to", today.isoformat(),
            "--format", "json", "--cache-dir", str(tmp_path / "cache"),
            "--tenant", str(tenant_id),
        ]
    )  # fmt: skip
    assert await asyncio.to_thread(run_analytics, args) == 0
    bot = json.loads(capsys.readouterr().out)["bot"]
    assert bot["wishlist"]["created"] == 2 and bot["wishlist"]["cancelled"] == 1
    assert bot["yclients"]["matched_bookings"] == expected >= 1
    assert bot["yclients"]["entries_without_phone"] == 1

    args.tenant = "not-a-salon"
    assert await asyncio.to_thread(run_analytics, args) == 2
    assert "--tenant is not a salon id" in capsys.readouterr().err
