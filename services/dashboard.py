"""Everything one logged-in user works with, bound to their session and closed on logout.

The TUI holds one `DashboardServices` per login. Every service in it is scoped to the user's
tenant and role; `close()` stops every feed it started, so nothing outlives the session.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from services.account import AccountService
from services.alerts import AlertService, BotEvent
from services.audit_view import AuditView
from services.backend import Backend
from services.bot_health import BotHealthService
from services.commands.outbox import Outbox, OutboxRecovery
from services.commands.service import CommandService
from services.conversations import ConversationService
from services.feed_types import FeedBatch, FeedSpec, FeedStatus, FeedTuning, Keyed
from services.feeds import LiveFeed
from services.models import BotCommand, ConversationSession, UserRecord, WishlistEntry
from services.presence import ConversationPresence, Listener, Viewer, display_name
from services.realtime_connection import RealtimeConnection
from services.secret import SecretStr
from services.user_admin import UserAdmin
from services.user_session import UserSession
from services.wishlist import WishlistService

log = logging.getLogger(__name__)
STOP_SECONDS = 10.0
# The events feed de-duplicates the recent ones only; receipts keep alerts once per event.
EVENTS_RETAINED = 2_000
T = TypeVar("T", bound=Keyed)

ACCOUNT_COLUMNS = "id,tenant_id,email,name,role,active,last_login_at,password_changed_at,updated_at"


@dataclass(frozen=True)
class AccountChange:
    """What happened to the logged-in account while the app was open."""

    user: UserRecord | None  # None: the account was deleted
    # The password was set elsewhere (another session of the user, an admin's reset, the CLI).
    password_changed: bool = False

    @property
    def signed_out(self) -> bool:
        return self.user is None or not self.user.active or self.password_changed


@dataclass(frozen=True)
class PresenceWatch:
    """One screen's interest in a conversation's presence (see `watch_presence`)."""

    session_id: str
    listener: Listener = field(compare=False)


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
    # `--read-only`: every service gets a session that can send and change nothing.
    read_only: bool = False
    # Told once when a damaged outbox file was moved aside and what could be read recovered.
    on_outbox_recovered: Callable[[OutboxRecovery], None] | None = None
    _presence: dict[str, ConversationPresence] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.read_only:
            self.session = self.session.as_read_only()
        tenant = self.session
        self.wishlist = WishlistService(self.backend, tenant)
        self.conversations = ConversationService(self.backend, tenant)
        self.commands = CommandService(
            self.backend, tenant, Outbox(self.outbox_path, self.on_outbox_recovered)
        )
        self.users = UserAdmin(self.backend, tenant)
        self.alerts = AlertService(self.backend, tenant)
        self.bot_health = BotHealthService(self.backend, tenant)
        # Every feed and open conversation is a channel on this one socket.
        self.realtime = RealtimeConnection(
            url=self.backend.url, key=self.key, timeout=self.tuning.subscribe_timeout
        )
        self.account = AccountService(self.backend, tenant)
        self.audit = AuditView(self.backend, tenant)
        # The password epoch this session may see: its login's, or the one it set itself.
        self._password_epoch: datetime | None = tenant.password_changed_at

    async def change_own_password(self, current: str, new: str, repeated: str) -> None:
        """The user's own password; their other open sessions end, this one stays."""
        previous = self._password_epoch
        epoch = datetime.now(UTC)
        # Known before the write, so this session's own feed never mistakes it for a change
        # made elsewhere, however early the row's update arrives.
        self._password_epoch = epoch
        try:
            await self.account.change_password(current, new, repeated, changed_at=epoch)
        except BaseException:
            self._password_epoch = previous
            raise

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
            connection=self.realtime,
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
            retain=EVENTS_RETAINED,
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
        """Deactivation, deletion, a role or password change of the logged-in user, within
        seconds."""

        def changed(batch: FeedBatch[Any]) -> None:
            if batch.deletes:
                on_change(AccountChange(None))
                return
            for user in batch.upserts:
                moved = not _same_instant(user.password_changed_at, self._password_epoch)
                if (not user.active) or user.role != self.session.role or batch.initial or moved:
                    record = UserRecord.model_validate(user.model_dump())
                    on_change(AccountChange(record, password_changed=moved))

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

    # -- presence -----------------------------------------------------------------------------
    async def watch_presence(self, session_id: str, on_change: Listener) -> PresenceWatch:
        """Be seen in one conversation of this tenant, and hear who else is (checked first).

        Every screen showing the conversation shares one presence; it leaves with the last.
        """
        thread = await self.conversations.thread(session_id)
        key = str(thread.id)
        presence = self._presence.get(key)
        if presence is None:
            me = Viewer(
                display_name(self.session.name, self.session.email), str(self.session.user_id)
            )
            presence = ConversationPresence(
                connection=self.realtime,
                tenant_id=str(self.session.tenant_id),
                session_id=key,
                me=me,
                tuning=self.tuning,
            )
            self._presence[key] = presence
            presence.start()
        presence.add_listener(on_change)
        return PresenceWatch(key, on_change)

    async def stop_presence(self, watch: PresenceWatch) -> None:
        presence = self._presence.get(watch.session_id)
        if presence is None or presence.remove_listener(watch.listener) > 0:
            return
        del self._presence[watch.session_id]
        await presence.stop()

    def rescope(self, session: UserSession) -> None:
        """The user's role changed while logged in: every service follows at once."""
        if self.read_only:
            session = session.as_read_only()
        self.session = session
        services = (
            self.wishlist,
            self.conversations,
            self.commands,
            self.users,
            self.alerts,
            self.bot_health,
            self.account,
            self.audit,
        )
        for service in services:
            service.session = session

    async def stop_feed(self, feed: LiveFeed[Any]) -> None:
        if feed in self._feeds:
            self._feeds.remove(feed)
        await feed.stop()

    async def close(self) -> None:
        presences, self._presence = list(self._presence.values()), {}
        for presence in presences:
            try:
                await asyncio.wait_for(presence.stop(), STOP_SECONDS)
            except (Exception, TimeoutError):
                log.exception("a presence did not stop cleanly")
        feeds, self._feeds = self._feeds, []
        for feed in feeds:
            # Bounded: a logout or an exit must never wait on a socket that does not answer.
            try:
                await asyncio.wait_for(feed.stop(), STOP_SECONDS)
            except (Exception, TimeoutError):
                log.exception("feed %s did not stop cleanly", feed.spec.name)
        await asyncio.wait_for(self.realtime.close(), STOP_SECONDS)


def _same_instant(a: datetime | None, b: datetime | None) -> bool:
    if a is None or b is None:
        return a is b
    return a == b
