"""The benchmark report: spread and goals computed right, every figure in the Markdown and JSON,
and one real benchmark run through the runner in quick mode. No figure's size is asserted."""

from __future__ import annotations

import json
import math
import statistics
import subprocess
import sys
from pathlib import Path

import pytest

from bench import machine
from bench.__main__ import ROOT, run_benchmark
from bench.figures import BenchResult, Figure, Floor, Goal, Spread
from bench.report import JSON_NAME, MARKDOWN_NAME, Report, render_markdown, write

NAN = float("nan")


def test_spread_of_odd_samples() -> None:
    spread = Spread.of([5.0, 1.0, 4.0, 2.0, 3.0])
    assert (spread.median, spread.min, spread.max) == (3.0, 1.0, 5.0)
    assert (spread.q1, spread.q3) == (2.0, 4.0)
    assert spread.stdev == pytest.approx(statistics.stdev([1, 2, 3, 4, 5]))
    assert (spread.runs, spread.missing) == (5, 0)


def test_spread_of_even_single_and_missing_samples() -> None:
    assert Spread.of([4.0, 1.0, 3.0, 2.0]).median == 2.5
    single = Spread.of([7.0])
    assert (single.median, single.min, single.max, single.stdev) == (7.0, 7.0, 7.0, 0.0)
    with_gap = Spread.of([1.0, NAN, 3.0])
    assert (with_gap.median, with_gap.runs, with_gap.missing) == (2.0, 3, 1)
    assert math.isnan(Spread.of([NAN]).median)


def test_goal_on_the_median() -> None:
    assert Goal("<", 150).met([100.0, 120.0, 200.0])  # median 120
    assert not Goal("<", 150).met([100.0, 160.0, 200.0])  # median 160
    assert not Goal("<", 150).met([150.0])
    assert Goal("<=", 150).met([150.0])
    assert Goal(">", 90).met([91.0, 89.0, 95.0])
    assert not Goal(">=", 1.5).met([1.4, 1.49])


def test_goal_on_every_run() -> None:
    every = Goal(">=", 100, every_run=True)
    assert every.met([100.0, 100.0, 100.0])
    assert not every.met([100.0, 100.0, 99.9])  # the median, 100, would hide the lost change
    assert Goal("==", 0, every_run=True).met([0.0, 0.0])
    assert not Goal("==", 0, every_run=True).met([0.0, 2.0, 0.0])


def test_goal_without_a_value_is_not_met() -> None:
    assert not Goal("<", 500).met([100.0, NAN, 120.0])
    assert not Goal("<", 500).met([])


def synthetic_report() -> Report:
    rest = BenchResult(
        name="rest",
        title="REST round trips",
        about="A select and an insert next to asyncpg.",
        repeats=3,
        params={"quick": False, "iterations": 500, "rates": [100, 1000]},
        figures=[
            Figure(
                "select 50 rows, p50",
                "ms",
                [1.5, 1.4, 1.6],
                floor=Floor("asyncpg, same SQL", [0.10, 0.12, 0.11]),
                note="p50 of 500 calls",
            ),
            Figure("latency p99", "ms", [40.0, 45.0, 80.0], goal=Goal("<", 50)),
            Figure("stall | worst", "ms", [120.0, 130.0, 90.0], goal=Goal("<", 100)),
            Figure("delivered", "%", [100.0, 99.0, 100.0], goal=Goal(">=", 100, every_run=True)),
            Figure("last app saw it", "ms", [NAN, 300.0, 310.0], goal=Goal("<", 500)),
        ],
        duration_s=12.5,
        load_before=0.5,
        load_after=1.25,
    )
    broken = BenchResult(
        name="tui",
        title="The TUI",
        about="",
        repeats=0,
        error="Traceback (most recent call last):\nIndexError: pop from empty list\n"
        "[exit status 1]",
    )
    return Report(
        machine={
            "cpu": "Test CPU 9000",
            "cores": 2,
            "cores_usable": 2,
            "memory_gib": 8.0,
            "os": "Debian",
            "kernel": "6.1",
            "python": "CPython 3.11.7",
            "packages": {"textual": "8.2.8"},
            "load_before": [0.5, 0.4, 0.3],
            "load_after": [1.25, 0.9, 0.5],
            "date": "2026-01-01T00:00:00+00:00",
            "commit": "abcdef123456",
            "tree_clean": False,
        },
        results=[rest, broken],
    )


def table_row(markdown: str, name: str) -> list[str]:
    escaped = name.replace("|", "\\|")
    line = next(line for line in markdown.splitlines() if line.startswith(f"| {escaped} |"))
    cells = line.replace("\\|", "\x00").strip("|").split("|")
    return [cell.strip().replace("\x00", "|") for cell in cells]


