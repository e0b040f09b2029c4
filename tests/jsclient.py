"""supabase-js from pytest: run an ES module with Node in tests/js, read one JSON line back.

The devstack is checked through both official clients; this is the JavaScript one, pinned by
`tests/js/package-lock.json` (`./dev test` runs `npm ci` there). A script prints its result as
one JSON line on stdout, last; anything else it prints is kept for the failure message.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

JS_DIR = Path(__file__).resolve().parent / "js"


def require_node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed: the supabase-js checks need it")
    if not (JS_DIR / "node_modules" / "@supabase" / "supabase-js").exists():
        pytest.skip("supabase-js is not installed: run `npm ci` in tests/js (./dev test does)")
    return node


def run_js(source: str, *, env: dict[str, str] | None = None, timeout: float = 60) -> Any:
    """Run `source` as an ES module in tests/js; its last stdout line, parsed as JSON."""
    node = require_node()
    result = subprocess.run(
        [node, "--no-warnings", "--input-type=module", "-e", source],
        cwd=JS_DIR,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    if result.returncode != 0 or not lines:
        raise AssertionError(
            f"node exited {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
        )
    return json.loads(lines[-1])
