"""The analytics definitions of issue 6 §3, on hand-made records."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.analytics import CSV_COLUMNS, compute_analytics, write_csv
from services.yclients.models import ApiRecord, Record, ServiceLine, record_from_api

MSK = ZoneInfo("Europe/Moscow")
JUNE_1 = date(2025, 6, 1)
JUNE_3 = date(2025, 6, 3)


def rec(
    rid: int,
    start: datetime,
    attendance: int = 1,
    *,
    deleted: bool = False,
    staff: tuple[int, str] = (1, "Анна"),
    client: int | None = None,
    visit: int | None = None,
    services: tuple[tuple[int, str, str], ...] = ((10, "Стрижка", "1000.00"),),
) -> Record:
    return Record(
        id=rid,
        start=start,
        attendance=attendance,
        deleted=deleted,
        staff_id=staff[0],
        staff_name=staff[1],
        client_id=client,
        visit_id=visit,
        services=tuple(ServiceLine(s, t, Decimal(c)) for s, t, c in services),
    )


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2025, 6, day, hour, tzinfo=MSK)


def sample() -> list[Record]:
    return [
        rec(1, at(1), 1, client=501, visit=9001, services=((10, "Стрижка", "1000.00"),)),
        # same sitting as record 1 with another master: one visit for "returning" purposes
        rec(
            2,
            at(1, 13),
            1,
            client=501,
            visit=9001,
            staff=(2, "Мария"),
            services=((20, "Маникюр", "1500.50"), (30, "Покрытие", "499.50")),
        ),
        rec(3, at(2), 1, client=501, visit=9002, services=((10, "Стрижка", "900"),)),
        rec(4, at(2), -1, client=502),
        rec(5, at(3), 0, client=503),
        rec(6, at(3), 2, client=504),
        rec(7, at(3), 1, deleted=True, client=505, services=((10, "Стрижка", "5000"),)),
        rec(8, at(3), 1, client=None, staff=(2, "Мария"), services=((20, "Маникюр", "1000"),)),
        rec(9, at(4), 1, client=501),  # outside the period
    ]


def report(records: list[Record], first: date = JUNE_1, last: date = JUNE_3):  # type: ignore[no-untyped-def]
    return compute_analytics(records, period_from=first, period_to=last, tz=MSK)


def test_counts_follow_the_definitions() -> None:
    r = report(sample())
    assert (r.records, r.visits, r.no_shows, r.pending, r.confirmed, r.deleted) == (
        7,
        4,
        1,
        1,
        1,
        1,
    )


def test_revenue_is_the_cost_of_services_over_visits_only() -> None:
    r = report(sample())
    # 1000 + (1500.50 + 499.50) + 900 + 1000; the deleted record's 5000 and no-shows excluded
    assert r.revenue == Decimal("4900.00")
    assert r.average_check == Decimal("1225")
    assert r.no_show_rate == 0.2  # 1 / (4 + 1)


def test_clients_unique_and_returning_by_sitting() -> None:
    r = report(sample())
    # 501 visits on June 1 (two records, one sitting) and June 2; walk-ins have no client
    assert r.unique_clients == 1
    assert r.returning_clients == 1
    one_sitting = [x for x in sample() if x.id in (1, 2)]
    assert report(one_sitting).returning_clients == 0


def test_breakdowns_sorted_by_revenue_then_id() -> None:
    data = report(sample()).to_json_dict()
    assert data["by_staff"] == [
        {"staff_id": 2, "name": "Мария", "visits": 2, "revenue": "3000.00"},
        {"staff_id": 1, "name": "Анна", "visits": 2, "revenue": "1900.00"},
    ]
    assert data["by_service"] == [
        {"service_id": 20, "title": "Маникюр", "lines": 2, "revenue": "2500.50"},
        {"service_id": 10, "title": "Стрижка", "lines": 2, "revenue": "1900.00"},
        {"service_id": 30, "title": "Покрытие", "lines": 1, "revenue": "499.50"},
    ]
    tie = [
        rec(1, at(1), staff=(7, "B"), services=((2, "x", "10"),)),
        rec(2, at(1), staff=(3, "A"), services=((1, "y", "10"),)),
    ]
    tied = report(tie).to_json_dict()
    assert [s["staff_id"] for s in tied["by_staff"]] == [3, 7]
    assert [s["service_id"] for s in tied["by_service"]] == [1, 2]


def test_by_day_lists_every_day_of_the_period_in_order() -> None:
    data = report(sample()).to_json_dict()
    assert data["by_day"] == [
        {"date": "2025-06-01", "visits": 2, "revenue": "3000.00"},
        {"date": "2025-06-02", "visits": 1, "revenue": "900.00"},
        {"date": "2025-06-03", "visits": 1, "revenue": "1000.00"},
    ]


def test_days_are_the_companys_local_days_not_utc() -> None:
    # 23:30 UTC on May 31 is 02:30 on June 1 in Moscow: it belongs to June 1.
    late = rec(1, datetime.fromisoformat("2025-05-31T23:30:00+00:00"))
    early = rec(2, datetime.fromisoformat("2025-06-03T22:30:00+00:00"))  # June 4, 01:30 MSK
    r = report([late, early])
    assert r.visits == 1
    assert r.by_day[0].visits == 1
    yekat = ZoneInfo("Asia/Yekaterinburg")  # UTC+5, two hours ahead of the record's offset
    evening = rec(3, datetime.fromisoformat("2025-06-03T20:30:00+0300"))  # 22:30 local
    night = rec(4, datetime.fromisoformat("2025-06-03T22:30:00+0300"))  # 00:30 June 4 local
    r = compute_analytics([evening, night], period_from=JUNE_1, period_to=JUNE_3, tz=yekat)
    assert r.visits == 1
    assert r.by_day[-1].visits == 1


def test_json_contract_exact_keys_and_types() -> None:
    data = report(sample()).to_json_dict()
    assert list(data) == [
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
        "by_staff",
        "by_service",
        "by_day",
    ]
    assert data["revenue"] == "4900.00"
    assert data["average_check"] == "1225.00"
    assert isinstance(data["no_show_rate"], float)
    text = json.dumps(data)
    assert '"no_show_rate": 0.2' in text


def test_rounding_of_money_and_rate() -> None:
    records = [
        rec(1, at(1), services=((1, "a", "100.005"),)),
        rec(2, at(1), services=((1, "a", "0"),)),
        rec(3, at(1), services=((1, "a", "0"),)),
        rec(4, at(1), -1),
        rec(5, at(1), -1),
        rec(6, at(1), 1, services=()),
        rec(7, at(1), 1, services=()),
    ]
    data = report(records).to_json_dict()
    assert data["revenue"] == "100.01"  # half-up, as a cashier rounds
    assert data["average_check"] == "20.00"  # 100.005 / 5 = 20.001
    assert data["no_show_rate"] == 0.2857  # 2 / 7


def test_empty_period_is_all_zeros_without_dividing_by_zero() -> None:
    data = report([rec(1, at(1), 0)]).to_json_dict()
    assert data["revenue"] == "0.00"
    assert data["average_check"] == "0.00"
    assert data["no_show_rate"] == 0.0
    assert data["pending"] == 1
    with pytest.raises(ValueError):
        report([], JUNE_3, JUNE_1)


def test_records_straight_from_api_quirks() -> None:
    raw = {
        "id": "77",
        "staff_id": "5",
        "visit_id": "900",
        "datetime": "2025-06-02T10:00:00+03:00",
        "last_change_date": "2025-06-02T12:00:00+0300",
        "attendance": "1",
        "deleted": "0",
        "staff": {"id": "5", "name": "Ольга"},
        "client": {"id": "42", "phone": "+7 916 000-00-00"},
        "services": [{"id": "3", "title": "Укладка", "cost": "1800.00"}, {"id": 4, "cost": 200}],
    }
    record = record_from_api(ApiRecord.model_validate(raw), MSK)
    data = report([record]).to_json_dict()
    assert data["revenue"] == "2000.00"
    assert data["by_staff"] == [{"staff_id": 5, "name": "Ольга", "visits": 1, "revenue": "2000.00"}]
    assert data["unique_clients"] == 1


def test_csv_has_every_section_and_defuses_formulas() -> None:
    records = [
        *sample(),
        rec(20, at(2), staff=(9, '=HYPERLINK("x")'), services=((40, "+cmd", "1"),)),
    ]
    out = io.StringIO()
    write_csv(report(records), out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert tuple(rows[0]) == CSV_COLUMNS
    sections = [row[0] for row in rows[1:]]
    assert sections.count("summary") == 11
    assert {"staff", "service", "day"} <= set(sections)
    summary = {row[1]: row[6] for row in rows if row[0] == "summary"}
    assert summary["revenue"] == "4901.00"
    labels = [row[2] for row in rows if row[0] in ("staff", "service")]
    assert '\'=HYPERLINK("x")' in labels
    assert "'+cmd" in labels


def test_csv_for_a_russian_spreadsheet_uses_semicolons_and_a_decimal_comma() -> None:
    records = [*sample(), rec(21, at(2), staff=(9, "Ольга; мастер 1.5"))]
    out = io.StringIO()
    write_csv(report(records), out, spreadsheet_locale="ru")
    rows = list(csv.reader(io.StringIO(out.getvalue()), delimiter=";"))
    assert tuple(rows[0]) == CSV_COLUMNS  # every column its own: Excel splits on ";"
    assert all(len(row) == len(CSV_COLUMNS) for row in rows)
    summary = {row[1]: row[6] for row in rows if row[0] == "summary"}
    assert summary["revenue"] == "5900,00"
    assert summary["no_show_rate"].startswith("0,")
    assert "." not in "".join(row[5] for row in rows[1:])
    # A name keeps its dot and its semicolon (quoted), whatever the locale.
    assert "Ольга; мастер 1.5" in [row[2] for row in rows if row[0] == "staff"]


records_strategy = st.lists(
    st.builds(
        lambda rid, day, hour, att, deleted, staff, client, cost: rec(
            rid,
            datetime(2025, 6, 1, tzinfo=MSK) + timedelta(days=day, hours=hour),
            att,
            deleted=deleted,
            staff=(staff, f"s{staff}"),
            client=client,
            services=((staff * 10, "svc", str(cost)),),
        ),
        st.integers(1, 10**9),
        st.integers(-2, 8),
        st.integers(0, 23),
        st.sampled_from([-1, 0, 1, 2]),
        st.booleans(),
        st.integers(1, 4),
        st.one_of(st.none(), st.integers(1, 6)),
        st.decimals(min_value=0, max_value=10_000, places=2),
    ),
    max_size=60,
    unique_by=lambda r: r.id,
)


@settings(max_examples=80, deadline=None)
@given(records_strategy)
def test_breakdowns_always_add_up(records: list[Record]) -> None:
    r = compute_analytics(records, period_from=JUNE_1, period_to=date(2025, 6, 6), tz=MSK)
    assert r.visits + r.no_shows + r.pending + r.confirmed == r.records
    assert sum((s.revenue for s in r.by_staff), Decimal(0)) == r.revenue
    assert sum((s.revenue for s in r.by_service), Decimal(0)) == r.revenue
    assert sum((d.revenue for d in r.by_day), Decimal(0)) == r.revenue
    assert sum(d.visits for d in r.by_day) == r.visits == sum(s.visits for s in r.by_staff)
    assert r.returning_clients <= r.unique_clients <= r.visits
    assert 0.0 <= r.no_show_rate <= 1.0
