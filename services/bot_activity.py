"""Reads what the bot's figures are computed from: one salon's entries, events and answers.

The tenant is fixed when the reader is made (from the logged-in session in the app, from the
command line's `--tenant` for `agentp analytics`): nothing read here crosses salons.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any

from services.backend import Backend
from services.bot_analytics import (
    HANDOFF_STATUS,
    BookingInput,
    BotReport,
    StaffMessage,
    StatusEvent,
    WishInput,
    compute_bot_report,
)
from services.user_session import Permission, UserSession

log = logging.getLogger(__name__)

PAGE = 1000
IDS_PER_REQUEST = 100


def _at(value: object, *, naive: tzinfo | None = None) -> datetime | None:
    """An aware datetime from ISO text; naive text only when its zone is known (`naive`)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=naive) if naive is not None else None
    return parsed


@dataclass
class BotActivityReader:
    backend: Backend
    tenant_id: uuid.UUID

    @classmethod
    def for_session(cls, backend: Backend, session: UserSession) -> BotActivityReader:
        """The logged-in user's salon, for a user allowed to read it."""
        session.require(Permission.read)
        return cls(backend, session.tenant_id)

    async def _all(self, make_query: Any, context: str) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        while True:
            page = (
                await self.backend.run(
                    make_query().range(len(rows), len(rows) + PAGE - 1), context=context
                )
            ).data
            rows.extend(row for row in page if isinstance(row, dict))
            if len(page) < PAGE:
                return rows

    async def report(
        self,
        period_from: date,
        period_to: date,
        tz: tzinfo,
        *,
        yclients_raw: Sequence[str] = (),
    ) -> BotReport:
        start = datetime.combine(period_from, time(), tzinfo=tz)
        end = datetime.combine(period_to + timedelta(days=1), time(), tzinfo=tz)
        tenant = str(self.tenant_id)
        wish_rows = await self._all(
            lambda: (
                self.backend.table("public", "wishlist_v2")
                .select("id,created_at,status,client_phone,updated_at")
                .eq("tenant_id", tenant)
                .gte("created_at", start.isoformat())
                .lt("created_at", end.isoformat())
                .order("id")
            ),
            "public.wishlist_v2",
        )
        # Events from the period's start on: an entry of the period may be booked after it.
        event_rows = await self._all(
            lambda: (
                self.backend.table("dashboard", "bot_events")
                .select("source,row_id,status,at")
                .eq("tenant_id", tenant)
                .gte("at", start.isoformat())
                .order("id")
            ),
            "dashboard.bot_events",
        )
        wishes = [
            WishInput(
                id=str(row.get("id")),
                created_at=created,
                status=str(row.get("status") or ""),
                phone=row.get("client_phone") if isinstance(row.get("client_phone"), str) else None,
                updated_at=_at(row.get("updated_at")),
            )
            for row in wish_rows
            if (created := _at(row.get("created_at"))) is not None
        ]
        events = [
            StatusEvent(
                source=str(row.get("source")),
                row_id=str(row.get("row_id")),
                status=str(row.get("status")),
                at=at,
            )
            for row in event_rows
            if (at := _at(row.get("at"))) is not None
        ]
        handed = sorted(
            {
                e.row_id
                for e in events
                if e.source == "conversation" and e.status == HANDOFF_STATUS and e.at < end
            }
        )
        staff = await self._staff_messages(handed)
        return compute_bot_report(
            period_from=period_from,
            period_to=period_to,
            tz=tz,
            wishes=wishes,
            events=events,
            staff_messages=staff,
            bookings=bookings_from_raw(yclients_raw, tz),
        )

    async def _staff_messages(self, session_ids: Sequence[str]) -> list[StaffMessage]:
        found: list[StaffMessage] = []
        for offset in range(0, len(session_ids), IDS_PER_REQUEST):
            chunk = list(session_ids[offset : offset + IDS_PER_REQUEST])
            rows = (
                await self.backend.run(
                    self.backend.table("public", "conversation_sessions_v2")
                    .select("id,messages")
                    .eq("tenant_id", str(self.tenant_id))
                    .in_("id", chunk),
                    context="public.conversation_sessions_v2",
                )
            ).data
            for row in rows:
                messages = row.get("messages") if isinstance(row, dict) else None
                if not isinstance(messages, list):
                    continue
                for message in messages:
                    if isinstance(message, dict) and message.get("role") == "staff":
                        at = _at(message.get("at"))
                        if at is not None:
                            found.append(StaffMessage(session_id=str(row.get("id")), at=at))
        return found


def bookings_from_raw(raw_records: Sequence[str], tz: tzinfo) -> list[BookingInput]:
    """YClients records (as the cache keeps them) with the client's phone and creation time.

    A creation time without an offset is the company's local time, as YClients writes it.
    """
    out: list[BookingInput] = []
    for raw in raw_records:
        try:
            record = json.loads(raw)
        except ValueError:
            continue
        if not isinstance(record, dict):
            continue
        client = record.get("client") if isinstance(record.get("client"), dict) else {}
        phone = client.get("phone") if isinstance(client, dict) else None
        if not isinstance(phone, str) or not phone.strip():
            continue
        created = _at(record.get("create_date"), naive=tz)
        revenue = Decimal(0)
        for service in record.get("services") or ():
            if isinstance(service, dict):
                try:
                    revenue += Decimal(str(service.get("cost") or 0))
                except InvalidOperation:
                    log.warning("a YClients record has a cost that is not a number")
        attendance = record.get("attendance")
        if not isinstance(attendance, int):
            attendance = record.get("visit_attendance")
        out.append(
            BookingInput(
                id=int(record.get("id") or 0),
                phone=phone,
                created=created,
                revenue=revenue,
                attendance=attendance if isinstance(attendance, int) else 0,
                deleted=bool(record.get("deleted")),
            )
        )
    return out
