"""The benches' terminal and bot side: the real app under a pty, read as a terminal reads it
(bench_keys.py), and wishlist rows written at a steady rate from a process of their own."""

from __future__ import annotations

import asyncio
import fcntl
import multiprocessing
import multiprocessing.process
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import asyncpg
import pyte

ROOT = Path(__file__).resolve().parents[1]


# The terminal's side of the pty, in a process of its own that only reads and stamps each chunk
# with the time it arrived, as a terminal has the bytes. Parsing them with pyte (pure Python:
# up to 13 ms for a chunk of table rows) happens in the bench afterwards; done on the same
# thread as the reads, it delayed the next read, and every echo behind it counted the bench's
# own parsing as the app's latency.
READER = """
import os, select, struct, sys, time
fd = int(sys.argv[1])
while True:
    select.select([fd], [], [])
    try:
        chunk = os.read(fd, 1 << 16)
    except BlockingIOError:
        continue
    except OSError:
        break
    if not chunk:
        break
    data = memoryview(struct.pack("<dI", time.perf_counter(), len(chunk)) + chunk)
    while data:
        data = data[os.write(1, data):]
"""
# A chunk's arrival time (perf_counter: CLOCK_MONOTONIC, the same clock in every process on
# Linux) and its length, ahead of its bytes.
HEADER = struct.Struct("<dI")


class Term:
    """The app on a pty; `received` counts every byte it wrote to the terminal, `arrived` is
    when the chunk last shown on the emulated screen reached the terminal."""

    def __init__(
        self,
        info: dict[str, str],
        home: Path,
        size: tuple[int, int],
        command: Sequence[str] = ("-m", "cli.main"),
    ) -> None:
        self.columns, self.lines = size
        main, child = pty.openpty()
        fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", self.lines, self.columns, 0, 0))
        env = {
            **os.environ,
            "SUPABASE_URL": info["supabase_url"],
            "SUPABASE_SERVICE_KEY": info["service_key"],
            "AGENTP_CONFIG": str(home / "none.toml"),
            "AGENTP_LANGUAGE": "en",
            "HOME": str(home),
            "XDG_DATA_HOME": str(home / "data"),
            "TERM": "xterm-256color",
            "LANG": "C.UTF-8",
        }
        self.proc = subprocess.Popen(
            [sys.executable, *command],
            stdin=child,
            stdout=child,
            stderr=child,
            env=env,
            cwd=ROOT,
            start_new_session=True,
        )
        os.close(child)
        self.reader = subprocess.Popen(
            [sys.executable, "-c", READER, str(main)], pass_fds=(main,), stdout=subprocess.PIPE
        )
        assert self.reader.stdout is not None
        self.pipe = self.reader.stdout.fileno()
        # Room for a second of the busiest screen, so that the reader never waits on the bench.
        fcntl.fcntl(self.pipe, fcntl.F_SETPIPE_SZ, 1 << 20)
        os.set_blocking(self.pipe, False)
        self.fd = main
        self.pending = bytearray()
        self.screen = pyte.Screen(self.columns, self.lines)
        self.stream = pyte.ByteStream(self.screen)
        self.received = 0
        self.arrived = 0.0
        self.rows = [""] * self.lines
        self.shown = ""

    def _feed(self, check: Callable[[], bool] | None) -> int:
        """Show the chunks read so far, one at a time, up to the first that satisfies `check`."""
        fed = 0
        while len(self.pending) >= HEADER.size:
            stamp, size = HEADER.unpack_from(self.pending)
            end = HEADER.size + size
            if len(self.pending) < end:
                break
            chunk = bytes(self.pending[HEADER.size : end])
            del self.pending[:end]
            self.received += size
            self.stream.feed(chunk)
            self.arrived = stamp
            fed += size
            if check is not None and check():
                break
        return fed

    def pump(self, timeout: float, check: Callable[[], bool] | None = None) -> int:
        fed = self._feed(check)
        if fed:
            return fed
        ready, _, _ = select.select([self.pipe], [], [], max(0.0, timeout))
        if not ready:
            return 0
        try:
            data = os.read(self.pipe, 1 << 20)
        except (BlockingIOError, OSError):
            return 0
        self.pending += data
        return self._feed(check)

    def text(self) -> str:
        # Only the lines written since the last look: `screen.display` renders all of them,
        # and looked at after every read it took a third of this process's CPU while the
        # wishlist scrolled, on the cores the app under test needs.
        dirty = self.screen.dirty
        if dirty:
            buffer = self.screen.buffer
            for y in dirty:
                if 0 <= y < self.lines:
                    line = buffer[y]
                    self.rows[y] = "".join(line[x].data for x in range(self.columns))
            dirty.clear()
            self.shown = "\n".join(self.rows)
        return self.shown

    def until(self, check: Callable[[], bool], limit: float) -> bool:
        """Wait for `check`; when it holds, `arrived` is when the bytes that made it reached
        the terminal."""
        deadline = time.perf_counter() + limit
        while not check():
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                return False
            self.pump(min(remaining, 0.05), check)
        return True

    def drain(self, quiet: float = 0.5, limit: float = 15.0) -> None:
        deadline = time.perf_counter() + limit
        while time.perf_counter() < deadline:
            if not self.pump(quiet):
                return

    def write(self, data: str) -> None:
        os.write(self.fd, data.encode())

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        os.close(self.fd)
        self.reader.kill()
        self.reader.wait(timeout=10)
        assert self.reader.stdout is not None
        self.reader.stdout.close()


class Feeder:
    """Wishlist rows written by the bot's side, at a steady rate, from a process of its own: in
    a thread of the bench it held the interpreter lock while the bench waited to read an echo."""

    def __init__(self, dsn: str, tenant: str) -> None:
        self.dsn, self.tenant = dsn, tenant
        self._process: multiprocessing.process.BaseProcess | None = None
        self._stop = multiprocessing.get_context("spawn").Event()

    async def insert(self, conn: asyncpg.Connection, name: str) -> None:
        await conn.execute(
            "insert into public.wishlist_v2 (tenant_id, client_id, client_name, client_phone, "
            "service_title) values ($1, $2, $3, '+7 912 000-00-01', 'Маникюр')",
            uuid.UUID(self.tenant),
            f"tg:{uuid.uuid4().hex[:8]}",
            name,
        )

    def start(self, per_second: float) -> None:
        context = multiprocessing.get_context("spawn")
        self._stop = context.Event()
        self._process = context.Process(
            target=feed, args=(self.dsn, self.tenant, per_second, self._stop), daemon=True
        )
        self._process.start()

    def stop(self) -> None:
        self._stop.set()
        if self._process is not None:
            self._process.join(timeout=10)
            if self._process.is_alive():
                self._process.kill()


def feed(dsn: str, tenant: str, per_second: float, stop: Any) -> None:
    """The feeder's process: `per_second` rows a second until `stop` is set."""

    async def loop() -> None:
        feeder = Feeder(dsn, tenant)
        conn = await asyncpg.connect(dsn)
        written = 0
        try:
            started = time.perf_counter()
            while not stop.is_set():
                await feeder.insert(conn, f"Поток {written}")
                written += 1
                due = started + written / per_second
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
        finally:
            await conn.close()

    asyncio.run(loop())
