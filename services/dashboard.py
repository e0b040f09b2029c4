"""Everything one logged-in user works with, bound to their session and closed on logout.

The TUI holds one `DashboardServices` per login. Every service in it is scoped to the user's
tenant and role; `close()` stops every feed it started, so nothing outlives the session.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import SecretStr

from services.alerts import AlertService, BotEvent
from services.backend import Backend
from services.commands.outbox import Outbox
from services.commands.service import CommandService
from services.conversations import ConversationService
from services.feeds import FeedBatch, FeedSpec, FeedStatus, FeedTuning, Keyed, LiveFeed
from services.models import BotCommand, ConversationSession, UserRecord, WishlistEntry
from services.user_admin import UserAdmin
from services.user_session import UserSession
from services.wishlist import WishlistService

log = logging.getLogger(__name__)
T = TypeVar("T", bound=Keyed)

ACCOUNT_COLUMNS = "id,tenant_id,email,name,role,active,last_login_at,updated_at"


@dataclass(frozen=True)
class AccountChange:
    """What happened to the logged-in account while the app was open."""

    user: UserRecord | None  # None: the account was deleted

    @property
    def signed_out(self) -> bool:
        return self.user is None or not self.user.active


class _AccountKey(UserRecord):
    @property
    def key(self) -> str:
        return str(self.id)


@dataclass
class DashboardServices:
    backend: Backend
    key: SecretStr
    session: UserSession
    outbox_path: Path
    tuning: FeedTuning = field(default_factory=FeedTuning)
    _feeds: list[LiveFeed[Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        tenant = self.session
        self.wishlist = WishlistService(self.backend, tenant)
        self.conversations = ConversationService(self.backend, tenant)
        self.commands = CommandService(self.backend, tenant, Outbox(self.outbox_path))
        self.users = UserAdmin(self.backend, tenant)
        self.alerts = AlertService(self.backend, tenant)

    # -- feeds --------------------------------------------------------------------------------
    async def _start(
        self,
        spec: FeedSpec[Any],
        on_batch: Callable[[FeedBatch[Any]], None],
        on_status: Callable[[FeedStatus], None],
    ) -> LiveFeed[Any]:
        feed: LiveFeed[Any] = LiveFeed(
            backend=self.backend,
            key=self.key,
            spec=spec,
            on_batch=on_batch,
            on_status=on_status,
            tuning=self.tuning,
        )
        self._feeds.append(feed)
        await feed.start()
        return feed

    def _tenant_spec(
        self,
        name: str,
        table: str,
        parse: Callable[[dict[str, Any]], T],
        cursor_column: str,
        window: int,
        *,
        schema: str = "public",
    ) -> FeedSpec[T]:
        """A feed of one of this tenant's tables: filtered by tenant, versioned by updated_at."""
        return FeedSpec(
            name=name,
            schema=schema,
            table=table,
            parse=parse,
            cursor_column=cursor_column,
            filter_column="tenant_id",
            filter_value=str(self.session.tenant_id),
            version_column="updated_at",
            window=window,
        )

    async def watch_wishlist(
        self,
        on_batch: Callable[[FeedBatch[WishlistEntry]], None],
        on_status: Callable[[FeedStatus], None],
        *,
        window: int = 500,
    ) -> LiveFeed[WishlistEntry]:
        spec = self._tenant_spec(
            "wishlist", "wishlist_v2", WishlistEntry.model_validate, "created_at", window
        )
        return await self._start(spec, on_batch, on_status)

    async def watch_commands(
        self,
        on_batch: Callable[[FeedBatch[BotCommand]], None],
        on_status: Callable[[FeedStatus], None],
        *,
        window: int = 200,
    ) -> LiveFeed[BotCommand]:
        spec = self._tenant_spec(
            "commands",
            "bot_commands",
            BotCommand.model_validate,
            "updated_at",
            window,
            schema="dashboard",
        )
        return await self._start(spec, on_batch, on_status)

    async def watch_sessions(
        self,
        on_batch: Callable[[FeedBatch[ConversationSession]], None],
        on_status: Callable[[FeedStatus], None],
        *,
        window: int = 50,
    ) -> LiveFeed[ConversationSession]:
        spec = self._tenant_spec(
            "sessions",
            "conversation_sessions_v2",
            ConversationSession.model_validate,
            "last_message_at",
            window,
        )
        return await self._start(spec, on_batch, on_status)

    async def watch_events(
        self,
        on_batch: Callable[[FeedBatch[BotEvent]], None],
        on_status: Callable[[FeedStatus], None],
        *,
        window: int = 100,
    ) -> LiveFeed[BotEvent]:
        """The bot's status events of this tenant (hand-offs for alerts); rows never change."""
        spec = FeedSpec(
            name="events",
            schema="dashboard",
            table="bot_events",
            parse=BotEvent.model_validate,
            cursor_column="at",
            filter_column="tenant_id",
            filter_value=str(self.session.tenant_id),
            window=window,
        )
        return await self._start(spec, on_batch, on_status)

    async def watch_thread(
        self,
        session_id: str,
        on_batch: Callable[[FeedBatch[ConversationSession]], None],
        on_status: Callable[[FeedStatus], None],
    ) -> LiveFeed[ConversationSession]:
        """One open conversation, live. The id must be this tenant's (checked first)."""
        thread = await self.conversations.thread(session_id)
        spec = FeedSpec(
            name="thread",
            schema="public",
            table="conversation_sessions_v2",
            parse=ConversationSession.model_validate,
            cursor_column="last_message_at",
            filter_column="id",
            filter_value=str(thread.id),
            version_column="updated_at",
            window=1,
        )
        return await self._start(spec, on_batch, on_status)

    async def watch_account(
        self, on_change: Callable[[AccountChange], None], on_status: Callable[[FeedStatus], None]
    ) -> LiveFeed[Keyed]:
        """Deactivation, deletion or a role change of the logged-in user, within seconds."""

        def changed(batch: FeedBatch[Any]) -> None:
            if batch.deletes:
                on_change(AccountChange(None))
                return
            for user in batch.upserts:
                if (not user.active) or user.role != self.session.role or batch.initial:
                    on_change(AccountChange(UserRecord.model_validate(user.model_dump())))

        spec = FeedSpec(
            name="account",
            schema="dashboard",
            table="users",
            parse=_AccountKey.model_validate,
            cursor_column="updated_at",
            filter_column="id",
            filter_value=str(self.session.user_id),
            select=ACCOUNT_COLUMNS,
            version_column="updated_at",
            window=1,
        )
        return await self._start(spec, changed, on_status)

    def rescope(self, session: UserSession) -> None:
        """The user's role changed while logged in: every service follows at once."""
        self.session = session
        for service in (self.wishlist, self.conversations, self.commands, self.users, self.alerts):
            service.session = session

    async def stop_feed(self, feed: LiveFeed[Any]) -> None:
        if feed in self._feeds:
            self._feeds.remove(feed)
        await feed.stop()

    async def close(self) -> None:
        feeds, self._feeds = self._feeds, []
        for feed in feeds:
            try:
                await feed.stop()
            except Exception:
                log.exception("feed %s did not stop cleanly", feed.spec.name)
