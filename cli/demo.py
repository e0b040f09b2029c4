"""`agentp demo`: a devstack with demo data and the bot in a child process, the app in front.

The stack runs in its own process (cli/stack_process.py) so its logs never reach the terminal
the app draws on, and it is stopped (with its Postgres) when the app exits, however it exits.
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path

from cli.stack_process import start_devstack
from core.context import DemoLogin
from core.settings import load_settings
from services.secret import SecretStr


def demo_logins() -> list[DemoLogin]:
    from devstack.demo_tenants import DEMO_CREDENTIALS

    return [DemoLogin(c.email, c.password, c.role, c.tenant) for c in DEMO_CREDENTIALS]


def run_demo(data_dir: Path, *, bot: str, read_only: bool) -> int:
    from tui.app import AgentPApp

    print("Starting the local stack with demo data…", file=sys.stderr, flush=True)
    stack = start_devstack(
        data_dir / "stack",
        "--demo-data",
        "--bot",
        bot,
        log=data_dir / "devstack.log",
        tie_to_parent=True,
    )
    info = stack.info

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
            "supabase_service_key": SecretStr(info["secret_key"]),  # what Supabase hands out now
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
        stack.stop(timeout=30)
