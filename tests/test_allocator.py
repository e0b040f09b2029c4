"""cli/allocator.py: the dashboard's threads share one malloc arena (issue 16's RSS figure)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Threads that allocate at the same time; glibc's malloc_stats() then lists each arena used.
THREADS = """
import ctypes, sys, threading
from cli.allocator import one_arena
if sys.argv[1] == "one":
    assert one_arena()
barrier = threading.Barrier(4)
def work():
    barrier.wait()
    held = [bytearray(4096) for _ in range(2000)]
    barrier.wait()
threads = [threading.Thread(target=work) for _ in range(4)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
ctypes.CDLL(None).malloc_stats()
"""


def arenas(mode: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(THREADS), mode],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    return sum(line.startswith("Arena ") for line in done.stderr.splitlines())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")
def test_threads_share_the_main_arena() -> None:
    assert arenas("default") > 1  # what happens without it, so the check below means something
    assert arenas("one") == 1


def test_the_dashboard_sets_it_before_anything_else(monkeypatch: pytest.MonkeyPatch) -> None:
    import cli.main

    calls: list[str] = []
    monkeypatch.setattr(cli.main, "one_arena", lambda: calls.append("arena") or True)
    monkeypatch.setattr(cli.main, "_main", lambda parser, args: calls.append(args.command) or 0)
    assert cli.main.main([]) == 0
    assert cli.main.main(["doctor"]) == 0
    assert calls == ["arena", None, "doctor"]
