"""`agentp` draws at up to 500 frames a second unless the user set Textual's own cap
(cli/frame_rate.py): the setting must be in place before Textual is imported, which reads it
once, so it is checked in a fresh process through `cli.main.main`, the entry point itself."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cli.frame_rate import FRAMES_PER_SECOND, VARIABLE

ROOT = Path(__file__).resolve().parents[1]
# main() as `agentp` runs it, with the app swapped for a look at what Textual read.
PROBE = """
import sys
import cli.main

def probe(parser, args):
    from textual import constants
    print(constants.MAX_FPS)
    return 0

cli.main._main = probe
sys.exit(cli.main.main([]))
"""


def max_fps(environ: dict[str, str]) -> int:
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return int(done.stdout.strip())


def test_the_dashboard_draws_at_its_own_cap_before_textual_is_imported() -> None:
    environ = {k: v for k, v in os.environ.items() if k != VARIABLE}
    assert FRAMES_PER_SECOND > 60
    assert max_fps(environ) == FRAMES_PER_SECOND


@pytest.mark.parametrize("mine", ["30", "240"])
def test_the_users_own_textual_fps_wins(mine: str) -> None:
    assert max_fps({**os.environ, VARIABLE: mine}) == int(mine)
