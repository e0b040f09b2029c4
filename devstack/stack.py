"""The devstack: embedded Postgres, REST, Realtime, YClients sandbox and bot simulator on loopback.

One `DevStack` object owns every part, so the CLI, the demo and the test fixtures start the same
thing. The HTTP side is one aiohttp server:
  /rest/v1/...              PostgREST subset            (devstack.rest)
  /realtime/v1/websocket    Realtime postgres_changes   (devstack.realtime)
  /yclients/api/v1/...      YClients sandbox            (devstack.yclients_sandbox)
  /_devstack/...            fault controls, service key only (devstack.control)
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
from aiohttp import web

from devstack.control import add_control_routes
from devstack.keys import Keys, load_or_create_secret
from devstack.migrations import apply_migrations, apply_platform
from devstack.postgres import EmbeddedPostgres, free_port

log = logging.getLogger(__name__)

STATE_FILE = "stack.json"


@dataclass(frozen=True)
class YClientsCompanyInfo:
    tenant: str
    company_id: int
    user_token: str


@dataclass(frozen=True)
class StackInfo:
    """What `agentp devstack --json` prints: everything a client needs to reach the stack."""

    supabase_url: str
    anon_key: str  # legacy JWT keys
    service_key: str
    database_url: str
    yclients_url: str | None
    # Supabase's current keys, mapped to the same roles (anon, service_role) as the two above.
    publishable_key: str = ""
    secret_key: str = ""
    yclients_partner_token: str | None = None
    yclients_companies: list[YClientsCompanyInfo] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)


@dataclass
class StackOptions:
    data_dir: Path
    host: str = "127.0.0.1"
    port: int = 0
    pg_port: int = 0
    demo_data: bool = False
    seed: int = 20261126
    # None: off; otherwise events per second the simulated bot generates (0 = process commands only)
    bot_rate: float | None = None
    yclients: bool = True


class DevStack:
    def __init__(self, options: StackOptions) -> None:
        self.options = options
        self.data_dir = Path(options.data_dir).resolve()
        self.pg = EmbeddedPostgres(self.data_dir / "pg", host=options.host, port=options.pg_port)
        self.keys = Keys.for_secret(load_or_create_secret(self.data_dir / "jwt-secret"))
        self.port = 0
        self._runner: web.AppRunner | None = None
        self._info: StackInfo | None = None
        self._tasks: list[Any] = []
        self._postgres_back: asyncio.Task[None] | None = None
        # Filled in start(); typed loosely here to keep the parts independent of each other.
        self.rest: Any = None
        self.realtime: Any = None
        self.bot: Any = None
        self.yclients_config: Any = None
        self.yclients: Any = None

    @property
    def info(self) -> StackInfo:
        if self._info is None:
            raise RuntimeError("the devstack is not started")
        return self._info

    @property
    def url(self) -> str:
        return f"http://{self.options.host}:{self.port}"

    async def start(self) -> StackInfo:
        from devstack.realtime.service import RealtimeService
        from devstack.rest.service import RestService

        await self.pg.start()
        try:
            await self._prepare_database()
            self.port = self.options.port or free_port(self.options.host)
            app = web.Application(client_max_size=64 * 1024 * 1024)

            self.rest = RestService(dsn=self.pg.dsn("authenticator"), keys=self.keys)
            await self.rest.start()
            self.rest.add_routes(app)

            self.realtime = RealtimeService(dsn=self.pg.dsn("postgres"), keys=self.keys)
            await self.realtime.start()
            self.realtime.add_routes(app)

            yclients_url = None
            companies: list[YClientsCompanyInfo] = []
            partner = None
            if self.options.yclients:
                yclients_url, partner, companies = self._mount_yclients(app)

            add_control_routes(app, self)

            self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
            await self._runner.setup()
            await web.TCPSite(self._runner, self.options.host, self.port).start()

            if self.options.bot_rate is not None:
                from devstack.bot_simulator import BotSimulator

                self.bot = BotSimulator(
                    dsn=self.pg.dsn("postgres"), rate=self.options.bot_rate, seed=self.options.seed
                )
                await self.bot.start()

            self._info = StackInfo(
                supabase_url=self.url,
                anon_key=self.keys.anon,
                service_key=self.keys.service,
                database_url=self.pg.dsn("postgres"),
                yclients_url=yclients_url,
                yclients_partner_token=partner,
                yclients_companies=companies,
                publishable_key=self.keys.publishable,
                secret_key=self.keys.secret_key,
            )
            self._write_state_file()
            return self._info
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        back, self._postgres_back = self._postgres_back, None
        if back is not None:
            back.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await back
        for part in (self.bot, self.realtime, self.rest):
            if part is not None:
                with contextlib.suppress(Exception):
                    await part.stop()
        self.bot = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self.pg.stop()
        with contextlib.suppress(FileNotFoundError):
            (self.data_dir / STATE_FILE).unlink()

    @property
    def postgres_down(self) -> bool:
        return self._postgres_back is not None and not self._postgres_back.done()

    async def restart_postgres(self, down_for: float = 0.0) -> None:
        """A fault: Postgres goes away and comes back on the same port; the parts reconnect.

        With `down_for`, it stays away that long: this returns once it is down, and it comes
        back by itself."""
        if self.postgres_down:
            raise RuntimeError("Postgres is already down and comes back by itself")
        if not down_for:
            await self.pg.restart()
            return
        await self.pg.stop()
        self._postgres_back = asyncio.create_task(self._start_postgres_after(down_for))

    async def _start_postgres_after(self, seconds: float) -> None:
        await asyncio.sleep(seconds)  # a stack stopping meanwhile cancels this: it stays down
        start = asyncio.ensure_future(self.pg.start())
        try:
            await asyncio.shield(start)
        except asyncio.CancelledError:
            # A start cut short could leave a server nobody stops: let it finish, then stop.
            await start
            raise

    async def connect(self, user: str = "postgres") -> asyncpg.Connection:
        return await asyncpg.connect(self.pg.dsn(user))

    async def _prepare_database(self) -> None:
        conn = await self.connect()
        try:
            await apply_platform(conn)
            await apply_migrations(conn)
            if self.options.demo_data:
                from devstack.demo_data import seed_demo

                await seed_demo(conn, seed=self.options.seed)
        finally:
            await conn.close()

    def _mount_yclients(self, app: web.Application) -> tuple[str, str, list[YClientsCompanyInfo]]:
        from devstack.yclients_sandbox import DEMO_SANDBOX_CONFIG, create_sandbox_app, sandbox_of

        self.yclients_config = DEMO_SANDBOX_CONFIG
        sub_app = create_sandbox_app(DEMO_SANDBOX_CONFIG)
        # Kept for resilience tests: sandbox_of(...) exposes its fault knobs (5xx, 429, hangs).
        self.yclients = sandbox_of(sub_app)
        app.add_subapp("/yclients", sub_app)
        companies = [
            YClientsCompanyInfo(c.name, c.company_id, c.user_token)
            for c in DEMO_SANDBOX_CONFIG.companies
        ]
        return (
            f"{self.url}/yclients/api/v1",
            DEMO_SANDBOX_CONFIG.partner_token,
            companies,
        )

    def _write_state_file(self) -> None:
        # Lets `agentp fault ...` find this running stack; it holds the service key, so 0600.
        path = self.data_dir / STATE_FILE
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(
                {"url": self.url, "service_key": self.keys.service, "pid": os.getpid()}, handle
            )


async def run_until_signalled(stack: DevStack, stop: asyncio.Event) -> None:
    try:
        await stop.wait()
    finally:
        await stack.stop()
