"""Rows as the app sees them. Parsing is lenient about the bot's tables: extra columns are
ignored (a wishlist row keeps them, to show them as written), missing or null optional ones
default, a time that cannot be read is no time, and a malformed message inside a thread is
skipped rather than hiding the whole conversation. A row that still cannot be read is skipped
with a log line naming its id and the field, never its content (client data stays out of the
logs)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time
from enum import StrEnum
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

log = logging.getLogger(__name__)


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


def _text_or(default: str) -> Callable[[Any], str]:
    """For a column with a default: NULL (a bot that never set it) reads as the default."""

    def coerce(value: Any) -> str:
        return default if value is None else value if isinstance(value, str) else str(value)

    return coerce


def _time_or_none(value: Any) -> datetime | None:
    """An optional time: a datetime, or an ISO 8601 string; anything else reads as no time
    (a number is not taken for a Unix timestamp: 42 would be a date in 1970)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _date_or_none(value: Any) -> date | None:
    """A wished-for day: a date or `YYYY-MM-DD` (as REST and Realtime send it); anything else
    reads as no day rather than hiding the row."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def _clock_or_none(value: Any) -> time | None:
    """A wall-clock time of the salon's day (`time` has no zone): `18:00` or `18:00:00`."""
    if isinstance(value, time):
        return value.replace(tzinfo=None)
    if not isinstance(value, str):
        return None
    try:
        return time.fromisoformat(value.strip()).replace(tzinfo=None)
    except ValueError:
        return None


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
    # Set on every password change; open sessions that logged in with another value end.
    password_changed_at: datetime | None = None


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
    # Optional columns of the bot's (docs/bot-tables.md): the day and the window are the
    # salon's wall clock, as the client asked for them, so they carry no zone.
    staff_name: str | None = None
    desired_date: date | None = None
    desired_time_from: time | None = None
    desired_time_to: time | None = None
    # Every column this model does not know, name → value as the row had it, in its order:
    # the entry screen shows what the bot wrote even before the dashboard learns about it.
    extra_columns: dict[str, Any] = Field(default_factory=dict)

    _coerce = field_validator(
        "client_id",
        "client_name",
        "client_phone",
        "service_title",
        "comment",
        "staff_name",
        mode="before",
    )(_text_or_none)
    _status = field_validator("status", mode="before")(_text_or("waiting"))
    _times = field_validator("updated_at", mode="before")(_time_or_none)
    _day = field_validator("desired_date", mode="before")(_date_or_none)
    _clock = field_validator("desired_time_from", "desired_time_to", mode="before")(_clock_or_none)

    @model_validator(mode="before")
    @classmethod
    def _collect_extra(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        known = cls.model_fields.keys() - {"extra_columns"}
        # A bot column that happens to be called `extra_columns` is one of the extras too.
        row = {name: value for name, value in data.items() if name in known}
        row["extra_columns"] = {
            str(name): value for name, value in data.items() if name not in known
        }
        return row

    @property
    def key(self) -> str:
        return str(self.id)


class Message(_Row):
    id: str | None = None
    role: str = "client"
    text: str = ""
    at: datetime | None = None
    author: str | None = None

    _coerce = field_validator("id", "author", mode="before")(_text_or_none)
    _role = field_validator("role", mode="before")(_text_or("client"))
    _text = field_validator("text", mode="before")(_text_or(""))
    _at = field_validator("at", mode="before")(_time_or_none)


def parse_messages(raw: Any) -> list[Message]:
    """The readable messages of a thread; what is not a message object is skipped (logged)."""
    if not isinstance(raw, list):
        if raw is not None:
            log.warning("a conversation's messages are a %s, not a list: none shown", _kind(raw))
        return []
    messages = []
    for item in raw:
        if not isinstance(item, dict):
            continue
        try:
            messages.append(Message.model_validate(item))
        except ValidationError:
            continue
    if len(messages) < len(raw):
        log.warning(
            "skipped %d of %d messages of a conversation: not message objects",
            len(raw) - len(messages),
            len(raw),
        )
    return messages


def _kind(value: Any) -> str:
    return {dict: "JSON object", str: "string", bool: "boolean"}.get(type(value), "number")


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

    _coerce = field_validator("client_id", "client_name", "client_phone", mode="before")(
        _text_or_none
    )
    _channel = field_validator("channel", mode="before")(_text_or("unknown"))
    _status = field_validator("status", mode="before")(_text_or("active"))
    _times = field_validator("started_at", "last_message_at", mode="before")(_time_or_none)

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

    _coerce = field_validator("client_id", "client_name", "client_phone", mode="before")(
        _text_or_none
    )
    _channel = field_validator("channel", mode="before")(_text_or("unknown"))
    _status = field_validator("status", mode="before")(_text_or("active"))
    _times = field_validator("started_at", "last_message_at", "activity_at", mode="before")(
        _time_or_none
    )

    @field_validator("bot_paused", mode="before")
    @classmethod
    def _paused(cls, value: Any) -> bool:
        return bool(value) if value is not None else False

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


RowT = TypeVar("RowT", bound=BaseModel)


def describe_invalid(row: Any, error: ValidationError) -> str:
    """Which row and which field, for a log line: the id and the field, never a value."""
    first = error.errors(include_url=False, include_input=False)[0]
    field = ".".join(str(part) for part in first.get("loc", ())) or "row"
    row_id = row.get("id") if isinstance(row, dict) else None
    shown_id = str(row_id)[:64].encode("unicode_escape").decode("ascii") if row_id else "?"
    return f"id {shown_id}: {field}: {first.get('msg', 'is invalid')}"


def parse_rows(model: type[RowT], rows: Iterable[Any], *, source: str) -> list[RowT]:
    """Every row `model` can read; each one it cannot is skipped with a log line, so one bad
    row of the bot's never hides the rest of a page."""
    parsed: list[RowT] = []
    for row in rows:
        try:
            parsed.append(model.model_validate(row))
        except ValidationError as exc:
            log.warning("%s: skipped a malformed row (%s)", source, describe_invalid(row, exc))
    return parsed
