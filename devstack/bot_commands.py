"""The bot's side of the command contract (docs/bot-commands.md): payload validation and the
effect of each command type on the bot's tables.

Every function here runs inside the caller's transaction and touches only rows of the
command's own tenant. A payload the bot cannot accept raises `CommandRejected`, whose message
is what the dashboard shows the operator, so it names the field and the rule.
"""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg

from devstack.demo_threads import iso_at, now_ms

# The same limits as the dashboard's own check (services/commands/registry.py): a payload the
# dashboard lets through is one the bot accepts.
MAX_TEXT = 4096
MAX_CLIENT_ID = 128
MAX_AUTHOR = 200
MAX_NOTE = 500
_ALLOWED_CONTROLS = {"\n", "\t"}
_BIDI_CONTROLS = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}


class CommandRejected(Exception):
    """The command cannot be performed; the message goes to `bot_commands.error` verbatim."""


@dataclass(frozen=True)
class Command:
    id: int
    tenant_id: uuid.UUID
    command_type: str
    payload: dict[str, Any]


def _shown(value: Any) -> str:
    """A rejected value as the error message quotes it: short, one line."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _check_fields(payload: dict[str, Any], required: set[str], optional: set[str]) -> None:
    missing = sorted(required - payload.keys())
    if missing:
        raise CommandRejected(f"payload is missing {', '.join(repr(m) for m in missing)}")
    unknown = sorted(payload.keys() - required - optional)
    if unknown:
        allowed = ", ".join(sorted(required | optional))
        raise CommandRejected(
            f"payload has unknown field {', '.join(repr(u) for u in unknown)} (allowed: {allowed})"
        )


def _string(payload: dict[str, Any], key: str, max_len: int, *, blank_ok: bool = False) -> str:
    value = payload[key]
    if not isinstance(value, str):
        raise CommandRejected(f"payload.{key} must be a string, got {_shown(value)}")
    if not blank_ok and not value.strip():
        raise CommandRejected(f"payload.{key} must not be empty")
    if len(value) > max_len:
        raise CommandRejected(
            f"payload.{key} is {len(value)} characters long; at most {max_len} are allowed"
        )
    # Staff text goes to a client's messenger: an ESC, NUL or bidi override there is an attack
    # or an accident, never a message. Newlines and tabs are how people write.
    for index, char in enumerate(value):
        if char not in _ALLOWED_CONTROLS and (
            unicodedata.category(char) in ("Cc", "Cs") or char in _BIDI_CONTROLS
        ):
            raise CommandRejected(
                f"payload.{key} contains a control character "
                f"(U+{ord(char):04X} at position {index + 1})"
            )
    return value


def _uuid(payload: dict[str, Any], key: str) -> uuid.UUID:
    value = payload[key]
    if isinstance(value, str):
        try:
            return uuid.UUID(value)
        except ValueError:
            pass
    raise CommandRejected(f"payload.{key} must be a UUID string, got {_shown(value)}")


async def _session_for_update(
    conn: asyncpg.Connection, tenant_id: uuid.UUID, session_id: uuid.UUID
) -> asyncpg.Record:
    row = await conn.fetchrow(
        "select id, client_id, status, bot_paused from public.conversation_sessions_v2 "
        "where id = $1 and tenant_id = $2 for update",
        session_id,
        tenant_id,
    )
    if row is None:
        # The same words whether it does not exist or belongs to another tenant: no leak.
        raise CommandRejected(f"conversation {session_id} not found in this tenant")
    return row


async def send_message(conn: asyncpg.Connection, command: Command) -> dict[str, Any]:
    payload = command.payload
    if "text" in payload:
        # The payload names the message `message` (the seed's contract); say so rather than
        # only that `message` is missing.
        raise CommandRejected("payload has 'text'; send_message reads the message from 'message'")
    _check_fields(payload, {"client_id", "message"}, {"session_id", "author"})
    client_id = _string(payload, "client_id", MAX_CLIENT_ID)
    if client_id != client_id.strip():
        raise CommandRejected("payload.client_id must not start or end with spaces")
    text = _string(payload, "message", MAX_TEXT)
    author = _string(payload, "author", MAX_AUTHOR) if "author" in payload else None
    if "session_id" in payload:
        session = await _session_for_update(conn, command.tenant_id, _uuid(payload, "session_id"))
        if session["client_id"] != client_id:
            raise CommandRejected(
                f"conversation {session['id']} belongs to another client, not {_shown(client_id)}"
            )
    else:
        session = await conn.fetchrow(
            "select id from public.conversation_sessions_v2 "
            "where tenant_id = $1 and client_id = $2 "
            "order by last_message_at desc nulls last, started_at desc, id limit 1 for update",
            command.tenant_id,
            client_id,
        )
        if session is None:
            raise CommandRejected(f"client {_shown(client_id)} has no conversation in this tenant")
    # The id is derived from the command, so performing a command twice appends once. The
    # thread element keeps `text` (docs/bot-tables.md): only the command payload says `message`.
    message_id = f"cmd-{command.id}"
    now = now_ms()
    message: dict[str, Any] = {"id": message_id, "role": "staff", "text": text, "at": iso_at(now)}
    if author is not None:
        message["author"] = author
    await conn.execute(
        "update public.conversation_sessions_v2 "
        "set messages = messages || jsonb_build_array($2::jsonb), last_message_at = $3, "
        "updated_at = now() "
        "where id = $1 and not messages @> jsonb_build_array(jsonb_build_object('id', $4::text))",
        session["id"],
        message,
        now,
        message_id,
    )
    return {"session_id": str(session["id"]), "message_id": message_id}


async def _set_state(
    conn: asyncpg.Connection, command: Command, sql_set: str, optional: set[str]
) -> dict[str, Any]:
    _check_fields(command.payload, {"session_id"}, optional)
    if "note" in command.payload:
        _string(command.payload, "note", MAX_NOTE, blank_ok=True)  # an empty note is no note
    session_id = _uuid(command.payload, "session_id")
    before = await _session_for_update(conn, command.tenant_id, session_id)
    after = await conn.fetchrow(
        f"update public.conversation_sessions_v2 set {sql_set}, updated_at = now() "
        "where id = $1 returning status, bot_paused",
        before["id"],
    )
    assert after is not None  # the row is locked by this transaction
    changed = (after["status"], after["bot_paused"]) != (before["status"], before["bot_paused"])
    return {
        "session_id": str(before["id"]),
        "status": after["status"],
        "bot_paused": after["bot_paused"],
        "changed": changed,
    }


async def handoff_to_human(conn: asyncpg.Connection, command: Command) -> dict[str, Any]:
    return await _set_state(conn, command, "status = 'waiting_human', bot_paused = true", {"note"})


async def pause_bot(conn: asyncpg.Connection, command: Command) -> dict[str, Any]:
    return await _set_state(conn, command, "bot_paused = true", set())


async def resume_bot(conn: asyncpg.Connection, command: Command) -> dict[str, Any]:
    # A conversation that was waiting for a human, or on hold, is the bot's again.
    return await _set_state(
        conn,
        command,
        "bot_paused = false, "
        "status = case when status in ('waiting_human', 'paused') then 'active' else status end",
        set(),
    )


Handler = Callable[[asyncpg.Connection, Command], Awaitable[dict[str, Any]]]

HANDLERS: dict[str, Handler] = {
    "send_message": send_message,
    "handoff_to_human": handoff_to_human,
    "pause_bot": pause_bot,
    "resume_bot": resume_bot,
}
COMMAND_TYPES: tuple[str, ...] = tuple(HANDLERS)


async def perform(conn: asyncpg.Connection, command: Command) -> dict[str, Any]:
    """Applies `command` in the current transaction and returns its `result`."""
    handler = HANDLERS.get(command.command_type)
    if handler is None:
        raise CommandRejected(
            f"unknown command type {_shown(command.command_type)} "
            f"(this bot knows: {', '.join(COMMAND_TYPES)})"
        )
    return await handler(conn, command)
