"""The REST half of the devstack: a PostgREST-compatible subset at /rest/v1.

Owns the `authenticator` connection pool, the schema cache and the LISTEN connection on
channel `pgrst`. Each request runs in one transaction under the caller's role (see `run`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import asyncpg
from aiohttp import web

from devstack.keys import Keys
from devstack.rest import handlers
from devstack.rest.errors import ApiError, connection_error, from_postgres
from devstack.rest.negotiation import Identity
from devstack.rest.schema_cache import SchemaCache, load_schema_cache
from devstack.rest.transaction import RequestConnection, commit, in_transaction

log = logging.getLogger(__name__)

T = TypeVar("T")

# The connection is gone (Postgres restarting or stopped), as opposed to a failing statement.
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    asyncio.TimeoutError,
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    # A server's FATAL that lands between two protocol steps of one query (a shutdown between
    # Parse and Bind) leaves asyncpg in a state it reports with this; the connection is gone.
    asyncpg.exceptions.InternalClientError,
)


def gateway_unavailable() -> web.Response:
    """What Supabase's API gateway (Kong) answers while PostgREST is unreachable: a 503 whose
    JSON has a message and no `code`, so postgrest-py raises an APIError with `code=None` and
    only the HTTP status says "try again later"."""
    return web.json_response({"message": "name resolution failed"}, status=503)


class RestService:
    def __init__(
        self,
        *,
        dsn: str,
        keys: Keys,
        schemas: tuple[str, ...] = ("public", "dashboard"),
    ) -> None:
        self.dsn = dsn
        self.keys = keys
        self.schemas = schemas
        self.cache = SchemaCache()
        # Bumped on every reload; lets a request that missed a name reload at most once, and
        # lets tests wait for a NOTIFY-triggered reload without sleeping.
        self.generation = 0
        self._reloaded = asyncio.Condition()
        self._reload_lock = asyncio.Lock()
        self._pool: asyncpg.Pool | None = None
        self._listener: asyncio.Task[None] | None = None
        self._listen_conn: asyncpg.Connection | None = None
        self._closing = False
        self._unavailable_until = 0.0
        # Read-only transactions answered before their COMMIT: awaited before the pool closes.
        self._committing: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self._closing = False
        self._pool = await asyncpg.create_pool(
            self.dsn,
            min_size=1,
            max_size=10,
            connection_class=RequestConnection,
            # Supabase projects run in UTC; pin it so timestamptz renders the same on any host.
            server_settings={"application_name": "devstack-rest", "TimeZone": "UTC"},
        )
        await self.reload_schema()
        ready = asyncio.Event()
        self._listener = asyncio.create_task(self._listen_forever(ready))
        await ready.wait()

    async def stop(self) -> None:
        self._closing = True
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._listener
            self._listener = None
        if self._listen_conn is not None:
            with contextlib.suppress(Exception):
                await self._listen_conn.close(timeout=2)
            self._listen_conn = None
        if self._committing:
            await asyncio.wait(self._committing, timeout=5)
        if self._pool is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._pool.close(), 5)
            self._pool = None

    def add_routes(self, app: web.Application) -> None:
        async def relation(request: web.Request) -> web.StreamResponse:
            if self.unavailable:
                return gateway_unavailable()
            return await handlers.handle(self, request, rpc=False)

        async def rpc(request: web.Request) -> web.StreamResponse:
            if self.unavailable:
                return gateway_unavailable()
            return await handlers.handle(self, request, rpc=True)

        app.router.add_route("*", "/rest/v1/rpc/{name}", rpc)
        app.router.add_route("*", "/rest/v1/{name}", relation)

    # -- faults -------------------------------------------------------------------------

    def make_unavailable(self, seconds: float) -> None:
        """For `seconds`, every /rest/v1 request gets the API gateway's 503 (see below)."""
        self._unavailable_until = time.monotonic() + max(0.0, seconds)

    @property
    def unavailable(self) -> bool:
        return time.monotonic() < self._unavailable_until

    # -- schema cache ---------------------------------------------------------------------

    async def reload_schema(self) -> None:
        async with self._reload_lock:
            await self._reload_locked()

    async def reload_if_unchanged(self, generation: int) -> None:
        """Reload unless someone already did since `generation` (a miss triggers one reload)."""
        async with self._reload_lock:
            if self.generation == generation:
                await self._reload_locked()

    async def wait_for_generation(self, above: int) -> None:
        async with self._reloaded:
            await self._reloaded.wait_for(lambda: self.generation > above)

    async def _reload_locked(self) -> None:
        pool = self._require_pool()
        try:
            async with pool.acquire() as conn:
                self.cache = await load_schema_cache(conn, self.schemas)
        except CONNECTION_ERRORS as exc:
            raise connection_error(exc) from exc
        async with self._reloaded:
            self.generation += 1
            self._reloaded.notify_all()

    def _on_notify(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        # PostgREST reloads on 'reload schema' and on an empty payload.
        if payload.strip() in ("", "reload schema"):
            asyncio.get_running_loop().create_task(self._reload_quietly())

    async def _reload_quietly(self) -> None:
        try:
            await self.reload_schema()
        except Exception:
            log.warning("schema cache reload failed", exc_info=True)

    async def _listen_forever(self, ready: asyncio.Event) -> None:
        """LISTEN pgrst; after a lost connection, reconnect with backoff and reload."""
        delay = 0.05
        first = True
        while not self._closing:
            try:
                conn = await asyncpg.connect(self.dsn, timeout=5)
            except (*CONNECTION_ERRORS, asyncpg.PostgresError):
                ready.set()  # start() must not hang on a listener; requests still work
                await asyncio.sleep(delay)
                delay = min(delay * 2, 1.0)
                continue
            delay = 0.05
            lost = asyncio.Event()
            conn.add_termination_listener(lambda _c, lost=lost: lost.set())
            self._listen_conn = conn
            try:
                await conn.add_listener("pgrst", self._on_notify)
                if not first:
                    # Whatever changed while we were away was announced to nobody.
                    await self._reload_quietly()
                first = False
                ready.set()
                await lost.wait()
            except CONNECTION_ERRORS:
                pass
            finally:
                self._listen_conn = None
                with contextlib.suppress(Exception):
                    conn.terminate()

    # -- one request, one transaction -----------------------------------------------------

    def _commit_later(self, pool: asyncpg.Pool, conn: RequestConnection) -> None:
        """A read-only request's COMMIT, after its answer (see devstack/rest/transaction.py)."""

        async def finish() -> None:
            try:
                await commit(conn)
            except (*CONNECTION_ERRORS, asyncpg.PostgresError, asyncpg.InterfaceError):
                pass  # a lost connection: the pool closes it on release; nothing was written
            finally:
                await pool.release(conn)

        task = asyncio.create_task(finish())
        self._committing.add(task)
        task.add_done_callback(self._committing.discard)

    def _require_pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError("the REST service is not started")
        return self._pool

    async def run(
        self,
        identity: Identity,
        request: web.Request,
        work: Callable[[asyncpg.Connection], Awaitable[T]],
        *,
        readonly: bool,
    ) -> T:
        """`work` inside BEGIN; SET LOCAL ROLE + claims; COMMIT (or ROLLBACK on any error).

        PostgREST sets the role with set_config('role', ..., true), which is SET LOCAL ROLE;
        the role comes from keys.API_ROLES or a token we signed, never from free text."""
        pool = self._require_pool()
        settings = (identity.role, json.dumps(identity.claims), request.method, request.path)
        for attempt in (1, 2):
            started = False

            def began() -> None:
                nonlocal started
                started = True

            try:
                conn = await pool.acquire()
                try:
                    result = await in_transaction(
                        conn,
                        settings,
                        work,
                        readonly=readonly,
                        began=began,
                        commit_now=not readonly,
                    )
                except BaseException:
                    await pool.release(conn)
                    raise
                if readonly:
                    self._commit_later(pool, conn)
                else:
                    await pool.release(conn)
                return result
            except ApiError:
                raise
            except asyncpg.exceptions.InvalidCachedStatementError as exc:
                # A table changed shape under a cached statement; asyncpg dropped it, so a
                # second run prepares afresh (asyncpg cannot retry inside a transaction).
                if attempt == 2:
                    raise from_postgres(exc, authenticated=identity.authenticated) from exc
            except (*CONNECTION_ERRORS, asyncpg.exceptions.InterfaceError) as exc:
                if isinstance(exc, asyncpg.exceptions.InterfaceError) and "closed" not in str(exc):
                    raise
                # Nothing ran yet when BEGIN failed: pooled connections died with a Postgres
                # restart. Drop them all and try once more on fresh ones.
                if attempt == 1 and not started:
                    await pool.expire_connections()
                    continue
                raise connection_error(exc) from exc
            except asyncpg.PostgresError as exc:
                raise from_postgres(exc, authenticated=identity.authenticated) from exc
        raise AssertionError("unreachable")
