"""The bot's conversations, for one tenant: filtered, searched and paged; one thread in full."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from services.backend import Backend
from services.errors import InvalidInput, NotFound
from services.keyset import Cursor
from services.lookups import by_id, parse_one, searchable_id
from services.models import ConversationSession, SessionSummary, parse_messages, parse_rows
from services.phones import looks_like_phone, phone_digits
from services.text_rules import unsendable_character
from services.user_session import Permission, UserSession

MAX_SEARCH_CHARS = 200
# One name query covers this many ids (a page of history), reading at most NAME_ROWS rows.
MAX_NAME_LOOKUPS = 100
NAME_ROWS = 1000
SESSION_COLUMNS = (
    "id,tenant_id,client_id,client_name,client_phone,channel,status,bot_paused,messages,"
    "started_at,last_message_at"
)


@dataclass(frozen=True)
class SessionFilter:
    text: str | None = None
    status: str | None = None
    channel: str | None = None
    date_from: date | None = None
    date_to: date | None = None  # inclusive, in the tenant's timezone


@dataclass(frozen=True)
class SessionPage:
    items: list[SessionSummary]
    next_cursor: Cursor | None


@dataclass
class ConversationService:
    backend: Backend
    session: UserSession

    async def list(
        self, filters: SessionFilter | None = None, *, limit: int = 50, after: Cursor | None = None
    ) -> SessionPage:
        self.session.require(Permission.read)
        filters = filters or SessionFilter()
        params = self._params(filters)
        limit = max(1, min(limit, 500))
        params.update(
            p_tenant=str(self.session.tenant_id),
            p_limit=limit,
            p_before_at=after.at.isoformat() if after else None,
            p_before_id=after.id if after else None,
        )
        response = await self.backend.run(
            self.backend.rpc("dashboard", "search_sessions", params),
            context="dashboard.search_sessions",
        )
        rows = [row for row in response.data or [] if isinstance(row, dict)]
        for row in rows:
            # An empty thread has no last message: that is not a malformed one (no log line).
            last = row.get("last_message")
            row["last_message"] = next(iter(parse_messages([last])), None) if last else None
        items = parse_rows(SessionSummary, rows, source="dashboard.search_sessions")
        cursor = None
        if len(items) == limit and items[-1].activity_at is not None:
            cursor = Cursor(items[-1].activity_at, str(items[-1].id))
        return SessionPage(items, cursor)

    async def thread(self, session_id: str) -> ConversationSession:
        self.session.require(Permission.read)
        row = await by_id(
            self.backend,
            self.backend.table("public", "conversation_sessions_v2")
            .select("*")
            .eq("tenant_id", str(self.session.tenant_id)),
            str(session_id),
            context="public.conversation_sessions_v2",
        )
        if row is None:
            raise NotFound("no such conversation in your salon")
        return parse_one(ConversationSession, row, what="this conversation")

    async def latest_for_client(self, client_id: str) -> ConversationSession | None:
        self.session.require(Permission.read)
        if not searchable_id(client_id):
            return None  # no row of the bot's can hold it
        rows = (
            await self.backend.run(
                self.backend.table("public", "conversation_sessions_v2")
                .select("*")
                .eq("tenant_id", str(self.session.tenant_id))
                .eq("client_id", client_id)
                .order("last_message_at", desc=True, nullsfirst=False)
                .limit(1),
                context="public.conversation_sessions_v2",
            )
        ).data
        return parse_one(ConversationSession, rows[0], what="this conversation") if rows else None

    async def names(
        self, client_ids: Sequence[str], session_ids: Sequence[str]
    ) -> tuple[dict[str, str], dict[str, tuple[str, str | None]]]:
        """Who the commands are for, in two queries however many commands there are: the
        latest known name of each client id, and the client of each conversation id. Ids of
        other tenants, unknown or unsearchable ids are simply absent from the answer."""
        self.session.require(Permission.read)
        clients = [c for c in dict.fromkeys(client_ids) if searchable_id(c)][:MAX_NAME_LOOKUPS]
        sessions = [s for s in dict.fromkeys(session_ids) if searchable_id(s)][:MAX_NAME_LOOKUPS]
        table = "public.conversation_sessions_v2"
        names: dict[str, str] = {}
        if clients:
            rows = (
                await self.backend.run(
                    self.backend.table("public", "conversation_sessions_v2")
                    .select("client_id,client_name")
                    .eq("tenant_id", str(self.session.tenant_id))
                    .in_("client_id", clients)
                    .not_.is_("client_name", "null")
                    .order("last_message_at", desc=True, nullsfirst=False)
                    .limit(NAME_ROWS),
                    context=table,
                )
            ).data
            for row in rows or []:
                client, name = row.get("client_id"), row.get("client_name")
                if isinstance(client, str) and isinstance(name, str) and name:
                    names.setdefault(client, name)
        owners: dict[str, tuple[str, str | None]] = {}
        if sessions:
            valid = [s for s in sessions if _is_uuid(s)]
            rows = (
                (
                    await self.backend.run(
                        self.backend.table("public", "conversation_sessions_v2")
                        .select("id,client_id,client_name")
                        .eq("tenant_id", str(self.session.tenant_id))
                        .in_("id", valid),
                        context=table,
                    )
                ).data
                if valid
                else []
            )
            for row in rows or []:
                client, name = row.get("client_id"), row.get("client_name")
                if isinstance(client, str):
                    owners[str(row.get("id"))] = (client, name if isinstance(name, str) else None)
        return names, owners

    def _params(self, filters: SessionFilter) -> dict[str, Any]:
        text = (filters.text or "").strip()
        if len(text) > MAX_SEARCH_CHARS:
            raise InvalidInput(
                f"the search text is too long (at most {MAX_SEARCH_CHARS} characters)"
            )
        problem = unsendable_character(text)
        if problem:
            raise InvalidInput(f"the search text cannot be searched for: it holds {problem}")
        for name, value in (("status", filters.status), ("channel", filters.channel)):
            problem = unsendable_character(value or "")
            if problem:
                raise InvalidInput(f"the {name} filter cannot be used: it holds {problem}")
        digits = None
        if looks_like_phone(text):
            digits = phone_digits(text)
            digits = digits[1:] if len(digits) == 11 and digits.startswith("7") else digits
        zone = ZoneInfo(self.session.tenant_timezone)
        start = (
            datetime.combine(filters.date_from, time.min, zone).isoformat()
            if filters.date_from
            else None
        )
        end = None
        if filters.date_to:
            end = datetime.combine(filters.date_to, time.max, zone).isoformat()
        return {
            "p_text": text or None,
            "p_phone_digits": digits,
            "p_status": filters.status or None,
            "p_channel": filters.channel or None,
            "p_from": start,
            "p_to": end,
        }


def _is_uuid(value: str) -> bool:
    # Conversation ids are UUIDs: anything else cannot match, and would make Postgres refuse
    # the whole query.
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
