"""One realtime websocket shared by every feed and open conversation of a logged-in app.

Each live feed used to open a socket of its own: five per app, plus one per open conversation.
Here they are channels on one client. The connection never reconnects by itself (supabase-py
gives up after ~15 s and would rejoin channels behind the feeds' backs): a dropped socket
reports CHANNEL_ERROR to every joined channel, each feed releases its channel and asks for
`client()` again after its own backoff, and the first to ask opens the one new socket while the
others wait for it (single flight). A new socket gets a new client, so nothing of the old one
(channels errored by the drop, their buffered leaves) can ever be rejoined or replayed on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from realtime import AsyncRealtimeChannel

from services.realtime_client import CooperativeRealtimeClient
from services.secret import SecretStr

log = logging.getLogger(__name__)

# A leave is only sent here, its reply is not awaited; this bounds a send on a choking socket.
LEAVE_SEND_SECONDS = 1.0


def realtime_url(supabase_url: str) -> str:
    return supabase_url.rstrip("/") + "/realtime/v1"


class _OneSocketClient(CooperativeRealtimeClient):
    """A client for one socket only: once it is gone, the connection makes a new client.

    supabase-py's `channel.subscribe()` reconnects a disconnected client by itself; a feed
    joining just as the socket dropped would so open a second socket behind the connection's
    back, which nobody would ever close.
    """

    _used = False

    async def connect(self) -> None:
        if self.is_connected:
            return
        if self._used:
            raise RuntimeError("the realtime socket is gone")
        self._used = True
        await super().connect()


class RealtimeConnection:
    def __init__(self, *, url: str, key: SecretStr, timeout: float) -> None:
        self._url = realtime_url(url)
        self._key = key
        # The client's join/leave timeout and the handshake's; whole seconds, at least one.
        self._timeout = max(1, int(timeout))
        self._client: CooperativeRealtimeClient | None = None
        self._lock = asyncio.Lock()
        self._closed = False
        self.connects = 0  # sockets opened so far: one per drop, however many channels

    @property
    def connected(self) -> bool:
        return self._client is not None and self._client.is_connected

    async def client(self) -> CooperativeRealtimeClient:
        """The connected client, opening a new socket if the last one is gone (one at a time)."""
        async with self._lock:
            if self._closed:
                raise RuntimeError("the realtime connection is closed")
            current = self._client
            if current is not None and current.is_connected:
                return current
            if current is not None:
                self._client = None
                with contextlib.suppress(Exception):
                    await current.close()  # its listener and heartbeat tasks end with it
            fresh = _OneSocketClient(
                self._url,
                token=self._key.get_secret_value(),
                auto_reconnect=False,
                max_retries=1,
                timeout=self._timeout,
            )
            try:
                await fresh.connect()
            except BaseException:
                with contextlib.suppress(Exception):
                    await fresh.close()
                raise
            self._client = fresh
            self.connects += 1
            return fresh

    async def release(self, channel: AsyncRealtimeChannel) -> None:
        """Take `channel` off its client now, so no reconnect ever rejoins it.

        The leave is still sent (when the socket is dead it is buffered and never goes out), so
        the channel ends with the library's own CLOSED a reply or a timeout later; subscribers
        must ignore that late word from a channel they no longer hold.
        """
        client = channel.socket
        if client.channels.get(channel.topic) is not channel:
            return
        try:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(channel.unsubscribe(), LEAVE_SEND_SECONDS)
        finally:
            channel.rejoin_timer.reset()
            if client.channels.get(channel.topic) is channel:
                del client.channels[channel.topic]

    async def close(self) -> None:
        """The app logs out: the socket closes and no `client()` opens another."""
        async with self._lock:
            self._closed = True
            client, self._client = self._client, None
        if client is None:
            return
        for channel in list(client.channels.values()):
            await self.release(channel)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(client.close(), 2)
