"""Alerts that reach a person: a conversation handed to staff, a command that failed.

An alert comes once per event and user. Feeds replay what they may have missed after a
reconnect, an app starts again, the same user has a second terminal open: each of them sees the
same event. Only the one that inserts the user's receipt for it (`dashboard.alert_receipts`,
an insert that ignores duplicates) alerts; the others find the receipt and stay quiet.

"Needs staff" is the list behind the Sessions tab's badge: conversations in `waiting_human`
that no staff message has answered since they were handed over, oldest first.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict

from services.backend import Backend
from services.models import BotCommand, ConversationSession, SessionSummary, parse_rows
from services.user_session import Permission, UserSession

HANDOFF = "waiting_human"
# An event older than this when the app first sees it (the app was closed when it happened)
# is receipted without a sound: the badge and the list still show the conversation.
FRESH_FOR = timedelta(minutes=10)
NEEDS_STAFF_LIMIT = 200


class BotEvent(BaseModel):
    """A row of `dashboard.bot_events`: a status a wishlist entry or a conversation took."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: int
    tenant_id: uuid.UUID
    source: str
    row_id: str
    status: str
    previous_status: str | None = None
    at: datetime

    @property
    def key(self) -> str:
        return str(self.id)


@dataclass(frozen=True, slots=True)
class HandoffAlert:
    event_id: int
    session_id: str
    client_name: str | None
    last_message: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class FailedCommandAlert:
    command_id: int
    client: str | None  # the client's name, or the client id when the name is unknown
    error: str


@dataclass(frozen=True, slots=True)
class NeedsStaff:
    session: ConversationSession
    since: datetime  # when it was handed over (the latest hand-off event, else the last message)

    def summary(self) -> SessionSummary:
        """As the sessions list shows a conversation."""
        conversation = self.session
        return SessionSummary(
            id=conversation.id,
            tenant_id=conversation.tenant_id,
            client_id=conversation.client_id,
            client_name=conversation.client_name,
            client_phone=conversation.client_phone,
            channel=conversation.channel,
            status=conversation.status,
            bot_paused=conversation.bot_paused,
            started_at=conversation.started_at,
            last_message_at=conversation.last_message_at,
            activity_at=self.since,
            message_count=len(conversation.messages),
            last_message=conversation.messages[-1] if conversation.messages else None,
        )


@dataclass
class AlertService:
    backend: Backend
    session: UserSession

    async def claim(self, event_keys: Sequence[str]) -> set[str]:
        """The keys this call receipted first: alert for these, and only these."""
        self.session.require(Permission.read)
        if not event_keys:
            return set()
        rows = [{"user_id": str(self.session.user_id), "event_key": k} for k in event_keys]
        inserted = (
            await self.backend.run(
                self.backend.table("dashboard", "alert_receipts").upsert(
                    rows, on_conflict="user_id,event_key", ignore_duplicates=True
                ),
                context="dashboard.alert_receipts",
            )
        ).data
        return {str(row.get("event_key")) for row in inserted if isinstance(row, dict)}

    async def handoffs(self, events: Iterable[BotEvent], now: datetime) -> list[HandoffAlert]:
        """Hand-offs among `events` that this user has not been alerted to, fresh ones only."""
        handed = [
            e
            for e in events
            if e.source == "conversation"
            and e.status == HANDOFF
            and e.tenant_id == self.session.tenant_id
        ]
        claimed = await self.claim([f"handoff:{e.id}" for e in handed])
        fresh = [e for e in handed if f"handoff:{e.id}" in claimed and now - e.at <= FRESH_FOR]
        if not fresh:
            return []
        sessions = {str(s.id): s for s in await self._sessions([e.row_id for e in fresh])}
        alerts = []
        for event in fresh:
            found = sessions.get(event.row_id)
            last = found.messages[-1].text if found is not None and found.messages else None
            alerts.append(
                HandoffAlert(
                    event_id=event.id,
                    session_id=event.row_id,
                    client_name=found.client_name if found is not None else None,
                    last_message=last,
                    at=event.at,
                )
            )
        return alerts

    async def failed_commands(self, commands: Iterable[BotCommand]) -> list[FailedCommandAlert]:
        """This user's own commands that failed and were not alerted yet."""
        mine = [
            c
            for c in commands
            if c.status == "failed"
            and c.created_by == self.session.user_id
            and c.tenant_id == self.session.tenant_id
        ]
        claimed = await self.claim([f"command:{c.id}" for c in mine])
        failed = [c for c in mine if f"command:{c.id}" in claimed]
        if not failed:
            return []
        names = await self._client_names([str(c.payload.get("client_id", "")) for c in failed])
        return [
            FailedCommandAlert(
                command_id=c.id,
                client=names.get(str(c.payload.get("client_id", "")))
                or (str(c.payload["client_id"]) if c.payload.get("client_id") else None),
                error=c.error or "",
            )
            for c in failed
        ]

    async def needs_staff(self) -> list[NeedsStaff]:
        """Conversations waiting for a person and not answered since the hand-off, oldest first."""
        self.session.require(Permission.read)
        tenant = str(self.session.tenant_id)
        waiting = parse_rows(
            ConversationSession,
            (
                await self.backend.run(
                    self.backend.table("public", "conversation_sessions_v2")
                    .select("*")
                    .eq("tenant_id", tenant)
                    .eq("status", HANDOFF)
                    .order("last_message_at")
                    .limit(NEEDS_STAFF_LIMIT),
                    context="public.conversation_sessions_v2",
                )
            ).data,
            source="public.conversation_sessions_v2",
        )
        if not waiting:
            return []
        events = (
            await self.backend.run(
                self.backend.table("dashboard", "bot_events")
                .select("row_id,at")
                .eq("tenant_id", tenant)
                .eq("source", "conversation")
                .eq("status", HANDOFF)
                .in_("row_id", [str(s.id) for s in waiting]),
                context="dashboard.bot_events",
            )
        ).data
        handed: dict[str, datetime] = {}
        for row in events:
            at = _parse(row.get("at"))
            key = str(row.get("row_id"))
            if at is not None and (key not in handed or at > handed[key]):
                handed[key] = at
        out = []
        for conversation in waiting:
            since = handed.get(str(conversation.id)) or conversation.last_message_at
            if since is None:
                continue
            answered = any(
                m.role == "staff" and m.at is not None and m.at >= since
                for m in conversation.messages
            )
            if not answered:
                out.append(NeedsStaff(conversation, since))
        out.sort(key=lambda n: n.since)
        return out

    async def _sessions(self, ids: Sequence[str]) -> list[ConversationSession]:
        rows = (
            await self.backend.run(
                self.backend.table("public", "conversation_sessions_v2")
                .select("*")
                .eq("tenant_id", str(self.session.tenant_id))
                .in_("id", list(ids)),
                context="public.conversation_sessions_v2",
            )
        ).data
        return parse_rows(ConversationSession, rows, source="public.conversation_sessions_v2")

    async def _client_names(self, client_ids: Sequence[str]) -> dict[str, str]:
        wanted = sorted({c for c in client_ids if c})
        if not wanted:
            return {}
        rows = (
            await self.backend.run(
                self.backend.table("public", "conversation_sessions_v2")
                .select("client_id,client_name")
                .eq("tenant_id", str(self.session.tenant_id))
                .in_("client_id", wanted),
                context="public.conversation_sessions_v2",
            )
        ).data
        names: dict[str, str] = {}
        for row in rows:
            name = row.get("client_name") if isinstance(row, dict) else None
            if isinstance(name, str) and name.strip():
                names[str(row.get("client_id"))] = name
        return names


def _parse(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None
