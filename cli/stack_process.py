"""`agentp devstack --json` in a child process: the one launcher of the demo, tests and benchmarks.

The child prints one JSON line (URLs, keys, the Postgres DSN) once it serves; the launcher reads
it and hands it over with the process. The stack runs in a process of its own so its logs never
reach a terminal the app draws on, and so it can be stopped (with its Postgres) in order.
Nothing here imports the devstack: the child does.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any


class DevstackStartError(RuntimeError):
    """The child exited before it printed its JSON line; the message is the end of its log."""


@dataclass
class DevstackProcess:
    proc: subprocess.Popen[str]
    info: dict[str, Any]

    @property
    def url(self) -> str:
        return str(self.info["supabase_url"])

    @property
    def service_key(self) -> str:
        return str(self.info["service_key"])

    @property
    def database_url(self) -> str:
        return str(self.info["database_url"])

    def stop(self, timeout: float = 60) -> None:
        """SIGTERM (the stack stops its Postgres on the way out); SIGKILL if it hangs."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def _die_with_parent() -> None:
    """In the child: receive SIGTERM when the parent dies, however it dies (Linux only)."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def start_devstack(
    data_dir: Path,
    *options: str,
    log: Path | None = None,
    stderr: int | None = None,
    tie_to_parent: bool = False,
) -> DevstackProcess:
    """Start the stack with its database in `data_dir` and wait for its JSON line.

    `options` are more `agentp devstack` options (`--bot 0`, `--demo-data`, `--no-yclients`).
    The child's stderr goes to `log` (appended), or to `stderr` (a `subprocess` constant, e.g.
    PIPE for a test that reads it), or nowhere. `tie_to_parent` (the demo): the stack gets its
    own session, so a terminal's hang-up reaches only the app, which stops the stack in order,
    and it dies with the parent even if that is killed.
    """
    log_file: IO[str] | None = None
    if log is not None:
        log.parent.mkdir(parents=True, exist_ok=True)
        log_file = log.open("a")
    try:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "cli.main",
                "devstack",
                "--json",
                "--data-dir",
                str(data_dir),
                *options,
            ],
            stdout=subprocess.PIPE,
            stderr=log_file or (subprocess.DEVNULL if stderr is None else stderr),
            stdin=subprocess.DEVNULL,
            text=True,
            start_new_session=tie_to_parent,
            preexec_fn=_die_with_parent if tie_to_parent else None,
        )
    finally:
        if log_file is not None:
            log_file.close()
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        raise DevstackStartError(_why_it_exited(proc, log))
    return DevstackProcess(proc, json.loads(line))


def _why_it_exited(proc: subprocess.Popen[str], log: Path | None) -> str:
    try:
        _, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
    if log is not None:
        err = log.read_text(errors="replace")
    tail = (err or "").strip().splitlines()[-3:]
    return " | ".join(tail) or f"the devstack exited with {proc.returncode}"
