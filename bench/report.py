"""Writes the benchmark report: BENCHMARKS.md for people, BENCHMARKS.json for tools.

Both hold the same figures; the JSON adds every run's value (`samples`) and the quartiles.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.figures import BenchResult, Figure, Spread, format_number, format_value

MARKDOWN_NAME = "BENCHMARKS.md"
JSON_NAME = "BENCHMARKS.json"
SCHEMA = 1


@dataclass
class Report:
    machine: dict[str, Any]
    results: list[BenchResult] = field(default_factory=list)
    command: str = "python -m bench"
    quick: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "command": self.command,
            "quick": self.quick,
            "machine": self.machine,
            "benchmarks": [r.to_json() for r in self.results],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Report:
        return cls(
            machine=dict(data["machine"]),
            results=[BenchResult.from_json(r) for r in data["benchmarks"]],
            command=data.get("command", "python -m bench"),
            quick=bool(data.get("quick", False)),
        )


def write(report: Report, out_dir: Path) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    markdown = out_dir / MARKDOWN_NAME
    data = out_dir / JSON_NAME
    markdown.write_text(render_markdown(report), encoding="utf-8")
    data.write_text(
        json.dumps(report.to_json(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return markdown, data


INTRO = """\
Every figure of the benchmarks in `bench/`, measured in one run of `{command}`. `./dev bench`
(that is `python -m bench`) runs each benchmark in its own process and writes this file and
`{json_name}` (the same figures, with every run's value); it takes about half an hour. One
benchmark alone: `python -m bench.bench_NAME` (`--help` lists its settings), or
`./dev bench --only NAME`, which writes its report to a temporary directory.

How to read a table:

- **median**: each benchmark repeats its measurement several times (the runs); this is the
  median over the runs. Where a name says p50 or p99, each run's value is that percentile of
  many calls within the run.
- **spread**: the lowest and highest run (min–max), and the standard deviation (sd) from three
  runs up.
- **goal** and **met?**: the goal comes from the issue that set it; it is judged on the median,
  or on every run where it says "every run" (for things that must never happen once).
- **floor / peer**: the same thing measured the cheapest possible way, or on a reference app, in
  the same runs: the median, with the min–max in brackets. It shows how much of a figure is ours.

The machine is shared with other work, so figures are noisy: the load average before and after
each benchmark is given next to it. A load well above the core count means other processes
competed for the CPU during that benchmark."""


def render_markdown(report: Report) -> str:
    lines = ["# Benchmarks", ""]
    if report.quick:
        lines += [
            "> **Quick smoke run** (`--quick`): fewer, shorter runs and smaller data. These",
            "> figures show that the benchmarks work, not how fast the app is.",
            "",
        ]
    lines += [INTRO.format(command=report.command, json_name=JSON_NAME), ""]
    lines += _summary(report.results)
    lines += _machine(report.machine, report.command)
    for result in report.results:
        lines += _benchmark(result)
    return "\n".join(lines).rstrip() + "\n"


def spread_text(spread: Spread) -> str:
    if spread.runs == 0:
        return "no runs"
    if spread.runs - spread.missing == 0:
        return f"no value in {spread.runs} run(s)"
    if spread.runs == 1:
        text = "1 run"
    else:
        text = f"{format_number(spread.min)}–{format_number(spread.max)}"
        if spread.runs - spread.missing >= 3:
            text += f", sd {format_number(spread.stdev)}"
    if spread.missing:
        text += f"; {spread.missing} of {spread.runs} runs gave no value"
    return text


def met_text(figure: Figure) -> str:
    if figure.met is None:
        return "—"
    return "yes" if figure.met else "**no**"


def floor_text(figure: Figure) -> str:
    if figure.floor is None:
        return "—"
    spread = figure.floor.spread
    value = format_value(spread.median, figure.unit)
    if spread.runs > 1 and spread.runs > spread.missing:
        value += f" ({format_number(spread.min)}–{format_number(spread.max)})"
    return f"{figure.floor.label}: {value}"


def _summary(results: list[BenchResult]) -> list[str]:
    lines = [
        "## Summary",
        "",
        "| benchmark | runs | goals met | took | load average (1 min) before → after |",
        "|---|---|---|---|---|",
    ]
    missed: list[str] = []
    for result in results:
        goals = [f for f in result.figures if f.goal is not None]
        met = sum(1 for f in goals if f.met)
        if result.error is not None:
            verdict = "**failed to run**"
        elif goals:
            verdict = f"{met} of {len(goals)}"
        else:
            verdict = "no goals set"
        runs = "—" if result.error is not None else str(result.repeats)
        lines.append(
            f"| [{_cell(result.title)}](#{_anchor(result)}) | {runs} | {verdict} "
            f"| {_duration(result.duration_s)} | {_load(result.load_before)} → "
            f"{_load(result.load_after)} |"
        )
        for figure in goals:
            if not figure.met:
                assert figure.goal is not None
                missed.append(
                    f"- {result.title}: {figure.name}: "
                    f"{format_value(figure.median, figure.unit)} "
                    f"(goal {figure.goal.describe(figure.unit)})"
                )
    lines.append("")
    if missed:
        lines += ["Goals missed in this run:", "", *missed, ""]
    return lines


def _machine(machine: dict[str, Any], command: str) -> list[str]:
    cores = f"{machine.get('cores')} cores"
    if machine.get("cores_usable") not in (None, machine.get("cores")):
        cores += f" ({machine['cores_usable']} usable by the bench)"
    before = machine.get("load_before") or []
    after = machine.get("load_after") or []
    packages = ", ".join(
        f"{name} {version}" for name, version in (machine.get("packages") or {}).items() if version
    )
    commit = machine.get("commit") or "unknown"
    if machine.get("tree_clean") is False:
        commit += " (the working tree had uncommitted changes)"
    rows = [
        ("CPU", f"{machine.get('cpu')}, {cores}"),
        ("memory", f"{machine.get('memory_gib')} GiB"),
        ("OS", f"{machine.get('os')}, kernel {machine.get('kernel')}"),
        ("Python", str(machine.get("python"))),
        ("packages", packages or "—"),
        (
            "load average (1/5/15 min)",
            f"before {'/'.join(map(str, before))}, after {'/'.join(map(str, after)) or '—'}",
        ),
        ("date", str(machine.get("date"))),
        ("commit", commit),
        ("command", f"`{command}`"),
    ]
    lines = ["## Machine", "", "| | |", "|---|---|"]
    lines += [f"| {key} | {_cell(value)} |" for key, value in rows]
    return [*lines, ""]


def _benchmark(result: BenchResult) -> list[str]:
    lines = [f"## {result.title}", ""]
    source = f"`bench/bench_{result.name}.py`"
    if result.about:
        lines += [f"{result.about} ({source})", ""]
    else:
        lines += [source, ""]
    settings = ", ".join(
        f"{key.replace('_', ' ')} {_param(value)}"
        for key, value in result.params.items()
        if key != "quick"
    )
    runs = "1 run" if result.repeats == 1 else f"{result.repeats} runs"
    if result.error is not None:
        runs = "Failed"
    lines += [
        f"{runs}{'; ' + settings if settings else ''}; took {_duration(result.duration_s)}; "
        f"load average {_load(result.load_before)} → {_load(result.load_after)}.",
        "",
    ]
    if result.error is not None:
        lines += ["**This benchmark failed to run.** The end of its output:", "", "```"]
        lines += [result.error.rstrip(), "```", ""]
    if result.figures:
        lines += [
            "| figure | median | spread | goal | met? | floor / peer | note |",
            "|---|---|---|---|---|---|---|",
        ]
        for f in result.figures:
            goal = "—" if f.goal is None else f.goal.describe(f.unit)
            cells = [
                f.name,
                format_value(f.median, f.unit),
                spread_text(f.spread),
                goal,
                met_text(f),
                floor_text(f),
                f.note or "",
            ]
            lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
        lines.append("")
    return lines


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _anchor(result: BenchResult) -> str:
    # GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens.
    kept = "".join(c for c in result.title.lower() if c.isalnum() or c in " -_")
    return kept.replace(" ", "-")


def _param(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "/".join(str(v) for v in value)
    if isinstance(value, float | int) and not isinstance(value, bool):
        return format_number(float(value))
    return str(value)


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.1f} min"


def _load(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"
