"""Runs every benchmark in bench/ and writes the report: `python -m bench` (or `./dev bench`).

    python -m bench [--quick] [--only NAME[,NAME...]] [--repeats N] [--out DIR]

Each benchmark runs in a process of its own (`python -m bench.bench_NAME --json-out FILE`), so
none inherits another's memory or event loop; its lines stream to the console as it measures.
A full run writes BENCHMARKS.md (for people) and BENCHMARKS.json (the same figures with every
run's value, for tools) at the repository root, replacing the previous report; it takes about
half an hour. A `--quick` or `--only` run writes them to a new temporary directory instead
(or to `--out`), so a smoke run or a partial one never replaces the full report.

A benchmark that fails is reported as failed with the end of its output, and the others still
run; the exit status is then 1. A missed goal is a figure, not a failure: it is in the report.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import importlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from bench import machine
from bench.figures import BenchResult
from bench.report import Report, write

ROOT = Path(__file__).resolve().parents[1]
# Cheap ones first, so a broken stack shows within seconds.
BENCHMARKS = ("rest", "realtime", "auth", "lockout", "yclients", "chain", "tui", "idle", "keys")
# Far above a normal run's length: only a hung benchmark reaches it.
TIMEOUT_S = {"full": 3600.0, "quick": 600.0}
TAIL_LINES = 30


def run_benchmark(
    name: str, work: Path, *, quick: bool, repeats: int | None, module: str | None = None
) -> BenchResult:
    """Runs one benchmark module in a child process and reads its figures back."""
    module = module or f"bench.bench_{name}"
    out = work / f"{name}.json"
    command = [sys.executable, "-m", module, "--json-out", str(out)]
    if quick:
        command.append("--quick")
    if repeats is not None:
        command += ["--repeats", str(repeats)]
    print(f"\n=== {name}: {' '.join(command[1:3])} ===", flush=True)
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    tail: collections.deque[str] = collections.deque(maxlen=TAIL_LINES)
    # Its own session, so a hung benchmark is stopped with everything it started.
    proc = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
        start_new_session=True,
    )
    timed_out = threading.Event()

    def on_timeout() -> None:
        timed_out.set()
        _stop(proc)

    watchdog = threading.Timer(TIMEOUT_S["quick" if quick else "full"], on_timeout)
    watchdog.start()
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            tail.append(line.rstrip("\n"))
        returncode = proc.wait()
    except BaseException:
        _stop(proc)
        raise
    finally:
        watchdog.cancel()
    duration = time.perf_counter() - started
    error = None
    if timed_out.is_set():
        error = f"stopped after {duration:.0f} s (timeout)"
    elif returncode != 0:
        error = f"exit status {returncode}"
    elif not out.exists():
        error = "finished without writing its figures"
    if error is None:
        result = BenchResult.from_json(json.loads(out.read_text(encoding="utf-8")))
        result.duration_s = duration  # the whole process, start-up included
        return result
    return BenchResult(
        name=name,
        title=_title(module, name),
        about="",
        repeats=repeats or 0,
        duration_s=duration,
        load_before=load_before,
        load_after=os.getloadavg()[0],
        error="\n".join([*tail, f"[{error}]"]),
    )


def _stop(proc: subprocess.Popen[str]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def _title(module: str, name: str) -> str:
    try:
        return str(importlib.import_module(module).BENCH.title)
    except Exception:
        return name


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="a short smoke run of each")
    parser.add_argument(
        "--only",
        help=f"comma-separated benchmarks to run, of: {','.join(BENCHMARKS)}",
    )
    parser.add_argument(
        "--repeats", type=int, help="runs of every measurement (default: each benchmark's own)"
    )
    parser.add_argument("--out", type=Path, help="where to write BENCHMARKS.md and .json")
    args = parser.parse_args(argv)
    if args.only:
        names = [n.strip().removeprefix("bench_") for n in args.only.split(",") if n.strip()]
        unknown = [n for n in names if n not in BENCHMARKS]
        if unknown:
            parser.error(f"unknown benchmark {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
        args.names = [n for n in BENCHMARKS if n in names]
    else:
        args.names = list(BENCHMARKS)
    if args.repeats is not None and args.repeats < 1:
        parser.error("--repeats must be at least 1")
    return args


def output_dir(args: argparse.Namespace) -> Path:
    if args.out is not None:
        return Path(args.out)
    if args.quick or args.only:
        return Path(tempfile.mkdtemp(prefix="bench-report-"))
    return ROOT


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    out_dir = output_dir(args)
    command = " ".join(["python -m bench", *(sys.argv[1:] if argv is None else argv)])
    report = Report(machine=machine.describe(ROOT), command=command, quick=args.quick)
    with tempfile.TemporaryDirectory(prefix="bench-run-") as work:
        for name in args.names:
            report.results.append(
                run_benchmark(name, Path(work), quick=args.quick, repeats=args.repeats)
            )
    report.machine["load_after"] = machine.load_average()
    markdown, data = write(report, out_dir)
    failed = [r.name for r in report.results if r.error is not None]
    print(f"\nreport: {markdown}\n        {data}")
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
