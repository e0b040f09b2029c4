"""Who acts during a chaos run: the bot writing wishlist rows, the operator at the keyboard, and
the witnesses (what the status bar said, which workers failed).

`pace()` is the scenario's own rhythm (a row every so often, a fault every few seconds): load,
not synchronisation. Nothing here waits on the clock for something to happen; the checks wait
on conditions (`app.wait_for`).
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.worker import Worker, WorkerState

from core.messages import ComposeMessageRequest
from modals.confirm import ConfirmScreen
from screens.main import MainScreen
from services.commands.service import EnqueueResult
from services.feeds import FeedState
from tabs.analytics_tab import AnalyticsTab, Phase
from tabs.commands_tab import CommandsTab
from tests.tui.conftest import built_tab
from tests.tui.observed import ObservedApp
from widgets.message_area import MessageArea
from widgets.status_bar import StatusBar, StatusInfo, render_status

# InternalClientError is how asyncpg reports a server's FATAL that lands between two steps of
# one query (a shutdown between Parse and Bind): the connection is gone, as with the others.
DB_DOWN = (
    OSError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    asyncio.TimeoutError,
)


async def pace(seconds: float) -> None:
    """The scenario's rhythm: how often the bot writes, the operator sends, faults strike."""
    await asyncio.sleep(seconds)


# -- the bot ----------------------------------------------------------------------------------
@dataclass
class WishlistWriter:
    """Inserts a wishlist row every `interval` s, the way the bot does, through every fault.

    A row whose commit was not acknowledged (Postgres went away mid-insert) is retried under
    the same client_id, and written only if it is not there yet: each row exists once."""

    dsn: str
    tenant_id: uuid.UUID
    interval: float
    ids: list[int] = field(default_factory=list)
    retries: int = 0  # inserts or connects that failed (Postgres away) and were tried again
    reconnects: int = 0
    _conn: asyncpg.Connection | None = None

    async def run(self, stop: asyncio.Event) -> None:
        number = 0
        try:
            while not stop.is_set():
                self.ids.append(await self._insert(f"chaos:{number}", number))
                number += 1
                await pace(self.interval)
        finally:
            if self._conn is not None:
                with contextlib.suppress(*DB_DOWN):
                    await self._conn.close(timeout=2)

    async def _insert(self, client_id: str, number: int) -> int:
        while True:
            try:
                if self._conn is None or self._conn.is_closed():
                    self.reconnects += self._conn is not None
                    self._conn = await asyncpg.connect(self.dsn, timeout=5)
                row_id: int | None = await self._conn.fetchval(
                    "insert into public.wishlist_v2"
                    " (tenant_id, client_id, client_name, client_phone, service_title)"
                    " select $1, $2, $3, '+7 900 000-00-00', 'Маникюр'"
                    " where not exists (select 1 from public.wishlist_v2"
                    "   where tenant_id = $1 and client_id = $2)"
                    " returning id",
                    self.tenant_id,
                    client_id,
                    f"Клиентка {number}",
                    timeout=10,
                )
                if row_id is None:  # the lost acknowledgement had committed after all
                    row_id = await self._conn.fetchval(
                        "select id from public.wishlist_v2 where tenant_id = $1 and client_id = $2",
                        self.tenant_id,
                        client_id,
                    )
                assert row_id is not None
                return row_id
            except DB_DOWN:
                self.retries += 1
                if self._conn is not None:
                    self._conn.terminate()
                    self.reconnects += 1
                self._conn = None
                await pace(0.2)


