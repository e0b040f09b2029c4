"""What an idle logged-in dashboard does not load (issue 16: its RSS within 2× a bare Textual app).

`agentp`'s own start path runs in a fresh process (modules another test imported would hide a
regression), logs in through the login screen against the test devstack, waits until every feed
is live, and reports which of the modules below it holds. Each is loaded only by what an idle
app on the wishlist never does; the comment beside it says what brings it in.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.tui.conftest import PASSWORD, Salon, StackProcess

ROOT = Path(__file__).resolve().parents[2]
NOT_WHEN_IDLE = (
    # Rich's emoji table: a DataTable parses a str column label as markup.
    "rich._emoji_codes",
    # The YClients client, its cache and the salon's settings: the analytics tab's first load.
    "services.tenant_yclients",
    "services.yclients.client",
    "services.yclients.cache",
    # The tabs other than the wishlist: their first show (tabs/tab_slot.py).
    "tabs.sessions_tab",
    "tabs.commands_tab",
    "tabs.analytics_tab",
    # Textual's TextArea: the composer's message, in the Commands tab (screens/main.py).
    "textual.widgets._text_area",
    # SQLite: the outbox's first command (or an outbox file left to read), the YClients cache.
    "sqlite3",
)

LOGGED_IN = """
import json, sys
from cli.main import dashboard, parse_arguments
from screens.login import LoginScreen
from services.feeds import FeedState

EMAIL, PASSWORD, WATCH = %r
_, args = parse_arguments([])
app = dashboard(args)
report = {}


async def until(pilot, condition):
    while not condition():
        await pilot.pause(0.05)


def live():
    status = app.ctx.feed_status
    return all(
        status.get(feed) is not None and status[feed].state == FeedState.live
        for feed in ("wishlist", "commands", "sessions")
    )


async def pilot(pilot):
    await until(pilot, lambda: app.ctx.backend is not None and isinstance(app.screen, LoginScreen))
    app.screen.query_one("#email").focus()
    await pilot.press(*EMAIL)
    await pilot.press("tab", *PASSWORD, "enter")
    await until(pilot, live)
    await pilot.pause()
    report["screen"] = type(app.screen).__name__
    report["loaded"] = sorted(name for name in WATCH if name in sys.modules)
    app.exit()


app.run(headless=True, auto_pilot=pilot, size=(80, 24))
print(json.dumps(report))
"""


def test_an_idle_logged_in_app_holds_no_emoji_table_and_no_yclients_client(
    tui_stack: StackProcess, salon: Salon, tmp_path: Path
) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SUPABASE_", "YCLIENTS_", "AGENTP_"))
    }
    env.update(
        SUPABASE_URL=tui_stack.url,
        SUPABASE_SERVICE_KEY=tui_stack.service_key,
        AGENTP_CONFIG=str(tmp_path / "absent.toml"),
        AGENTP_LANGUAGE="en",
        AGENTP_BELL="false",
        HOME=str(tmp_path),
        XDG_DATA_HOME=str(tmp_path / "data"),
        XDG_CACHE_HOME=str(tmp_path / "cache"),
        PYTHONPATH=str(ROOT),
    )
    script = LOGGED_IN % ((salon.users["viewer"], PASSWORD, NOT_WHEN_IDLE),)
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=100,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["screen"] == "MainScreen"
    assert report["loaded"] == []
