"""Runs every benchmark in bench/ in turn: `python -m bench` (or `./dev bench`)."""

from __future__ import annotations

import subprocess
import sys

BENCHMARKS = ["bench_rest", "bench_realtime", "bench_auth", "bench_yclients"]


def main() -> int:
    failed = []
    for name in BENCHMARKS:
        print(f"\n=== {name} ===", flush=True)
        if subprocess.call([sys.executable, "-m", f"bench.{name}", *sys.argv[1:2]]) != 0:
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
