"""What screens need from the App, without importing it: settings, the session, the services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, cast

from textual.app import App

from core.settings import Settings

if TYPE_CHECKING:
    from services.alerts import NeedsStaff
    from services.backend import Backend
    from services.bot_health import BotHealth
    from services.dashboard import DashboardServices
    from services.feed_types import FeedStatus
    from services.user_session import UserSession


@dataclass(frozen=True)
class DemoLogin:
    email: str
    password: str
    role: str
    tenant: str


@dataclass
class AppContext:
    settings: Settings
    read_only: bool = False
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    demo_logins: list[DemoLogin] = field(default_factory=list)
    data_dir: Path | None = None
    backend: Backend | None = None
    session: UserSession | None = None
    services: DashboardServices | None = None
    feed_status: dict[str, FeedStatus] = field(default_factory=dict)
    outbox_waiting: int = 0
    # Conversations handed to staff and not answered yet (the Sessions tab's badge), oldest
    # first; and whether the bot is taking commands (the status bar, the composer's warning).
    needs_staff: list[NeedsStaff] = field(default_factory=list)
    bot_health: BotHealth | None = None

    def can_write(self) -> bool:
        """Sending commands: the role allows it and the app is not read-only."""
        from services.user_session import Permission

        return (
            not self.read_only
            and self.session is not None
            and self.session.can(Permission.send_commands)
        )

    def is_admin(self) -> bool:
        """Managing the salon's accounts (Staff, Audit): the screens mirror the services' rule."""
        from services.user_session import Permission

        return self.session is not None and self.session.can(Permission.manage_users)

    def require_services(self) -> DashboardServices:
        if self.services is None:
            raise RuntimeError("no user is logged in")
        return self.services


class HasContext(Protocol):
    ctx: AppContext


def context_of(app: App[object]) -> AppContext:
    return cast(HasContext, app).ctx
