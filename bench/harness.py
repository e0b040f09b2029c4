"""The command line every bench module shares: repeats, quick mode, and handing figures back.

Each module runs alone (`python -m bench.bench_rest`) and prints its own lines as it measures,
then a summary of its figures. `--json-out PATH` also writes them as JSON: that is how the runner
(`python -m bench`) gets them back from the module's own process.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from bench.figures import BenchResult, Figure, format_value

S = TypeVar("S")


@dataclass(frozen=True)
class Bench:
    """A module's identity and how many runs it repeats by default (full and `--quick`)."""

    name: str
    title: str
    about: str  # what is measured and against what, for a newcomer reading the report
    doc: str  # the module's docstring: its --help
    repeats: int
    quick_repeats: int


def parser(bench: Bench) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=f"python -m bench.bench_{bench.name}",
        description=bench.doc,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=None,
        help=f"runs of each measurement (default {bench.repeats}, {bench.quick_repeats} quick)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="a short smoke run: fewer and shorter runs"
    )
    parser.add_argument("--json-out", type=Path, help="also write the figures as JSON here")
    return parser


def pick(value: S | None, full: S, quick: S, is_quick: bool) -> S:
    """An explicit flag wins; otherwise the full or the quick default."""
    if value is not None:
        return value
    return quick if is_quick else full


def main(
    bench: Bench,
    arguments: argparse.ArgumentParser,
    settings_of: Callable[[argparse.Namespace], S],
    run: Callable[[int, bool, S], list[Figure]],
    argv: Sequence[str] | None = None,
) -> int:
    args = arguments.parse_args(argv)
    repeats = pick(args.repeats, bench.repeats, bench.quick_repeats, args.quick)
    if repeats < 1:
        arguments.error("--repeats must be at least 1")
    settings = settings_of(args)
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    figures = run(repeats, args.quick, settings)
    result = BenchResult(
        name=bench.name,
        title=bench.title,
        about=bench.about,
        repeats=repeats,
        params={"quick": args.quick, **_params(settings)},
        figures=figures,
        duration_s=time.perf_counter() - started,
        load_before=load_before,
        load_after=os.getloadavg()[0],
    )
    print_summary(result)
    if args.json_out is not None:
        args.json_out.write_text(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    return 0


def run_header(index: int, repeats: int) -> None:
    if repeats > 1:
        print(f"-- run {index + 1}/{repeats}", flush=True)


def print_summary(result: BenchResult) -> None:
    runs = "1 run" if result.repeats == 1 else f"median of {result.repeats} runs (min–max)"
    print(f"\n{result.title}: {runs}, {result.duration_s:.0f} s", flush=True)
    width = max((len(f.name) for f in result.figures), default=10)
    for figure in result.figures:
        spread = figure.spread
        line = (
            f"  {figure.name:<{width}}  {format_value(spread.median, figure.unit):>12}"
            f"  ({format_value(spread.min, figure.unit)}–{format_value(spread.max, figure.unit)})"
        )
        if figure.floor is not None:
            line += (
                f"  floor {figure.floor.label}: "
                f"{format_value(figure.floor.spread.median, figure.unit)}"
            )
        if figure.goal is not None:
            verdict = "ok" if figure.met else "MISSED"
            line += f"  goal {figure.goal.describe(figure.unit)}: {verdict}"
        print(line, flush=True)


def _params(settings: Any) -> dict[str, Any]:
    if settings is None:
        return {}
    return {k: v for k, v in vars(settings).items() if not k.startswith("_")}
