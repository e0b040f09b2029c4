"""Rows as the app sees them. Parsing is lenient about the bot's tables: extra columns are
ignored, missing optional ones default, and a malformed message inside a thread is skipped
rather than hiding the whole conversation."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Role(StrEnum):
    viewer = "viewer"
    operator = "operator"
    admin = "admin"


class _Row(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


def _text_or_none(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


class Tenant(_Row):
    id: uuid.UUID
    name: str
    timezone: str = "Europe/Moscow"
    yclients_company_id: int | None = None


class UserRecord(_Row):
    id: uuid.UUID
    tenant_id: uuid.UUID
    email: str
    name: str | None = None
    role: Role
    active: bool
    encrypted_password: str = Field(default="", repr=False, exclude=True)
    last_login_at: datetime | None = None


class WishlistEntry(_Row):
    id: int | str
    tenant_id: uuid.UUID
    client_id: str
    client_name: str | None = None
    client_phone: str | None = None
    service_title: str | None = None
    comment: str | None = None
    status: str = "waiting"
    created_at: datetime
    updated_at: datetime | None = None

    _coerce = field_validator(
        "client_id",
        "client_name",
        "client_phone",
        "service_title",
        "comment",
        "status",
        mode="before",
    )(_text_or_none)

    @property
    def key(self) -> str:
        return str(self.id)


class Message(_Row):
    id: str | None = None
    role: str = "client"
    text: str = ""
    at: datetime | None = None
    author: str | None = None

    _coerce = field_validator("id", "role", "text", "author", mode="before")(_text_or_none)


def parse_messages(raw: Any) -> list[Message]:
    if not isinstance(raw, list):
        return []
    messages = []
    for item in raw:
        if not isinstance(item, dict):
            continue
        try:
            messages.append(Message.model_validate(item))
        except ValueError:
            continue
    return messages


class ConversationSession(_Row):
    id: uuid.UUID | int | str
    tenant_id: uuid.UUID
    client_id: str
    client_name: str | None = None
    client_phone: str | None = None
    channel: str = "unknown"
    status: str = "active"
    bot_paused: bool = False
    messages: list[Message] = Field(default_factory=list)
    started_at: datetime | None = None
    last_message_at: datetime | None = None

    _coerce = field_validator(
        "client_id", "client_name", "client_phone", "channel", "status", mode="before"
    )(_text_or_none)

    @field_validator("messages", mode="before")
    @classmethod
    def _messages(cls, value: Any) -> list[Message]:
        return parse_messages(value)

    @field_validator("bot_paused", mode="before")
    @classmethod
    def _paused(cls, value: Any) -> bool:
        return bool(value) if value is not None else False

    @property
    def key(self) -> str:
        return str(self.id)


class SessionSummary(_Row):
    """A conversation as listed: everything but the thread, plus its size and last message."""

    id: Any
    tenant_id: Any
    client_id: str
    client_name: str | None = None
    client_phone: str | None = None
    channel: str = "unknown"
    status: str = "active"
    bot_paused: bool | None = False
    started_at: datetime | None = None
    last_message_at: datetime | None = None
    activity_at: datetime | None = None
    message_count: int = 0
    last_message: Message | None = Field(default=None)

    @property
    def key(self) -> str:
        return str(self.id)


class BotCommand(_Row):
    id: int
    tenant_id: uuid.UUID
    command_type: str
    payload: dict[str, Any] = Field(default_factory=dict)
    status: str
    idempotency_key: str | None = None
    created_by: uuid.UUID | None = None
    created_at: datetime
    updated_at: datetime | None = None
    processed_at: datetime | None = None
    error: str | None = None
    result: dict[str, Any] | list[Any] | str | int | float | bool | None = None

    @property
    def key(self) -> str:
        return str(self.id)