def test_markdown_holds_every_figure_with_its_verdict() -> None:
    report = synthetic_report()
    markdown = render_markdown(report)
    for figure in report.results[0].figures:
        assert len(table_row(markdown, figure.name)) == 7
    select = table_row(markdown, "select 50 rows, p50")
    assert select[1] == "1.50 ms"
    assert select[2] == "1.40–1.60, sd 0.100"
    assert select[3:5] == ["—", "—"]
    assert select[5] == "asyncpg, same SQL: 0.110 ms (0.100–0.120)"
    assert select[6] == "p50 of 500 calls"
    assert table_row(markdown, "latency p99")[3:5] == ["< 50 ms", "yes"]
    assert table_row(markdown, "stall | worst")[3:5] == ["< 100 ms", "**no**"]
    assert table_row(markdown, "delivered")[3:5] == ["≥ 100%, every run", "**no**"]
    gap = table_row(markdown, "last app saw it")
    assert gap[2] == "300–310; 1 of 3 runs gave no value"
    assert gap[4] == "**no**"


def test_markdown_summary_machine_and_failure() -> None:
    markdown = render_markdown(synthetic_report())
    summary = table_row(markdown, "[REST round trips](#rest-round-trips)")
    assert summary[1:4] == ["3", "1 of 4", "12 s"]
    assert "- REST round trips: stall | worst: 120 ms (goal < 100 ms)" in markdown
    assert "- REST round trips: delivered: 100% (goal ≥ 100%, every run)" in markdown
    assert table_row(markdown, "[The TUI](#the-tui)")[2] == "**failed to run**"
    assert "IndexError: pop from empty list" in markdown
    assert "| CPU | Test CPU 9000, 2 cores |" in markdown
    assert "before 0.5/0.4/0.3, after 1.25/0.9/0.5" in markdown
    assert "abcdef123456 (the working tree had uncommitted changes)" in markdown
    assert "iterations 500, rates 100/1000" in markdown


def test_json_holds_every_figure_and_round_trips(tmp_path: Path) -> None:
    report = synthetic_report()
    markdown_path, json_path = write(report, tmp_path)
    assert markdown_path.name == MARKDOWN_NAME and json_path.name == JSON_NAME
    data = json.loads(json_path.read_text(encoding="utf-8"))  # strict JSON: no NaN
    rest = data["benchmarks"][0]
    figures = {f["name"]: f for f in rest["figures"]}
    assert list(figures) == [f.name for f in report.results[0].figures]
    select = figures["select 50 rows, p50"]
    assert select["samples"] == [1.5, 1.4, 1.6]
    assert (select["median"], select["min"], select["max"]) == (1.5, 1.4, 1.6)
    assert select["q1"] == pytest.approx(1.45) and select["q3"] == pytest.approx(1.55)
    assert select["stdev"] == pytest.approx(0.1)
    assert select["floor"]["label"] == "asyncpg, same SQL"
    assert select["floor"]["median"] == pytest.approx(0.11)
    assert select["met"] is None and select["goal"] is None
    assert figures["latency p99"]["met"] is True
    assert figures["latency p99"]["goal"] == {"op": "<", "threshold": 50, "every_run": False}
    assert figures["stall | worst"]["met"] is False
    assert figures["last app saw it"]["samples"] == [None, 300.0, 310.0]
    assert figures["last app saw it"]["missing_runs"] == 1
    assert data["benchmarks"][1]["error"].endswith("[exit status 1]")
    assert data["machine"]["cpu"] == "Test CPU 9000"

    again = Report.from_json(data)
    assert render_markdown(again) == render_markdown(report)


def test_machine_description() -> None:
    described = machine.describe()
    assert described["cores"] >= 1
    assert len(described["load_before"]) == 3
    assert described["python"].startswith(("CPython", "PyPy"))
    assert described["packages"]["textual"]


def test_runner_reports_a_benchmark_that_cannot_run(tmp_path: Path) -> None:
    result = run_benchmark(
        "nothing", tmp_path, quick=True, repeats=1, module="bench.no_such_benchmark"
    )
    assert result.error is not None
    assert "No module named bench.no_such_benchmark" in result.error
    assert result.figures == []


def test_quick_run_of_a_real_benchmark_through_the_runner(tmp_path: Path) -> None:
    quick = ["--quick", "--only", "rest", "--repeats", "2", "--out", str(tmp_path)]
    done = subprocess.run(
        [sys.executable, "-m", "bench", *quick],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=100,  # under pytest's own 120 s
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    data = json.loads((tmp_path / JSON_NAME).read_text(encoding="utf-8"))
    assert data["quick"] is True
    [rest] = data["benchmarks"]
    assert rest["name"] == "rest" and rest["error"] is None and rest["repeats"] == 2
    names = [f["name"] for f in rest["figures"]]
    assert names == [
        "select 50 rows, p50",
        "select 50 rows, p99",
        "insert 1 row, p50",
        "insert 1 row, p99",
    ]
    for figure in rest["figures"]:
        assert len(figure["samples"]) == 2 and None not in figure["samples"]
        assert len(figure["floor"]["samples"]) == 2
    markdown = (tmp_path / MARKDOWN_NAME).read_text(encoding="utf-8")
    assert "Quick smoke run" in markdown
    for name in names:
        assert f"| {name} |" in markdown
