"""The Realtime client the feeds use: supabase's, made to share the event loop during bursts.

supabase-py's listener reads the websocket with `async for`, which does not suspend while
messages are already buffered: a burst of 2,000 changes was parsed in one stretch (each message
is validated by pydantic and formatted for a debug log line), holding the event loop, and so
the screen, for well over 100 ms. Here the socket is wrapped so that the listener hands the loop
back at least every `SLICE_SECONDS` of work; messages, order and the client's own logic are
untouched.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

from realtime import AsyncRealtimeClient

SLICE_SECONDS = 0.004


class _CooperativeSocket:
    """The client's websocket, iterated with a yield to the loop every few milliseconds."""

    def __init__(self, socket: Any) -> None:
        self._socket = socket

    def __getattr__(self, name: str) -> Any:
        return getattr(self._socket, name)

    async def __aiter__(self) -> AsyncIterator[Any]:
        last = time.perf_counter()
        async for message in self._socket:
            yield message
            now = time.perf_counter()
            if now - last >= SLICE_SECONDS:
                await asyncio.sleep(0)
                last = time.perf_counter()


class CooperativeRealtimeClient(AsyncRealtimeClient):
    async def _on_connect(self) -> None:
        # Called by connect() right after the handshake stored the socket and before the
        # listener starts: the listener and close() both see the wrapper.
        if self._ws_connection is not None and not isinstance(
            self._ws_connection, _CooperativeSocket
        ):
            self._ws_connection = _CooperativeSocket(self._ws_connection)  # type: ignore[assignment]
        await super()._on_connect()