# -- the operator ------------------------------------------------------------------------------
@dataclass
class Operator:
    """Sends commands through the Commands tab's composer, as a person does: the text is typed,
    Ctrl+S, "y" at the confirmation. Opens the analytics tab when asked to."""

    pilot: Pilot[Any]
    clients: list[tuple[str, str]]  # (client_id, name) of the salon's conversations
    interval: float
    confirmed: list[str] = field(default_factory=list)  # texts the operator said "y" to
    results: list[EnqueueResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    analytics_request: asyncio.Event = field(default_factory=asyncio.Event)
    analytics_done: asyncio.Event = field(default_factory=asyncio.Event)
    analytics_phase: Phase | None = None
    analytics_state: str = ""

    @property
    def app(self) -> ObservedApp:
        app = self.pilot.app
        assert isinstance(app, ObservedApp)
        return app

    def spy_on_sends(self) -> None:
        """Records what each send the UI makes returns (its idempotency key) or raises."""
        commands = self.app.ctx.require_services().commands
        enqueue = commands.enqueue

        async def recorded(command_type: str, payload: dict[str, Any]) -> EnqueueResult:
            try:
                result = await enqueue(command_type, payload)
            except Exception as exc:
                self.errors.append(f"{type(exc).__name__}: {exc}")
                raise
            self.results.append(result)
            return result

        commands.enqueue = recorded  # type: ignore[method-assign]

    async def run(self, stop: asyncio.Event) -> None:
        await self._show_tab("commands")
        number = 0
        while not stop.is_set():
            if self.analytics_request.is_set() and not self.analytics_done.is_set():
                await self._load_analytics()
            await self._send(number)
            number += 1
            await pace(self.interval)

    async def _show_tab(self, name: str) -> None:
        # A click on the tab: the digit keys would be typed into the composer.
        await self.pilot.click(f"#--content-tab-{name}")
        await self.app.wait_for(
            lambda: isinstance(self.app.screen, MainScreen) and self.app.screen.active_tab == name,
            20,
        )

    async def _send(self, number: int) -> None:
        app = self.app
        client_id, name = self.clients[number % len(self.clients)]
        text = f"Хаос {number}"
        app.screen.post_message(ComposeMessageRequest(client_id, name, None))
        tab = await built_tab(app, CommandsTab)
        area = app.screen.query_one(MessageArea)
        await app.wait_for(lambda: app.focused is area, 20)
        if area.text:  # a failed send keeps its text; this one starts afresh
            area.clear()
        await self.pilot.press(*text, "ctrl+s")
        await app.wait_for(lambda: isinstance(app.screen, ConfirmScreen), 20)
        answered = len(self.results) + len(self.errors)
        self.confirmed.append(text)
        await self.pilot.press("y")
        # The send runs in a worker: until it has returned or failed and the form is free.
        await app.wait_for(
            lambda: len(self.results) + len(self.errors) > answered and not tab.form.busy, 60
        )

    async def _load_analytics(self) -> None:
        await self._show_tab("analytics")
        tab = await built_tab(self.app, AnalyticsTab)
        await self.app.wait_for(lambda: tab.phase in {Phase.ready, Phase.failed}, 90)
        self.analytics_phase, self.analytics_state = tab.phase, tab.state_text()
        self.analytics_done.set()
        await self._show_tab("commands")


# -- the witnesses ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Sample:
    """One state of the status bar, as it was drawn, at loop time `at`."""

    at: float
    feeds: dict[str, FeedState]
    outbox: int
    text: str


@dataclass
class StatusRecorder:
    """Every update of the status bar, recorded as it happens (nothing sampled on a timer)."""

    samples: list[Sample] = field(default_factory=list)

    def watch(self, bar: StatusBar) -> None:
        show = bar.show
        loop = asyncio.get_running_loop()

        def recorded(info: StatusInfo) -> None:
            self.samples.append(
                Sample(
                    loop.time(),
                    {name: status.state for name, status in info.feeds.items()},
                    info.outbox,
                    render_status(info).plain,
                )
            )
            show(info)

        bar.show = recorded  # type: ignore[method-assign]

    def timeline(self, feed: str) -> list[tuple[float, FeedState]]:
        """The feed's state changes, in order."""
        changes: list[tuple[float, FeedState]] = []
        for sample in self.samples:
            state = sample.feeds.get(feed)
            if state is not None and (not changes or changes[-1][1] != state):
                changes.append((sample.at, state))
        return changes

    def all_live(self, feeds: tuple[str, ...]) -> Callable[[], bool]:
        def check() -> bool:
            last = self.samples[-1] if self.samples else None
            return last is not None and all(
                last.feeds.get(feed) == FeedState.live for feed in feeds
            )

        return check


@dataclass
class FailedWorkers:
    """Workers that raised. The app's workers run with exit_on_error=False, so a failure there
    would crash nothing and show nothing: a traceback nobody sees."""

    failures: list[str] = field(default_factory=list)

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        run = Worker._run

        async def watched(worker: Worker[Any], app: App[Any]) -> None:
            await run(worker, app)
            if worker.state == WorkerState.ERROR:
                self.failures.append(f"{worker.name}: {worker.error!r}")

        monkeypatch.setattr(Worker, "_run", watched)
