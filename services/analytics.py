"""Booking analytics: pure functions over YClients records (issue 6, section 3).

Definitions, over the records whose LOCAL visit date (company timezone) is in [from, to]:
- records: not deleted; visits: attendance 1; no_shows: -1; pending: 0; confirmed: 2;
  deleted: records flagged deleted (whatever their attendance);
- revenue: sum of the services' `cost` over visits (`cost` is the line's charge after
  discounts; it is not multiplied by `amount`); average_check = revenue / visits;
- no_show_rate = no_shows / (visits + no_shows);
- unique_clients: distinct clients among visits; returning_clients: clients with two or more
  visits in the period, where records sharing a `visit_id` (one sitting with several masters)
  count as one visit;
- by_staff / by_service / by_day: over visits; names are those of the latest record (records
  are expected in start order, as the cache and the client return them). by_day lists every
  day of the period, so a chart has no holes.
"""

from __future__ import annotations

import csv
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TextIO

from services.yclients.models import Record

_CENT = Decimal("0.01")
_ZERO = Decimal(0)
CSV_COLUMNS = ("section", "key", "label", "visits", "lines", "revenue", "value")


def _money(value: Decimal) -> str:
    return str(value.quantize(_CENT, rounding=ROUND_HALF_UP))


@dataclass(frozen=True, slots=True)
class StaffFigures:
    staff_id: int
    name: str
    visits: int
    revenue: Decimal


@dataclass(frozen=True, slots=True)
class ServiceFigures:
    service_id: int
    title: str
    lines: int
    revenue: Decimal


@dataclass(frozen=True, slots=True)
class DayFigures:
    day: date
    visits: int
    revenue: Decimal


@dataclass(frozen=True, slots=True)
class AnalyticsReport:
    period_from: date
    period_to: date
    records: int
    visits: int
    no_shows: int
    pending: int
    confirmed: int
    deleted: int
    revenue: Decimal
    average_check: Decimal
    no_show_rate: float
    unique_clients: int
    returning_clients: int
    by_staff: tuple[StaffFigures, ...]
    by_service: tuple[ServiceFigures, ...]
    by_day: tuple[DayFigures, ...]

    def to_json_dict(self) -> dict[str, Any]:
        """The `agentp analytics --format json` contract, key for key."""
        return {
            "records": self.records,
            "visits": self.visits,
            "no_shows": self.no_shows,
            "pending": self.pending,
            "confirmed": self.confirmed,
            "deleted": self.deleted,
            "revenue": _money(self.revenue),
            "average_check": _money(self.average_check),
            "no_show_rate": self.no_show_rate,
            "unique_clients": self.unique_clients,
            "returning_clients": self.returning_clients,
            "by_staff": [
                {
                    "staff_id": s.staff_id,
                    "name": s.name,
                    "visits": s.visits,
                    "revenue": _money(s.revenue),
                }
                for s in self.by_staff
            ],
            "by_service": [
                {
                    "service_id": s.service_id,
                    "title": s.title,
                    "lines": s.lines,
                    "revenue": _money(s.revenue),
                }
                for s in self.by_service
            ],
            "by_day": [
                {"date": d.day.isoformat(), "visits": d.visits, "revenue": _money(d.revenue)}
                for d in self.by_day
            ],
        }


