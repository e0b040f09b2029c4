"""What a benchmark hands back: figures, each a list of per-run values with its goal and floor.

A figure keeps one value per repeated run (`samples`); its reported value is their median and
its spread their min/max, quartiles and standard deviation. A goal is judged on the median,
or on every run when it says so (for "nothing lost" goals a good median must not hide a bad
run). The floor (or peer) is the same thing measured the cheapest way, or on a reference app,
in the same runs, so the two can be read side by side.
"""

from __future__ import annotations

import math
import operator
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Op = Literal["<", "<=", ">", ">=", "=="]

_OPS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
}
_SIGNS = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "==": "="}


def _finite(samples: Sequence[float]) -> list[float]:
    return [s for s in samples if math.isfinite(s)]


@dataclass(frozen=True)
class Spread:
    """How the runs of one figure differ: over the finite samples; `missing` counts the rest."""

    runs: int
    missing: int
    median: float
    min: float
    max: float
    q1: float
    q3: float
    stdev: float

    @classmethod
    def of(cls, samples: Sequence[float]) -> Spread:
        values = sorted(_finite(samples))
        missing = len(samples) - len(values)
        if not values:
            nan = float("nan")
            return cls(len(samples), missing, nan, nan, nan, nan, nan, nan)
        if len(values) >= 2:
            q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive")
            stdev = statistics.stdev(values)
        else:
            q1 = q3 = values[0]
            stdev = 0.0
        return cls(
            runs=len(samples),
            missing=missing,
            median=statistics.median(values),
            min=values[0],
            max=values[-1],
            q1=q1,
            q3=q3,
            stdev=stdev,
        )


@dataclass(frozen=True)
class Goal:
    """`value OP threshold`, from the issue that set it; `every_run`: judged on each run."""

    op: Op
    threshold: float
    every_run: bool = False

    def holds(self, value: float) -> bool:
        return math.isfinite(value) and _OPS[self.op](value, self.threshold)

    def met(self, samples: Sequence[float]) -> bool:
        if not samples or len(_finite(samples)) < len(samples):
            return False  # a run that produced no value proves nothing
        if self.every_run:
            return all(self.holds(s) for s in samples)
        return self.holds(Spread.of(samples).median)

    def describe(self, unit: str) -> str:
        text = f"{_SIGNS[self.op]} {self.threshold:,g}{_unit_suffix(unit)}"
        return f"{text}, every run" if self.every_run else text

    def to_json(self) -> dict[str, Any]:
        return {"op": self.op, "threshold": self.threshold, "every_run": self.every_run}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Goal:
        return cls(data["op"], float(data["threshold"]), bool(data.get("every_run", False)))


@dataclass
class Floor:
    """The side-by-side reference measured in the same runs, e.g. asyncpg for REST."""

    label: str
    samples: list[float]

    @property
    def spread(self) -> Spread:
        return Spread.of(self.samples)


@dataclass
class Figure:
    name: str
    unit: str
    samples: list[float]
    goal: Goal | None = None
    floor: Floor | None = None
    note: str = ""

    @property
    def spread(self) -> Spread:
        return Spread.of(self.samples)

    @property
    def median(self) -> float:
        return self.spread.median

    @property
    def met(self) -> bool | None:
        return None if self.goal is None else self.goal.met(self.samples)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "unit": self.unit,
            "samples": [_json_number(s) for s in self.samples],
            **_spread_json(self.spread),
            "goal": None if self.goal is None else self.goal.to_json(),
            "met": self.met,
            "floor": None,
            "note": self.note,
        }
        if self.floor is not None:
            data["floor"] = {
                "label": self.floor.label,
                "samples": [_json_number(s) for s in self.floor.samples],
                **_spread_json(self.floor.spread),
            }
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Figure:
        floor = data.get("floor")
        return cls(
            name=data["name"],
            unit=data["unit"],
            samples=[_from_json_number(s) for s in data["samples"]],
            goal=None if data.get("goal") is None else Goal.from_json(data["goal"]),
            floor=None
            if floor is None
            else Floor(floor["label"], [_from_json_number(s) for s in floor["samples"]]),
            note=data.get("note", ""),
        )


@dataclass
class BenchResult:
    """One benchmark module's run: its figures and the settings and conditions it ran under."""

    name: str
    title: str
    about: str
    repeats: int
    params: dict[str, Any] = field(default_factory=dict)
    figures: list[Figure] = field(default_factory=list)
    duration_s: float = 0.0
    load_before: float | None = None
    load_after: float | None = None
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "about": self.about,
            "repeats": self.repeats,
            "params": self.params,
            "duration_s": round(self.duration_s, 3),
            "load_before": self.load_before,
            "load_after": self.load_after,
            "error": self.error,
            "figures": [f.to_json() for f in self.figures],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BenchResult:
        return cls(
            name=data["name"],
            title=data["title"],
            about=data.get("about", ""),
            repeats=int(data["repeats"]),
            params=dict(data.get("params") or {}),
            figures=[Figure.from_json(f) for f in data.get("figures", [])],
            duration_s=float(data.get("duration_s", 0.0)),
            load_before=data.get("load_before"),
            load_after=data.get("load_after"),
            error=data.get("error"),
        )


class Samples:
    """Collects one value per run under a figure's name, in the order figures are first seen."""

    def __init__(self) -> None:
        self.values: dict[str, list[float]] = {}

    def add(self, name: str, value: float) -> None:
        self.values.setdefault(name, []).append(float(value))

    def __getitem__(self, name: str) -> list[float]:
        return self.values.get(name, [])


def format_number(value: float) -> str:
    """Three significant figures or so, without scientific notation; integers stay integers."""
    if not math.isfinite(value):
        return "n/a"
    if value == int(value) and abs(value) < 1e9:
        return f"{int(value):,}"
    magnitude = abs(value)
    if magnitude >= 100:
        return f"{value:,.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    if magnitude >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def format_value(value: float, unit: str) -> str:
    if not math.isfinite(value):
        return "n/a"
    return f"{format_number(value)}{_unit_suffix(unit)}"


def _unit_suffix(unit: str) -> str:
    if not unit:
        return ""
    return unit if unit in {"%", "×"} else f" {unit}"


def _json_number(value: float) -> float | None:
    # JSON has no NaN; a run without a value is written as null.
    return value if math.isfinite(value) else None


def _from_json_number(value: float | None) -> float:
    return float("nan") if value is None else float(value)


def _spread_json(spread: Spread) -> dict[str, Any]:
    return {
        "median": _json_number(spread.median),
        "min": _json_number(spread.min),
        "max": _json_number(spread.max),
        "q1": _json_number(spread.q1),
        "q3": _json_number(spread.q3),
        "stdev": _json_number(spread.stdev),
        "runs": spread.runs,
        "missing_runs": spread.missing,
    }
