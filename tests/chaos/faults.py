"""The chaos suite's hand on the stack: faults over HTTP (`/_devstack/faults/...`, service key),
each one recorded with when it was sent and when the stack confirmed it, on the loop's clock."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass(frozen=True)
class FaultEvent:
    fault: str
    params: dict[str, Any]
    sent: float
    applied: float


@dataclass(frozen=True)
class Outage:
    """Realtime was unreachable for the app from `start` to `end` (loop time): nothing could
    subscribe in between, so a feed that says "live" there is not telling the truth."""

    name: str
    start: float
    end: float


@dataclass(frozen=True)
class Break:
    """Every realtime socket was cut at `at`: the feeds must leave "live", then come back."""

    name: str
    at: float


@dataclass
class FaultInjector:
    url: str
    service_key: str
    events: list[FaultEvent] = field(default_factory=list)
    outages: list[Outage] = field(default_factory=list)
    breaks: list[Break] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._http = httpx.AsyncClient(
            base_url=f"{self.url}/_devstack/faults",
            headers={"apikey": self.service_key},
            # restart-postgres answers once Postgres is back: seconds, not milliseconds.
            timeout=60,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def inject(self, fault: str, **params: Any) -> FaultEvent:
        loop = asyncio.get_running_loop()
        sent = loop.time()
        response = await self._http.post(f"/{fault}", params=params)
        assert response.status_code == 200, f"{fault}: {response.status_code} {response.text}"
        event = FaultEvent(fault, params, sent, loop.time())
        self.events.append(event)
        return event

    # -- compound faults, each recorded with what the status bar must make of it -----------
    async def drop_sockets(self) -> None:
        event = await self.inject("drop-sockets")
        self.breaks.append(Break("drop-sockets", event.sent))

    async def kill_realtime(self, down_for: float) -> None:
        """Realtime is killed and restarted, and refuses every socket for `down_for` s."""
        refused = await self.inject("refuse-sockets", seconds=down_for)
        restart = await self.inject("restart-realtime")
        self.breaks.append(Break("restart-realtime", restart.sent))
        # The stack's window opened when it received the refusal, after `refused.sent`.
        self.outages.append(Outage("restart-realtime", restart.sent, refused.sent + down_for))

    async def restart_realtime(self) -> None:
        event = await self.inject("restart-realtime")
        self.breaks.append(Break("restart-realtime", event.sent))

    async def drop_sockets_while_postgres_is_down(self, down_for: float) -> None:
        """The feeds rejoin while Postgres is away: joins fail (a transient join error) and so
        does the catch-up (503), so no feed can be "live" again before Postgres is back."""
        postgres = await self.inject("restart-postgres", seconds=down_for)  # answers once down
        drop = await self.inject("drop-sockets")
        self.breaks.append(Break("drop-sockets+postgres-down", drop.sent))
        self.outages.append(Outage("postgres-down", drop.sent, postgres.sent + down_for))

    async def drop_sockets_while_rest_is_down(self, down_for: float) -> None:
        """A reconnect whose catch-up meets a REST outage: no feed may say "live" before it
        has read what it missed, which it cannot until REST answers again."""
        rest = await self.inject("rest-unavailable", seconds=down_for)
        drop = await self.inject("drop-sockets")
        self.breaks.append(Break("drop-sockets+rest-unavailable", drop.sent))
        self.outages.append(Outage("rest-unavailable", drop.sent, rest.sent + down_for))

    def counts(self) -> dict[str, int]:
        return dict(Counter(event.fault for event in self.events))

    def longest(self) -> dict[str, float]:
        """Per fault, the longest time the stack took to confirm it (a restart's length)."""
        longest: dict[str, float] = {}
        for event in self.events:
            took = round(event.applied - event.sent, 3)
            longest[event.fault] = max(longest.get(event.fault, 0.0), took)
        return longest
