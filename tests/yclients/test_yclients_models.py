"""Lenient parsing of what YClients actually sends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from services.yclients.models import (
    ApiCompany,
    ApiRecord,
    company_zone,
    record_from_api,
    to_bool,
    to_decimal,
    to_int,
)

MSK = ZoneInfo("Europe/Moscow")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(123, 123), ("123", 123), (" 42 ", 42), ("7.0", 7), (7.0, 7), ("", None), (None, None)],
)
def test_ids_arrive_as_numbers_or_strings(raw: object, expected: int | None) -> None:
    assert to_int(raw) == expected


@pytest.mark.parametrize("raw", ["12.5", 1.5, "abc", [1]])
def test_non_integer_ids_are_rejected(raw: object) -> None:
    with pytest.raises(ValueError):
        to_int(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (2250, Decimal("2250")),
        ("2250.00", Decimal("2250.00")),
        (0.1, Decimal("0.1")),
        ("1 000,50", Decimal("1000.50")),
        ("", Decimal(0)),
        (None, Decimal(0)),
    ],
)
def test_money_is_decimal_whatever_the_wire_type(raw: object, expected: Decimal) -> None:
    assert to_decimal(raw) == expected


@pytest.mark.parametrize("raw", ["NaN", "12abc", "Infinity"])
def test_garbage_money_is_rejected(raw: str) -> None:
    with pytest.raises(ValueError):
        to_decimal(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(True, True), (1, True), ("1", True), ("true", True), (0, False), ("0", False), ("", False)],
)
def test_flags(raw: object, expected: bool) -> None:
    assert to_bool(raw) is expected


def test_record_with_every_documented_quirk() -> None:
    api = ApiRecord.model_validate(
        {
            "id": "581234907",
            "company_id": "123456",
            "staff_id": 2345678,
            "visit_id": "455667788",
            "date": "2025-03-14 15:30:00",
            "datetime": "2025-03-14T15:30:00+03:00",
            "create_date": "2025-03-02T11:05:41+0300",
            "last_change_date": "2025-03-14T16:41:02+0300",
            "attendance": "1",
            "deleted": 0,
            "staff": {"id": "2345678", "name": "Anna", "rating": 5},
            "client": {"id": "98765432", "name": "Maria", "phone": 79161234567},
            "services": [
                {"id": "14567890", "title": "Haircut", "cost": "2250.00", "amount": "1"},
                {"id": 5, "title": "Wash", "cost": 300.5, "first_cost": 400},
            ],
            "paid_full": 1,
            "brand_new_field": {"x": 1},
        }
    )
    record = record_from_api(api, MSK)
    assert record.id == 581234907
    assert record.visit_id == 455667788
    assert record.client_id == 98765432
    assert record.attendance == 1
    assert record.deleted is False
    assert [s.cost for s in record.services] == [Decimal("2250.00"), Decimal("300.5")]
    assert record.last_change == datetime(2025, 3, 14, 13, 41, 2, tzinfo=UTC)
    assert record.start.utcoffset() == timedelta(hours=3)
    # Unknown fields are kept, not rejected: the API grows fields over time.
    assert api.model_extra is not None and api.model_extra["paid_full"] == 1


def test_visit_attendance_is_the_fallback_and_naive_dates_take_the_company_zone() -> None:
    api = ApiRecord.model_validate(
        {"id": 1, "date": "2025-03-14 23:30:00", "visit_attendance": -1, "client": None}
    )
    record = record_from_api(api, MSK)
    assert record.attendance == -1
    assert record.client_id is None
    assert record.start == datetime(2025, 3, 14, 23, 30, tzinfo=MSK)
    assert record.local_date(ZoneInfo("Asia/Yekaterinburg")).isoformat() == "2025-03-15"


def test_record_without_a_start_is_rejected() -> None:
    with pytest.raises(ValueError, match="neither"):
        record_from_api(ApiRecord.model_validate({"id": 5}), MSK)


def test_company_timezone_from_timezone_name_with_utc_fallback() -> None:
    company = ApiCompany.model_validate(
        {"id": "100001", "title": "Салон", "timezone_name": "Asia/Yekaterinburg", "timezone": 5}
    )
    assert company_zone(company).key == "Asia/Yekaterinburg"
    unknown = ApiCompany.model_validate({"id": 1, "timezone_name": "Mars/Olympus"})
    assert company_zone(unknown).key == "UTC"
    assert company_zone(ApiCompany.model_validate({"id": 1})).key == "UTC"
