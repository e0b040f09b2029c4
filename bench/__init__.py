"""Benchmarks: each `bench_*.py` measures one part of the product next to its goal and floor.

`python -m bench` (`./dev bench`) runs them all, each in its own process, and writes
BENCHMARKS.md and BENCHMARKS.json at the repository root (see `bench/__main__.py`). Every module
also runs alone, `python -m bench.bench_NAME --help`, and prints its figures as it measures.

    figures.py   Figure (per-run samples, goal, floor), its spread, and a benchmark's result
    harness.py   the command line every module shares: --repeats, --quick, --json-out
    machine.py   what the figures were measured on
    report.py    the Markdown and JSON writers
"""
