"""Messages the App's workers and feed callbacks post; handlers on the UI side act on them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:
    from services.alerts import FailedCommandAlert, HandoffAlert, NeedsStaff
    from services.backend import Backend
    from services.bot_health import BotHealth
    from services.dashboard import AccountChange
    from services.feed_types import FeedBatch, FeedStatus
    from services.user_session import UserSession


@dataclass
class BackendReady(Message):
    backend: Backend


@dataclass
class BackendFailed(Message):
    reason: str


@dataclass
class LoginSucceeded(Message):
    session: UserSession


@dataclass
class LoginRefused(Message):
    reason: str  # invalid | locked | unavailable
    detail: str = ""
    locked_until: datetime | None = None


@dataclass
class FeedChanged(Message):
    """A batch of one feed (`wishlist`, `commands`, `sessions`)."""

    feed: str
    batch: FeedBatch[Any]


@dataclass
class FeedStatusChanged(Message):
    feed: str
    status: FeedStatus


@dataclass
class AccountChanged(Message):
    change: AccountChange


@dataclass
class OutboxChanged(Message):
    waiting: int


@dataclass
class UnlockChecked(Message):
    ok: bool
    # The email is locked out (too many failures, here or in other sessions): log out.
    locked: bool = False


@dataclass
class ComposeMessageRequest(Message):
    """Start a message to a client in the composer (from the wishlist or a conversation)."""

    client_id: str
    client_name: str | None = None
    session_id: str | None = None


@dataclass
class HandoffsAlerted(Message):
    """Hand-offs to staff this app session is the first of the user's to see (alert them)."""

    alerts: list[HandoffAlert]


@dataclass
class CommandsFailed(Message):
    """The user's own commands that failed, each alerted once."""

    alerts: list[FailedCommandAlert]


@dataclass
class NeedsStaffChanged(Message):
    items: list[NeedsStaff]


@dataclass
class BotHealthChanged(Message):
    health: BotHealth
