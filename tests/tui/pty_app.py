"""The real `agentp` on a pseudo-terminal, its screen read through pyte.

For what only a terminal shows: keys that arrive in one read, a hang-up, bytes on the wire.
`PtyApp` starts the app against the test devstack; `write()` sends bytes in one `os.write` (one
read for the app); `wait_for(text)` polls the emulated screen until the text is on it;
`hang_up()` closes the terminal as a dropped SSH connection does and `wait_gone(limit)` says
whether the process ended within the limit.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pyte

from tests.tui.conftest import StackProcess

ROOT = Path(__file__).resolve().parents[2]


def _take_terminal() -> None:
    import fcntl
    import termios

    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class PtyApp:
    def __init__(
        self,
        stack: StackProcess,
        home: Path,
        *,
        size: tuple[int, int] = (120, 40),
        language: str = "en",
        extra_env: dict[str, str] | None = None,
        command: list[str] | None = None,
        stderr: Path | None = None,
        settings: dict[str, str] | None = None,
        controlling: bool = True,
    ) -> None:
        import fcntl
        import pty
        import struct
        import termios

        self.columns, self.lines = size
        config = home / "config.toml"
        # The whole configuration in the file (as deployed): the environment's Supabase
        # settings are not read when a config file is given.
        config.write_text(
            f'language = "{language}"\n'
            f'supabase_url = "{stack.url}"\n'
            f'supabase_service_key = "{stack.service_key}"\n'
            + "".join(f'{name} = "{value}"\n' for name, value in (settings or {}).items())
        )
        config.chmod(0o600)
        env = {
            **os.environ,
            "SUPABASE_URL": stack.url,
            "SUPABASE_SERVICE_KEY": stack.service_key,
            "AGENTP_CONFIG": str(config),
            "TERM": "xterm-256color",
            "HOME": str(home),
            "XDG_DATA_HOME": str(home / "data"),
            "LANG": "C.UTF-8",
            **(extra_env or {}),
        }
        self.fd, child = pty.openpty()
        fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", self.lines, self.columns, 0, 0))
        self.proc = subprocess.Popen(
            command or [sys.executable, "-m", "cli.main"],
            stdin=child,
            stdout=child,
            stderr=stderr.open("wb") if stderr is not None else child,
            env=env,
            cwd=ROOT,
            start_new_session=True,
            # The terminal becomes the session's controlling terminal, as sshd makes it: closing
            # the master side then sends SIGHUP, as a dropped connection does. Without it (as
            # under setsid or a supervisor) a hang-up sends no signal at all.
            preexec_fn=_take_terminal if controlling else None,
        )
        os.close(child)
        os.set_blocking(self.fd, False)
        self.screen = pyte.Screen(self.columns, self.lines)
        self.stream = pyte.ByteStream(self.screen)
        self.received = 0  # bytes the app wrote to the terminal
        self.closed = False

    # -- reading ----------------------------------------------------------------------------
    def pump(self, timeout: float) -> bool:
        """Read what the app wrote within `timeout`; False once the terminal is gone."""
        if self.closed:
            return False
        ready, _, _ = select.select([self.fd], [], [], max(0.0, timeout))
        if not ready:
            return True
        try:
            chunk = os.read(self.fd, 1 << 16)
        except BlockingIOError:
            return True
        except OSError:
            return False
        if not chunk:
            return False
        self.received += len(chunk)
        self.stream.feed(chunk)
        return True

    def text(self) -> str:
        return "\n".join(self.screen.display)

    def wait_until(self, check: Callable[[], bool], limit: float = 30.0, what: str = "") -> None:
        deadline = time.monotonic() + limit
        while not check():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"{what or check} never held; the screen:\n{self.text()}")
            if not self.pump(min(remaining, 0.2)):
                raise AssertionError(f"the app ended before {what}; the screen:\n{self.text()}")

    def wait_for(self, text: str, limit: float = 30.0) -> None:
        self.wait_until(lambda: text in self.text(), limit, repr(text))

    def drain(self, quiet: float = 0.3, limit: float = 10.0) -> None:
        """Read until the app has written nothing for `quiet` seconds (a frame is complete)."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            before = self.received
            if not self.pump(quiet) or self.received == before:
                return

    # -- writing ----------------------------------------------------------------------------
    def write(self, data: str | bytes) -> None:
        """All of it in one write: the app gets it in one read, as over SSH."""
        raw = data.encode() if isinstance(data, str) else data
        written = 0
        while written < len(raw):
            try:
                written += os.write(self.fd, raw[written:])
            except BlockingIOError:
                select.select([], [self.fd], [], 1)

    # -- ending -----------------------------------------------------------------------------
    def hang_up(self) -> None:
        """Close the terminal's master side: the kernel hangs up the app's session."""
        if not self.closed:
            os.close(self.fd)
            self.closed = True

    def wait_gone(self, limit: float) -> bool:
        """Whether the process ended within `limit` seconds (the deadline is what is tested)."""
        deadline = time.monotonic() + limit
        while self.proc.poll() is None:
            if time.monotonic() >= deadline:
                return False
            # A child's exit has no fd to wait on here; a bounded short poll is the way.
            select.select([], [], [], 0.02)
        return True

    def close(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        self.hang_up()
