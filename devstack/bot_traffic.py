"""The simulated bot's own activity in the demo salons: new conversations, messages, wishlist
entries and status changes, so the dashboard's live panels have something to show.

Only the tenants named in `DEMO_TENANTS` are ever written to. The words come from one
`random.Random`, so a seed gives the same sequence of texts; which open conversation receives
a line depends on what the database holds at that moment.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from devstack import demo_corpus as c
from devstack.demo_tenants import DEMO_TENANTS, STAFF_NAMES
from devstack.demo_threads import (
    BOT_HANDOFF_LINE,
    Line,
    iso_at,
    next_line,
    now_ms,
    opening_line,
    wish,
)

EVENTS = ("session_new", "message", "wishlist_new", "wishlist_change", "session_status")
# New conversations and closes roughly balance, so the open set stays about the same size.
EVENT_WEIGHTS = (12, 50, 10, 10, 18)
RECENT = 30  # events pick among the most recent rows, where a live demo's eye is


@dataclass(frozen=True)
class TrafficTenant:
    id: uuid.UUID
    key: str
    timezone: str
    admin: str


async def demo_tenants(conn: asyncpg.Connection) -> list[TrafficTenant]:
    """The demo salons present in this database (none when the demo was not seeded)."""
    by_name = {t.name: t for t in DEMO_TENANTS}
    rows = await conn.fetch(
        "select id, name from dashboard.tenants where name = any($1::text[]) order by name",
        list(by_name),
    )
    return [
        TrafficTenant(
            row["id"],
            by_name[row["name"]].key,
            by_name[row["name"]].timezone,
            STAFF_NAMES[(by_name[row["name"]].key, "admin")],
        )
        for row in rows
    ]


def _new_message(rng: random.Random, line: Line, now: datetime) -> dict[str, Any]:
    message: dict[str, Any] = {
        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "role": line.role,
        "text": line.text,
        "at": iso_at(now),
    }
    if line.author is not None:
        message["author"] = line.author
    return message


class TrafficGenerator:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    async def event(self, conn: asyncpg.Connection, tenant: TrafficTenant) -> str:
        """Performs one event in `tenant` (in its own transaction) and returns its kind."""
        kind = self.rng.choices(EVENTS, weights=EVENT_WEIGHTS)[0]
        actions = {
            "session_new": self._session_new,
            "message": self._message,
            "wishlist_new": self._wishlist_new,
            "wishlist_change": self._wishlist_change,
            "session_status": self._session_status,
        }
        async with conn.transaction():
            done = await actions[kind](conn, tenant)
            if not done:  # nothing to change yet (an empty salon): start a conversation
                kind = "session_new"
                await self._session_new(conn, tenant)
        return kind

    async def _client(self, conn: asyncpg.Connection, tenant: TrafficTenant) -> dict[str, Any]:
        """A returning client (from a recent conversation) or a new one."""
        if self.rng.random() < 0.3:
            rows = await conn.fetch(
                "select client_id, client_name, client_phone, channel "
                "from public.conversation_sessions_v2 where tenant_id = $1 "
                "order by started_at desc limit $2",
                tenant.id,
                RECENT,
            )
            if rows:
                return dict(self.rng.choice(rows))
        person = c.person(self.rng)
        number = c.phone(self.rng)
        channel = c.channel(self.rng)
        return {
            "client_id": c.client_id(self.rng, channel, number),
            "client_name": person.full,
            "client_phone": number if channel == "whatsapp" or self.rng.random() < 0.6 else None,
            "channel": channel,
        }

    async def _session_new(self, conn: asyncpg.Connection, tenant: TrafficTenant) -> bool:
        client = await self._client(conn, tenant)
        first = (client["client_name"] or "").split(" ")[0]
        line = opening_line(self.rng, tenant.key, c.Person(first, "", True), tenant.admin)
        now = now_ms()
        await conn.execute(
            "insert into public.conversation_sessions_v2 (tenant_id, client_id, client_name, "
            "client_phone, channel, status, messages, started_at, last_message_at) "
            "values ($1, $2, $3, $4, $5, 'active', $6::jsonb, $7, $7)",
            tenant.id,
            client["client_id"],
            client["client_name"],
            client["client_phone"],
            client["channel"],
            [_new_message(self.rng, line, now)],
            now,
        )
        return True

    async def _open_session(
        self, conn: asyncpg.Connection, tenant: TrafficTenant
    ) -> asyncpg.Record | None:
        rows = await conn.fetch(
            "select id, client_name, status, bot_paused, messages -> -1 ->> 'role' as last_role "
            "from public.conversation_sessions_v2 where tenant_id = $1 and status <> 'closed' "
            "order by last_message_at desc nulls last, id limit $2",
            tenant.id,
            RECENT,
        )
        if not rows:
            return None
        picked: asyncpg.Record = self.rng.choice(rows)
        # A command may be changing the same conversation right now: wait for it, so neither
        # change overwrites the other.
        await conn.execute(
            "select 1 from public.conversation_sessions_v2 where id = $1 for update", picked["id"]
        )
        return picked

    async def _append(
        self, conn: asyncpg.Connection, session_id: uuid.UUID, line: Line, extra_set: str = ""
    ) -> None:
        now = now_ms()
        await conn.execute(
            "update public.conversation_sessions_v2 set messages = messages || jsonb_build_array("
            f"$2::jsonb), last_message_at = $3, updated_at = now(){extra_set} where id = $1",
            session_id,
            _new_message(self.rng, line, now),
            now,
        )

    async def _message(self, conn: asyncpg.Connection, tenant: TrafficTenant) -> bool:
        session = await self._open_session(conn, tenant)
        if session is None:
            return False
        line = next_line(
            self.rng,
            tenant.key,
            client_first=(session["client_name"] or "").split(" ")[0],
            last_role=session["last_role"],
            bot_paused=session["bot_paused"] or session["status"] == "waiting_human",
            admin=tenant.admin,
        )
        await self._append(conn, session["id"], line)
        return True

    async def _session_status(self, conn: asyncpg.Connection, tenant: TrafficTenant) -> bool:
        session = await self._open_session(conn, tenant)
        if session is None:
            return False
        if session["status"] in ("waiting_human", "paused"):
            # A human dealt with it and gave the conversation back to the bot.
            await conn.execute(
                "update public.conversation_sessions_v2 set status = 'active', bot_paused = false, "
                "updated_at = now() where id = $1",
                session["id"],
            )
            return True
        roll = self.rng.random()
        if roll < 0.6:
            await conn.execute(
                "update public.conversation_sessions_v2 set status = 'closed', updated_at = now() "
                "where id = $1",
                session["id"],
            )
        elif roll < 0.85:
            await self._append(
                conn,
                session["id"],
                Line("bot", BOT_HANDOFF_LINE, 0.0),
                ", status = 'waiting_human', bot_paused = true",
            )
        else:
            await conn.execute(
                "update public.conversation_sessions_v2 set status = 'paused', bot_paused = true, "
                "updated_at = now() where id = $1",
                session["id"],
            )
        return True

    async def _wishlist_new(self, conn: asyncpg.Connection, tenant: TrafficTenant) -> bool:
        client = await self._client(conn, tenant)
        w = wish(self.rng, tenant.key)
        today = datetime.now(UTC).astimezone(ZoneInfo(tenant.timezone)).date()
        await conn.execute(
            "insert into public.wishlist_v2 (tenant_id, client_id, client_name, client_phone, "
            "service_title, staff_name, desired_date, desired_time_from, desired_time_to, "
            "comment, status) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'waiting')",
            tenant.id,
            client["client_id"],
            client["client_name"],
            client["client_phone"],
            w.service.title,
            w.staff.name if w.staff else None,
            w.day(today),
            *w.window(),
            w.comment,
        )
        return True

    async def _wishlist_change(self, conn: asyncpg.Connection, tenant: TrafficTenant) -> bool:
        rows = await conn.fetch(
            "select id, status from public.wishlist_v2 where tenant_id = $1 "
            "and status in ('waiting', 'offered') order by created_at desc, id desc limit $2 "
            "for update",
            tenant.id,
            RECENT,
        )
        if not rows:
            return False
        row = self.rng.choice(rows)
        roll = self.rng.random()
        if row["status"] == "waiting":
            new = "offered" if roll < 0.75 else "cancelled"
        else:
            new = "booked" if roll < 0.6 else ("waiting" if roll < 0.85 else "cancelled")
        await conn.execute(
            "update public.wishlist_v2 set status = $2, updated_at = now() where id = $1",
            row["id"],
            new,
        )
        return True
