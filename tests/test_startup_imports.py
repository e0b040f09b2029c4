"""Nothing heavy on the way to the first painted login screen (issue 16: start-up within 1.3× a
bare Textual app). pydantic, the Supabase client and httpx come in only after that paint, in a
thread (tui/live_data.py DEFERRED_MODULES); this runs `agentp`'s own start path in a fresh
process and looks at `sys.modules` when the login screen is built and when it is painted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tui.optional_deps import DECLINED

ROOT = Path(__file__).resolve().parents[1]
HEAVY = (
    "pydantic",
    "pydantic_core",
    "supabase",
    "supabase_auth",
    "postgrest",
    "realtime",
    "storage3",
    "httpx",
    "websockets",
    "aiohttp",
    "dotenv",
)

# cli/main.py's path for `agentp` without a command, headless, up to the first paint; then it
# waits for the connection attempt (to a closed port), which imports the client.
START_PATH = """
import asyncio, json, sys, threading
HEAVY, DECLINED = %r
threads = {}

class Recorder:
    # Which thread first imported each heavy package: only the deferred-import thread may.
    @staticmethod
    def find_spec(name, path=None, target=None):
        top = name.partition(".")[0]
        if top in HEAVY and top not in threads:
            threads[top] = threading.current_thread().name
        return None

sys.meta_path.insert(0, Recorder)
from tui import heap
heap.hold()
from cli.main import dashboard, parse_arguments
_, args = parse_arguments([])
app = dashboard(args)
from screens.login import LoginScreen

seen = {}
loaded = lambda: sorted(name for name in HEAVY if name in sys.modules)

async def pilot(pilot):
    while not isinstance(app.screen, LoginScreen):
        await pilot.pause()
    seen["screen"] = loaded()
    # The next refresh is the screen's first paint (as bench/bench_tui.py times it).
    painted = asyncio.get_running_loop().create_future()
    app.call_after_refresh(lambda: painted.set_result(loaded()))
    seen["painted"] = await painted
    await app.live.attempted.wait()
    seen["connected"] = loaded()
    seen["declined"] = sorted(name for name in DECLINED if sys.modules.get(name) is not None)
    import jwt.algorithms
    seen["jwt_crypto"] = jwt.algorithms.has_crypto
    seen["threads"] = threads
    app.exit()

app.run(headless=True, auto_pilot=pilot, size=(80, 24))
print(json.dumps(seen))
"""


def test_no_pydantic_supabase_or_httpx_before_the_login_screen_paints(tmp_path: Path) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SUPABASE_", "YCLIENTS_", "AGENTP_"))
    }
    env.update(
        SUPABASE_URL="http://127.0.0.1:9",
        SUPABASE_SERVICE_KEY="sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz",
        AGENTP_CONFIG=str(tmp_path / "absent.toml"),
        AGENTP_LANGUAGE="en",
        HOME=str(tmp_path),
        XDG_DATA_HOME=str(tmp_path / "data"),
        XDG_CACHE_HOME=str(tmp_path / "cache"),
        PYTHONPATH=str(ROOT),
    )
    done = subprocess.run(
        [sys.executable, "-c", START_PATH % ((HEAVY, DECLINED),)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["screen"] == [], "imported before the login screen was built"
    assert seen["painted"] == [], "imported before the login screen was painted"
    on_main = {name for name, thread in seen["threads"].items() if thread == "MainThread"}
    assert not on_main, "imported on the UI loop's thread, not by the deferred imports"
    assert "supabase" in seen["threads"]
    # The check sees real imports: the connection attempt after the paint brings them in.
    assert {"supabase", "httpx", "pydantic"} <= set(seen["connected"])
    # With the client in, the optional extras it would have pulled are still out
    # (tui/optional_deps.py), and PyJWT says so itself.
    assert seen["declined"] == []
    assert seen["jwt_crypto"] is False
