"""Queueing bot commands for the logged-in user's tenant.

Every command is written to the local outbox first, then inserted with its idempotency key; an
insert that fails on the network stays in the outbox and is retried by `flush()` until the
backend has it. The unique (tenant_id, idempotency_key) makes a retry that raced a success
harmless: the second insert is ignored, so the bot sees each intent exactly once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from services.backend import Backend
from services.commands.outbox import Outbox, OutboxEntry
from services.commands.registry import (
    MAX_AUTHOR_CHARS,
    REGISTRY,
    upgrade_payload,
    validate_command,
)
from services.errors import BackendUnavailable, NotFound, PermissionDenied, ServiceError
from services.keyset import Cursor, newest_first
from services.models import BotCommand, Role
from services.text_rules import forbidden_character, shows_nothing
from services.user_session import Permission, UserSession

COMMAND_COLUMNS = (
    "id,tenant_id,command_type,payload,status,idempotency_key,created_by,"
    "created_at,updated_at,processed_at,error,result"
)


@dataclass(frozen=True)
class EnqueueResult:
    idempotency_key: str
    # None while the command waits in the outbox for the backend to come back.
    command: BotCommand | None

    @property
    def queued_locally(self) -> bool:
        return self.command is None


@dataclass(frozen=True)
class FlushReport:
    sent: list[BotCommand]
    refused: list[tuple[OutboxEntry, str]]
    waiting: int


@dataclass
class CommandService:
    backend: Backend
    session: UserSession
    outbox: Outbox

    async def enqueue(self, command_type: str, payload: dict[str, Any]) -> EnqueueResult:
        self.session.require(Permission.send_commands)
        if command_type == "send_message" and isinstance(payload, dict):
            payload = {"author": self._author(), **payload}
        clean = validate_command(command_type, payload)
        entry = OutboxEntry(
            idempotency_key=uuid.uuid4().hex,
            tenant_id=str(self.session.tenant_id),
            created_by=str(self.session.user_id),
            command_type=command_type,
            payload=clean,
            queued_at=datetime.now(UTC),
        )
        await self.outbox.put(entry)
        try:
            command = await self._deliver(entry)
        except BackendUnavailable as exc:
            await self.outbox.record_failure(entry.idempotency_key, str(exc))
            return EnqueueResult(entry.idempotency_key, None)
        except ServiceError:
            await self.outbox.remove(entry.idempotency_key)
            raise
        return EnqueueResult(entry.idempotency_key, command)

    def _author(self) -> str:
        """The name shown to the client; an account name that could not be sent (a control
        character, too long) must not block every message, so the email stands in for it."""
        name = self.session.name or ""
        if len(name) > MAX_AUTHOR_CHARS or shows_nothing(name) or forbidden_character(name):
            return self.session.email
        return name

    async def flush(self) -> FlushReport:
        """Send what waits in the outbox for this user, oldest first; stop at the first outage."""
        sent: list[BotCommand] = []
        refused: list[tuple[OutboxEntry, str]] = []
        pending = await self.outbox.pending(
            tenant_id=str(self.session.tenant_id), created_by=str(self.session.user_id)
        )
        if not pending:
            return FlushReport(sent, refused, 0)
        if self.session.read_only:
            # A read-only app sends nothing and drops nothing: the entries wait for the
            # author's next ordinary session.
            return FlushReport(sent, refused, len(pending))
        try:
            refusal = await self._author_refusal()
        except BackendUnavailable:
            return FlushReport(sent, refused, len(pending))
        if refusal is not None:
            # Queued as an operator, demoted (or deactivated) since: nothing leaves.
            for entry in pending:
                await self.outbox.remove(entry.idempotency_key)
                refused.append((entry, refusal))
            return FlushReport(sent, refused, 0)
        for position, entry in enumerate(pending):
            try:
                sent.append(await self._deliver(entry))
            except BackendUnavailable as exc:
                await self.outbox.record_failure(entry.idempotency_key, str(exc))
                return FlushReport(sent, refused, len(pending) - position)
            except ServiceError as exc:
                # Refused for good (the conversation is gone, the role changed): say so, drop it.
                await self.outbox.remove(entry.idempotency_key)
                refused.append((entry, str(exc)))
        return FlushReport(sent, refused, 0)

    async def _author_refusal(self) -> str | None:
        """Why the author may not send now, read from the database rather than from this
        session: a queued command can wait for hours, and the role it was queued under may be
        gone (the account feed that rescopes a session could have been down meanwhile)."""
        rows = (
            await self.backend.run(
                self.backend.table("dashboard", "users")
                .select("role,active")
                .eq("id", str(self.session.user_id))
                .eq("tenant_id", str(self.session.tenant_id))
                .limit(1),
                context="dashboard.users",
            )
        ).data
        if not rows or not rows[0]["active"]:
            return "your account is no longer active"
        try:
            self.session.with_role(Role(rows[0]["role"])).require(Permission.send_commands)
        except (PermissionDenied, ValueError) as exc:
            return str(exc) if isinstance(exc, PermissionDenied) else "your role cannot send"
        return None

    async def waiting(self) -> int:
        return await self.outbox.count(
            tenant_id=str(self.session.tenant_id), created_by=str(self.session.user_id)
        )

    async def resend(self, command_id: int) -> EnqueueResult:
        """A failed command again, as a new command with a new key (the old one stays failed)."""
        original = await self.get(command_id)
        if original.status != "failed":
            raise ServiceError("only a failed command can be sent again")
        payload = {k: v for k, v in original.payload.items() if k != "author"}
        # A command that failed before the `message` rename goes out again as the bot reads it.
        return await self.enqueue(
            original.command_type, upgrade_payload(original.command_type, payload)
        )

    async def get(self, command_id: int) -> BotCommand:
        self.session.require(Permission.read)
        rows = (
            await self.backend.run(
                self._table()
                .select(COMMAND_COLUMNS)
                .eq("tenant_id", str(self.session.tenant_id))
                .eq("id", int(command_id))
                .limit(1),
                context="dashboard.bot_commands",
            )
        ).data
        if not rows:
            raise NotFound("no such command in your salon")
        return BotCommand.model_validate(rows[0])

    async def history(self, *, limit: int = 100, before: Cursor | None = None) -> list[BotCommand]:
        """The tenant's commands, newest first; `before` is the (created_at, id) of the last row."""
        self.session.require(Permission.read)
        query = (
            self._table()
            .select(COMMAND_COLUMNS)
            .eq("tenant_id", str(self.session.tenant_id))
            .limit(max(1, min(limit, 500)))
        )
        query = newest_first(query, at_column="created_at", before=before)
        rows = (await self.backend.run(query, context="dashboard.bot_commands")).data
        return [BotCommand.model_validate(row) for row in rows]

    def _table(self) -> Any:
        return self.backend.table("dashboard", "bot_commands")

    async def _deliver(self, entry: OutboxEntry) -> BotCommand:
        if entry.tenant_id != str(self.session.tenant_id) or entry.created_by != str(
            self.session.user_id
        ):
            raise ServiceError("this command belongs to another user")
        self.session.require(Permission.send_commands)
        await self._check_references(entry.command_type, entry.payload)
        await self.backend.run(
            self._table().upsert(
                entry.as_row(),
                on_conflict="tenant_id,idempotency_key",
                ignore_duplicates=True,
                returning="minimal",
            ),
            context="dashboard.bot_commands",
        )
        rows = (
            await self.backend.run(
                self._table()
                .select(COMMAND_COLUMNS)
                .eq("tenant_id", entry.tenant_id)
                .eq("idempotency_key", entry.idempotency_key)
                .limit(1),
                context="dashboard.bot_commands",
            )
        ).data
        await self.outbox.remove(entry.idempotency_key)
        command = BotCommand.model_validate(rows[0])
        return command

    async def _check_references(self, command_type: str, payload: dict[str, Any]) -> None:
        """Ids in a payload must name this tenant's rows: nothing is written for another's."""
        sessions = self.backend.table("public", "conversation_sessions_v2")
        spec = REGISTRY[command_type]
        tenant = str(self.session.tenant_id)
        if spec.session_field and payload.get(spec.session_field):
            rows = (
                await self.backend.run(
                    sessions.select("id")
                    .eq("tenant_id", tenant)
                    .eq("id", str(payload[spec.session_field]))
                    .limit(1),
                    context="public.conversation_sessions_v2",
                )
            ).data
            if not rows:
                raise NotFound("no such conversation in your salon")
        if "client_id" in payload:
            rows = (
                await self.backend.run(
                    sessions.select("id")
                    .eq("tenant_id", tenant)
                    .eq("client_id", str(payload["client_id"]))
                    .limit(1),
                    context="public.conversation_sessions_v2",
                )
            ).data
            if not rows:
                raise NotFound("no client with that id in your salon's conversations")
