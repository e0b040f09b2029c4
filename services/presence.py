"""Who else has a conversation open: Realtime Presence, on the app's one shared socket.

An operator who opens a conversation (or starts a message to it) is tracked on the topic
`conversation:<tenant id>:<session id>` with their name and id; everyone else there is told,
live, so two operators never answer a client at the same time unknowingly. The topic carries
the tenant id and is only built for a conversation the services found in the user's own tenant,
and members tracked for another tenant are ignored: presence never crosses salons.

Like the feeds, a presence supervises its own channel: after a drop it rejoins with backoff and
tracks again (Presence has no history to catch up: the join brings the whole state).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from realtime import AsyncRealtimeChannel, RealtimeSubscribeStates

from services.backoff import backoff_delay
from services.feeds import FeedTuning
from services.realtime_connection import RealtimeConnection

log = logging.getLogger(__name__)

NAME_LIMIT = 80  # a member's name as shown: someone else's data, never trusted to be short


@dataclass(frozen=True, order=True)
class Viewer:
    name: str
    user_id: str


def display_name(name: str | None, email: str) -> str:
    """The user's name, else the local part of their email."""
    if name and name.strip():
        return name.strip()
    return email.split("@", 1)[0]


def presence_topic(tenant_id: str, session_id: str) -> str:
    return f"conversation:{tenant_id}:{session_id}"


Listener = Callable[[list[Viewer]], None]


class ConversationPresence:
    def __init__(
        self,
        *,
        connection: RealtimeConnection,
        tenant_id: str,
        session_id: str,
        me: Viewer,
        tuning: FeedTuning,
        rng: random.Random | None = None,
    ) -> None:
        self.topic = presence_topic(tenant_id, session_id)
        self._connection = connection
        self._tenant_id = tenant_id
        self._me = me
        self._tuning = tuning
        self._rng = rng or random.Random()
        self._listeners: list[Listener] = []
        self._channel: AsyncRealtimeChannel | None = None
        self._lost = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.others: list[Viewer] = []
        self.joined = False

    # -- listeners ------------------------------------------------------------------------------
    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)
        self._call(listener, self.others)

    def remove_listener(self, listener: Listener) -> int:
        """Forget `listener`; how many are left."""
        with contextlib.suppress(ValueError):
            self._listeners.remove(listener)
        return len(self._listeners)

    def _call(self, listener: Listener, viewers: list[Viewer]) -> None:
        try:
            listener(list(viewers))
        except Exception:
            log.exception("presence: a listener failed")

    def _publish(self, viewers: list[Viewer]) -> None:
        if viewers == self.others:
            return
        self.others = viewers
        for listener in list(self._listeners):
            self._call(listener, viewers)

    # -- life cycle -----------------------------------------------------------------------------
    def start(self) -> None:
        self._task = asyncio.create_task(self._supervise(), name="presence")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self._teardown()  # leaving the channel is what removes us from the others' view

    async def _supervise(self) -> None:
        failures = 0
        while True:
            try:
                await self._join()
                failures = 0
                await self._lost.wait()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the realtime client raises bare Exceptions
                log.debug("presence %s: %s", self.topic, type(exc).__name__)
            await self._teardown()
            # While not joined nobody can be known to be here: say nothing rather than stale names.
            self._publish([])
            failures += 1
            delay = backoff_delay(failures, self._tuning.backoff_base, self._tuning.backoff_cap)
            await asyncio.sleep(delay * self._rng.uniform(0.5, 1.0))

    async def _join(self) -> None:
        self._lost.clear()
        client = await self._connection.client()
        channel = client.channel(
            self.topic,
            {
                "config": {
                    "broadcast": {"ack": False, "self": False},
                    "presence": {"key": self._me.user_id, "enabled": True},
                    "private": False,
                }
            },
        )
        self._channel = channel
        channel.on_presence_sync(lambda: self._sync(channel))
        joined = asyncio.Event()
        outcome: dict[str, bool] = {}

        def on_state(state: RealtimeSubscribeStates, error: Exception | None) -> None:
            if self._channel is not channel:
                return  # a released channel's late CLOSED (see services.feeds)
            outcome.setdefault("ok", state == RealtimeSubscribeStates.SUBSCRIBED)
            joined.set()
            if state != RealtimeSubscribeStates.SUBSCRIBED:
                self._lost.set()

        await channel.subscribe(on_state)
        await asyncio.wait_for(joined.wait(), self._tuning.subscribe_timeout)
        if not outcome.get("ok"):
            raise RuntimeError("realtime refused the presence channel")
        await channel.track(
            {"user_id": self._me.user_id, "name": self._me.name, "tenant_id": self._tenant_id}
        )
        self.joined = True

    async def _teardown(self) -> None:
        self.joined = False
        channel, self._channel = self._channel, None
        if channel is not None:
            await self._connection.release(channel)

    def _sync(self, channel: AsyncRealtimeChannel) -> None:
        if self._channel is not channel:
            return
        self._publish(self._viewers(channel.presence_state()))

    def _viewers(self, state: dict[str, Any]) -> list[Viewer]:
        seen: dict[str, Viewer] = {}
        for key, metas in state.items():
            if key == self._me.user_id:
                continue  # this user, here or in another window of theirs
            for meta in metas:
                if not isinstance(meta, dict) or meta.get("tenant_id") != self._tenant_id:
                    continue
                name = meta.get("name")
                if not isinstance(name, str) or not name.strip():
                    continue
                seen[str(key)] = Viewer(name.strip()[:NAME_LIMIT], str(key))
        return sorted(seen.values())
