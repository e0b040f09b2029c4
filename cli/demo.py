"""`agentp demo`: a devstack with demo data and the bot in a child process, the app in front.

The stack runs in its own process so its logs never reach the terminal the app draws on, and
it is stopped (with its Postgres) when the app exits, however it exits.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

from pydantic import SecretStr

from core.context import DemoLogin
from core.settings import load_settings


class DemoStackError(RuntimeError):
    pass


def _die_with_parent() -> None:
    """In the child: receive SIGTERM when the app's process dies, however it dies (Linux)."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def start_stack(
    data_dir: Path, *, bot: str, port: int = 0
) -> tuple[subprocess.Popen[str], dict[str, str]]:
    log_path = data_dir / "devstack.log"
    data_dir.mkdir(parents=True, exist_ok=True)
    log = log_path.open("a")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cli.main",
            "devstack",
            "--json",
            "--demo-data",
            "--bot",
            bot,
            "--port",
            str(port),
            "--data-dir",
            str(data_dir / "stack"),
        ],
        stdout=subprocess.PIPE,
        stderr=log,
        stdin=subprocess.DEVNULL,
        text=True,
        # Its own session: a hang-up of the terminal reaches the app, which stops it in order.
        start_new_session=True,
        preexec_fn=_die_with_parent,
    )
    log.close()
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        proc.wait(timeout=30)
        tail = log_path.read_text(errors="replace").strip().splitlines()[-3:]
        raise DemoStackError(" | ".join(tail) or f"devstack exited with {proc.returncode}")
    return proc, json.loads(line)


def stop_stack(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def demo_logins() -> list[DemoLogin]:
    from devstack.demo_tenants import DEMO_CREDENTIALS

    return [DemoLogin(c.email, c.password, c.role, c.tenant) for c in DEMO_CREDENTIALS]


def run_demo(data_dir: Path, *, bot: str, read_only: bool) -> int:
    from tui.app import AgentPApp

    print("Starting the local stack with demo data…", file=sys.stderr, flush=True)
    proc, info = start_stack(data_dir, bot=bot)

    def hang_up(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    # A dropped SSH connection or a closed terminal: leave through `finally`, stack included.
    signal.signal(signal.SIGHUP, hang_up)
    signal.signal(signal.SIGTERM, hang_up)
    try:
        # The user's own options (language, keymap, theme) still apply; the stack's URL and
        # keys replace whatever project the config points at.
        overrides: dict[str, object] = {
            "supabase_url": info["supabase_url"],
            "supabase_service_key": SecretStr(info["service_key"]),
        }
        if info.get("yclients_url"):
            overrides["yclients_base_url"] = info["yclients_url"]
            overrides["yclients_partner_token"] = SecretStr(info["yclients_partner_token"])
        settings = load_settings(**overrides)
        app = AgentPApp(
            settings, read_only=read_only, demo_logins=demo_logins(), data_dir=data_dir / "app"
        )
        return app.run() or 0
    finally:
        stop_stack(proc)
