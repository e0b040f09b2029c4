"""The command types the dashboard may queue for the bot, each with its payload model.

This is the dashboard's half of `docs/bot-commands.md`: a payload that passes here is one the
bot accepts. Validation errors name the field, in the words shown next to it in the composer.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from annotated_types import MaxLen
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from services.text_rules import forbidden_character, shows_nothing

MAX_MESSAGE_CHARS = 4096
MAX_AUTHOR_CHARS = 200


class CommandValidationError(ValueError):
    """`field` is the payload field at fault (or `command_type`); `message` says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _clean_text(value: str, *, allow_empty: bool) -> str:
    problem = forbidden_character(value)
    if problem:
        raise ValueError(f"contains a control character ({problem})")
    if not allow_empty and shows_nothing(value):
        # Spaces, zero-width or combining characters alone reach the client as a blank.
        raise ValueError("cannot be empty")
    return value


class SendMessage(_Payload):
    """A message from the salon to a client, sent by the bot on the client's channel.

    The field order is the wire order: `{"client_id": …, "message": …}` as the seed names it.
    """

    client_id: str = Field(min_length=1, max_length=128)
    message: str = Field(min_length=1, max_length=MAX_MESSAGE_CHARS)
    session_id: uuid.UUID | None = None
    # Shown in the thread next to the message; the service fills in the logged-in user.
    author: str | None = Field(default=None, min_length=1, max_length=MAX_AUTHOR_CHARS)

    @field_validator("client_id")
    @classmethod
    def _client_id(cls, value: str) -> str:
        # An id is one opaque token: not even a tab or a line break belongs in it.
        if value != value.strip() or forbidden_character(value, allow=frozenset()):
            raise ValueError("is not a valid client id")
        return value

    @field_validator("message")
    @classmethod
    def _message(cls, value: str) -> str:
        return _clean_text(value, allow_empty=False)

    @field_validator("author")
    @classmethod
    def _author(cls, value: str | None) -> str | None:
        return None if value is None else _clean_text(value, allow_empty=False)


class HandoffToHuman(_Payload):
    """Stop the bot in one conversation and flag it for a person."""

    session_id: uuid.UUID
    note: str | None = Field(default=None, max_length=500)

    @field_validator("note")
    @classmethod
    def _note(cls, value: str | None) -> str | None:
        return None if value is None else _clean_text(value, allow_empty=False)


class PauseBot(_Payload):
    session_id: uuid.UUID


class ResumeBot(_Payload):
    session_id: uuid.UUID


@dataclass(frozen=True)
class CommandType:
    name: str
    payload_model: type[_Payload]
    # Which payload field names the conversation the command acts on (for "open thread").
    session_field: str | None


REGISTRY: dict[str, CommandType] = {
    spec.name: spec
    for spec in (
        CommandType("send_message", SendMessage, "session_id"),
        CommandType("handoff_to_human", HandoffToHuman, "session_id"),
        CommandType("pause_bot", PauseBot, "session_id"),
        CommandType("resume_bot", ResumeBot, "session_id"),
    )
}


# Fields an older dashboard wrote under another name: a payload that still carries one is
# refused with the right name, so the writer learns what the bot reads.
RENAMED_FIELDS: dict[str, dict[str, str]] = {"send_message": {"text": "message"}}


def upgrade_payload(command_type: str, payload: dict[str, Any]) -> dict[str, Any]:
    """A payload written by an older dashboard (`text` for `message`) in today's words.

    Only for what this dashboard itself queued earlier (the local outbox, a failed command
    sent again): nothing it wrote before the rename may be lost or refused.
    """
    renamed = RENAMED_FIELDS.get(command_type, {})
    if not isinstance(payload, dict) or not any(old in payload for old in renamed):
        return payload
    upgraded = dict(payload)
    for old, new in renamed.items():
        if old in upgraded and new not in upgraded:
            upgraded[new] = upgraded.pop(old)
    return upgraded


def validate_command(command_type: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The payload as the bot expects it (JSON-ready); CommandValidationError names the field."""
    spec = REGISTRY.get(command_type)
    if spec is None:
        raise CommandValidationError(
            "command_type", f"unknown command type; one of {', '.join(sorted(REGISTRY))}"
        )
    if not isinstance(payload, dict):
        raise CommandValidationError("payload", "must be an object")
    for old, new in RENAMED_FIELDS.get(command_type, {}).items():
        if old in payload:
            raise CommandValidationError(
                old, f"is not a field of {command_type}; the bot reads the message from '{new}'"
            )
    try:
        model = spec.payload_model.model_validate(payload)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        field = ".".join(str(part) for part in first.get("loc", ())) or "payload"
        reason = str(first.get("msg", "is invalid")).removeprefix("Value error, ")
        if first.get("type") == "extra_forbidden":
            reason = "is not a field of this command"
        raise CommandValidationError(field, reason) from None
    return model.model_dump(mode="json", exclude_none=True)


def text_limits() -> dict[str, int]:
    """Each text field's maximum length, read from the payload models: the composer's limits."""
    limits: dict[str, int] = {}
    for spec in REGISTRY.values():
        for name, info in spec.payload_model.model_fields.items():
            for rule in info.metadata:
                if isinstance(rule, MaxLen):
                    limits[name] = rule.max_length
    return limits
