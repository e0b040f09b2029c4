"""The wishlist's words and choices as pure functions: the slot, the counts line, the status
and text filters, the order by day, and the column plan at every terminal width."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

import pytest
from rich.cells import cell_len

from core.i18n import set_language, t
from tabs.wishlist_view import STATUS_FILTERS, counts_line, ordered, select
from widgets.wishlist_row import Wish, is_overdue, raw_value, slot_text
from widgets.wishlist_table import plan_columns

TODAY = date(2026, 11, 26)
BASE = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["ru", "en"])
def language(request: pytest.FixtureRequest) -> Iterator[str]:
    set_language(request.param)
    yield request.param
    set_language("en")


def wish(n: int, status: str = "waiting", **fields: object) -> Wish:
    base = Wish(
        str(n),
        n,
        f"tg:{n}",
        f"Клиент {n}",
        None,
        "Стрижка",
        None,
        status,
        BASE + timedelta(minutes=n),
    )
    return base._replace(**fields)


def test_the_slot_reads_as_written_and_leaves_out_what_is_missing(language: str) -> None:
    ru = language == "ru"
    full = wish(1, desired_date=date(2026, 12, 10), desired_from=time(18), desired_to=time(20))
    assert slot_text(full, TODAY) == ("чт" if ru else "Thu") + " 10.12 18:00–20:00"
    later = wish(2, desired_date=date(2027, 1, 4), desired_from=time(9, 30))
    assert slot_text(later, TODAY) == (
        "пн 04.01.2027 с 09:30" if ru else "Mon 04.01.2027 from 09:30"
    )
    assert slot_text(wish(3, desired_to=time(12)), TODAY) == ("до 12:00" if ru else "until 12:00")
    assert slot_text(wish(4), TODAY) == ""


def test_overdue_is_a_waiting_row_whose_day_has_passed() -> None:
    past = {"desired_date": TODAY - timedelta(days=1)}
    assert is_overdue(wish(1, **past), TODAY)
    assert not is_overdue(wish(2, "offered", **past), TODAY)
    assert not is_overdue(wish(3, desired_date=TODAY), TODAY)
    assert not is_overdue(wish(4), TODAY)


def test_each_status_filter_combines_with_the_text_filter() -> None:
    rows = [
        wish(1),
        wish(2, "offered"),
        wish(3, "booked"),
        wish(4, "cancelled"),
        wish(5, "paused"),
        wish(6, staff_name="Ольга"),
    ]
    keys = {choice: [w.key for w in select(rows, choice, "")] for choice in STATUS_FILTERS}
    assert keys == {
        "open": ["1", "2", "5", "6"],  # a status unknown to the dashboard stays in sight
        "all": ["1", "2", "3", "4", "5", "6"],
        "waiting": ["1", "6"],
        "offered": ["2"],
        "booked": ["3"],
        "cancelled": ["4"],
    }
    assert [w.key for w in select(rows, "open", "ольга")] == ["6"], "staff is searched too"
    assert [w.key for w in select(rows, "booked", "клиент 3")] == ["3"]
    assert select(rows, "cancelled", "клиент 3") == []


def test_by_day_is_soonest_first_with_undated_rows_last_newest_first() -> None:
    rows = [
        wish(1),
        wish(2, desired_date=TODAY + timedelta(days=3)),
        wish(3, desired_date=TODAY + timedelta(days=1), desired_from=time(18)),
        wish(4, desired_date=TODAY + timedelta(days=1), desired_from=time(10)),
        wish(5),
    ]
    assert [w.key for w in ordered(rows, "desired")] == ["4", "3", "2", "5", "1"]
    assert [w.key for w in ordered(rows, "time")] == ["5", "4", "3", "2", "1"]


def test_the_counts_line_names_the_choice_every_status_and_the_overdue(language: str) -> None:
    past = TODAY - timedelta(days=2)
    rows = [
        wish(1, desired_date=past),
        wish(2, desired_date=past),
        wish(3, "offered"),
        wish(4, "booked"),
        wish(5, "paused"),
    ]
    line = counts_line(rows, "open", TODAY).plain
    if language == "ru":
        assert line == (
            "Открытые 4 · ! 2 просрочены · ждёт 2 · предложено 1 · записан(а) 1 · отменено 0"
            " · другой статус: 1"
        )
        assert counts_line(rows[:1], "booked", TODAY).plain.startswith(
            "Записаны 0 · ! 1 просрочена"
        )
    else:
        assert line == (
            "Open 4 · ! 2 past their day · waiting 2 · offered 1 · booked 1 · cancelled 0 · 1 other"
        )
    waiting = counts_line(rows, "waiting", TODAY)
    bold = [waiting.plain[span.start : span.end] for span in waiting.spans if span.style == "bold"]
    assert bold[2] == ("ждёт 2" if language == "ru" else "waiting 2"), "the shown status stands out"


@pytest.mark.parametrize("width", [30, 50, 60, 70, 78, 200])
def test_the_counts_line_leaves_out_whole_items_to_fit(language: str, width: int) -> None:
    past = TODAY - timedelta(days=2)
    rows = [wish(1, desired_date=past), wish(2), wish(3, "offered"), wish(4, "paused")]
    whole = counts_line(rows, "open", TODAY)
    line = counts_line(rows, "open", TODAY, width)
    head, *items = whole.plain.split(" · ")
    if whole.cell_len <= width:
        assert line.plain == whole.plain
        return
    assert line.cell_len <= width or line.plain == f"{head} · …"
    kept = line.plain.split(" · ")
    assert kept[0] == head and kept[-1] == "…"
    # Every item kept is whole, with its number, and in its order; the empty status goes first.
    assert all(item in items for item in kept[1:-1])
    assert kept[1:-1] == [item for item in items if item in kept[1:-1]]
    cancelled = "отменено 0" if language == "ru" else "cancelled 0"
    assert cancelled not in kept
    if width >= 60:
        assert kept[1] == items[0], "the overdue count is the last to go"


@pytest.mark.parametrize("width", range(40, 221, 4))
def test_the_columns_always_fit_and_the_essentials_stay_at_80(language: str, width: int) -> None:
    plan = plan_columns(width)
    assert 1 + sum(size + 1 for _, size in plan) + 1 <= width
    names = [name for name, _ in plan]
    assert "client" in names and "status" in names
    for name, size in plan:  # no heading is cut («Комментарий» once was, in a narrow column)
        assert cell_len(t(f"wishlist.col.{name}")) <= size, (name, size)
    if width >= 80:
        assert {"time", "client", "service", "desired", "staff", "status"} <= set(names)
    if width >= 120:
        assert names == [
            "time",
            "client",
            "phone",
            "service",
            "desired",
            "staff",
            "status",
            "comment",
        ]


def test_an_extra_columns_value_is_shown_as_it_came() -> None:
    assert raw_value("[b]x[/b]") == "[b]x[/b]"
    assert raw_value({"level": "золото", "n": 2}) == '{"level": "золото", "n": 2}'
    assert raw_value(None) == "null" and raw_value(True) == "true"
