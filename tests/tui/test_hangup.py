"""A dropped terminal (SIGHUP) ends the app and leaves no process behind."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
from pathlib import Path

from tests.tui.conftest import StackProcess

ROOT = Path(__file__).resolve().parents[2]


def test_sighup_ends_the_app_promptly(tui_stack: StackProcess, tmp_path: Path) -> None:
    import pty

    env = {
        **os.environ,
        "SUPABASE_URL": tui_stack.url,
        "SUPABASE_SERVICE_KEY": tui_stack.service_key,
        "AGENTP_CONFIG": str(tmp_path / "none.toml"),
        "TERM": "xterm-256color",
        "HOME": str(tmp_path),
    }
    main, child = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli.main"],
        stdin=child,
        stdout=child,
        stderr=child,
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )
    os.close(child)
    try:
        # Wait until the login screen is drawn: the app is fully up.
        seen = b""
        while b"logs in" not in seen:
            ready, _, _ = select.select([main], [], [], 30)
            assert ready, "the app drew nothing in 30 s"
            chunk = os.read(main, 65536)
            assert chunk, "the app closed its terminal before drawing"
            seen += chunk
        proc.send_signal(signal.SIGHUP)
        assert proc.wait(timeout=10) == 128 + signal.SIGHUP
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(main)