def compute_analytics(
    records: Iterable[Record], *, period_from: date, period_to: date, tz: tzinfo
) -> AnalyticsReport:
    if period_to < period_from:
        raise ValueError(f"the period ends ({period_to}) before it starts ({period_from})")
    days = (period_to - period_from).days + 1
    day_list = [period_from + timedelta(days=i) for i in range(days)]
    # Local midnights as UTC timestamps: bucketing an instant is then a float bisect, far
    # cheaper than astimezone() per record, and exact across DST changes.
    edges = [
        datetime.combine(d, time(), tzinfo=tz).timestamp()
        for d in (*day_list, period_to + timedelta(days=1))
    ]
    lowest, highest = edges[0], edges[-1]
    counts = [0, 0, 0, 0]  # attendance -1, 0, 1, 2
    kept = deleted = 0
    day_visits = [0] * days
    day_checks: list[list[Decimal]] = [[] for _ in range(days)]
    staff_checks: defaultdict[int, list[Decimal]] = defaultdict(list)
    service_costs: defaultdict[int, list[Decimal]] = defaultdict(list)
    client_visits: defaultdict[int, set[int]] = defaultdict(set)
    # Names and titles come from the last record in input order; the cache and the client
    # deliver records by start time, so a renamed master or service shows the current name.
    staff_name: dict[int, str] = {}
    service_title: dict[int, str] = {}

    for r in records:
        ts = r.epoch
        if ts < lowest or ts >= highest:
            continue
        if r.deleted:
            deleted += 1
            continue
        kept += 1
        attendance = r.attendance
        if -1 <= attendance <= 2:
            counts[attendance + 1] += 1
        if attendance != 1:
            continue
        services = r.services
        if len(services) == 1:
            line = services[0]
            check = line.cost
            service_costs[line.service_id].append(check)
            service_title[line.service_id] = line.title
        else:
            check = _ZERO
            for line in services:
                check += line.cost
                service_costs[line.service_id].append(line.cost)
                service_title[line.service_id] = line.title
        staff = r.staff_id
        staff_checks[staff].append(check)
        staff_name[staff] = r.staff_name
        index = bisect_right(edges, ts) - 1
        day_visits[index] += 1
        day_checks[index].append(check)
        client = r.client_id
        if client is not None:
            client_visits[client].add(r.visit_id if r.visit_id is not None else -r.id)

    no_shows, pending, visits, confirmed = counts
    day_revenue = [sum(c, _ZERO) for c in day_checks]
    revenue = sum(day_revenue, _ZERO)
    by_staff = sorted(
        (
            StaffFigures(sid, staff_name[sid], len(checks), sum(checks, _ZERO))
            for sid, checks in staff_checks.items()
        ),
        key=lambda s: (-s.revenue, s.staff_id),
    )
    by_service = sorted(
        (
            ServiceFigures(sid, service_title[sid], len(costs), sum(costs, _ZERO))
            for sid, costs in service_costs.items()
        ),
        key=lambda s: (-s.revenue, s.service_id),
    )
    by_day = tuple(DayFigures(d, day_visits[i], day_revenue[i]) for i, d in enumerate(day_list))
    shows = visits + no_shows
    return AnalyticsReport(
        period_from=period_from,
        period_to=period_to,
        records=kept,
        visits=visits,
        no_shows=no_shows,
        pending=pending,
        confirmed=confirmed,
        deleted=deleted,
        revenue=revenue,
        average_check=(revenue / visits) if visits else _ZERO,
        no_show_rate=round(no_shows / shows, 4) if shows else 0.0,
        unique_clients=len(client_visits),
        returning_clients=sum(1 for s in client_visits.values() if len(s) >= 2),
        by_staff=tuple(by_staff),
        by_service=tuple(by_service),
        by_day=by_day,
    )


class _DecimalCommaWriter:
    """The number columns (revenue, value) with a decimal comma; names are left as they are."""

    _NUMBERS = (CSV_COLUMNS.index("revenue"), CSV_COLUMNS.index("value"))

    def __init__(self, writer: Any) -> None:
        self._writer = writer

    def writerow(self, row: Sequence[object]) -> None:
        cells = list(row)
        for i in self._NUMBERS:
            if isinstance(cells[i], str | float | Decimal) and cells[i] != CSV_COLUMNS[i]:
                cells[i] = str(cells[i]).replace(".", ",")
        self._writer.writerow(cells)


def _cell(text: str) -> str:
    # Names come from salon staff and clients; a leading = + - @ would run as a spreadsheet
    # formula when the CSV is opened, so such cells are quoted as text.
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text


def write_csv(report: AnalyticsReport, out: TextIO, *, spreadsheet_locale: str = "en") -> None:
    """One table: summary metrics, then staff, service and day rows (columns CSV_COLUMNS).

    `spreadsheet_locale="ru"` writes what a Russian Excel or LibreOffice opens into columns:
    `;` between fields and a decimal comma (`87800,50`); their list separator there is `;`,
    since the comma is the decimal mark. Dates stay ISO, which both read as dates.
    """
    russian = spreadsheet_locale == "ru"
    plain = csv.writer(out, lineterminator="\n", delimiter=";" if russian else ",")
    writer: Any = _DecimalCommaWriter(plain) if russian else plain
    writer.writerow(CSV_COLUMNS)
    data = report.to_json_dict()
    for key in (
        "records",
        "visits",
        "no_shows",
        "pending",
        "confirmed",
        "deleted",
        "revenue",
        "average_check",
        "no_show_rate",
        "unique_clients",
        "returning_clients",
    ):
        writer.writerow(("summary", key, "", "", "", "", data[key]))
    for s in data["by_staff"]:
        writer.writerow(
            ("staff", s["staff_id"], _cell(s["name"]), s["visits"], "", s["revenue"], "")
        )
    for v in data["by_service"]:
        writer.writerow(
            ("service", v["service_id"], _cell(v["title"]), "", v["lines"], v["revenue"], "")
        )
    for d in data["by_day"]:
        writer.writerow(("day", d["date"], "", d["visits"], "", d["revenue"], ""))
