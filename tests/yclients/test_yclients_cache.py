"""The SQLite cache against the sandbox: first load, incremental loads, deletes, cancel."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from services.analytics import compute_analytics
from services.yclients.cache import RecordCache, cache_path
from services.yclients.models import Record
from tests.yclients.conftest import BARHAT, LOTOS, Served, sandbox_client, truth

JUNE = (date(2025, 6, 1), date(2025, 6, 30))
MSK = ZoneInfo("Europe/Moscow")


def ids_and_state(records: list[Record]) -> list[tuple[int, int, bool]]:
    return sorted((r.id, r.attendance, r.deleted) for r in records)


async def test_first_load_fetches_the_period_and_reopening_needs_no_network(
    open_sandbox: Served, tmp_path: Path
) -> None:
    path = cache_path(tmp_path, open_sandbox.base_url, LOTOS)
    progress: list[tuple[int, int]] = []
    async with sandbox_client(open_sandbox.base_url) as client, RecordCache(path, LOTOS) as cache:
        report = await cache.sync(
            client, *JUNE, page_size=200, progress=lambda d, t: progress.append((d, t))
        )
        loaded = await cache.load(*JUNE)
    expected = truth(open_sandbox, LOTOS, *JUNE)
    assert ids_and_state(loaded) == ids_and_state(expected)
    assert any(r.deleted for r in loaded)  # deleted records are part of a sync
    pages = report.pages
    assert progress[-1] == (pages, pages)
    assert [d for d, _ in progress] == list(range(1, pages + 1))
    assert report.requests == pages + 1  # + the company's timezone, once
    assert not report.incremental

    open_sandbox.sandbox.reset_log()
    async with RecordCache(path, LOTOS) as reopened:
        again = await reopened.load(*JUNE)
        state = await reopened.state()
    assert open_sandbox.sandbox.log == []
    assert again == loaded
    assert state.timezone_name == "Europe/Moscow"
    assert (state.covered_from, state.covered_to) == JUNE
    assert compute_analytics(again, period_from=JUNE[0], period_to=JUNE[1], tz=MSK) == (
        compute_analytics(expected, period_from=JUNE[0], period_to=JUNE[1], tz=MSK)
    )


async def test_incremental_sync_reads_only_changes_including_deletions(
    open_sandbox: Served, tmp_path: Path
) -> None:
    sandbox = open_sandbox.sandbox
    async with (
        sandbox_client(open_sandbox.base_url) as client,
        RecordCache(tmp_path / "c.sqlite3", LOTOS) as cache,
    ):
        await cache.sync(client, *JUNE, page_size=100)
        before = {r.id: r for r in await cache.load(*JUNE)}
        alive = [r for r in before.values() if not r.deleted and r.attendance == 0]
        marked, cancelled = alive[0], alive[1]
        sandbox.update_record(LOTOS, marked.id, attendance=1)
        sandbox.update_record(LOTOS, cancelled.id, deleted=True)
        moved = alive[2]
        sandbox.update_record(LOTOS, moved.id, start=moved.start + timedelta(days=3, hours=1))
        new_id = sandbox.create_record(
            LOTOS, start=datetime(2025, 6, 15, 11, tzinfo=MSK), attendance=2
        )
        sandbox.reset_log()

        report = await cache.sync(client, *JUNE, page_size=100)
        after = {r.id: r for r in await cache.load(*JUNE)}

    assert report.incremental and report.full_ranges == ()
    assert report.requests == 1 and report.records_written == 4
    (request,) = sandbox.log
    assert request.query["with_deleted"] == "1"
    assert "changed_after" in request.query
    assert after[marked.id].attendance == 1
    assert after[cancelled.id].deleted is True
    assert after[moved.id].start == moved.start + timedelta(days=3, hours=1)
    assert after[new_id].attendance == 2
    assert ids_and_state(list(after.values())) == ids_and_state(truth(open_sandbox, LOTOS, *JUNE))


async def test_a_quiet_day_costs_one_request(open_sandbox: Served, tmp_path: Path) -> None:
    async with (
        sandbox_client(open_sandbox.base_url, BARHAT) as client,
        RecordCache(tmp_path / "c.sqlite3", BARHAT) as cache,
    ):
        await cache.sync(client, *JUNE)
        second = await cache.sync(client, *JUNE)
    assert second.requests == 1
    assert second.records_written == 0


async def test_a_wider_period_fetches_only_the_missing_days(
    open_sandbox: Served, tmp_path: Path
) -> None:
    async with (
        sandbox_client(open_sandbox.base_url) as client,
        RecordCache(tmp_path / "c.sqlite3", LOTOS) as cache,
    ):
        await cache.sync(client, *JUNE, page_size=1000)
        open_sandbox.sandbox.reset_log()
        report = await cache.sync(client, date(2025, 5, 25), date(2025, 6, 30), page_size=1000)
        loaded = await cache.load(date(2025, 5, 25), date(2025, 6, 30))
    assert report.full_ranges == ((date(2025, 5, 25), date(2025, 5, 31)),)
    assert report.incremental
    ranges = [
        (e.query["start_date"], e.query.get("changed_after")) for e in open_sandbox.sandbox.log
    ]
    assert ("2025-05-25", None) in ranges
    assert (report.covered_from, report.covered_to) == (date(2025, 5, 25), date(2025, 6, 30))
    expected = truth(open_sandbox, LOTOS, date(2025, 5, 25), date(2025, 6, 30))
    assert ids_and_state(loaded) == ids_and_state(expected)


async def test_cancelling_a_sync_leaves_the_cache_consistent(
    open_sandbox: Served, tmp_path: Path
) -> None:
    path = tmp_path / "c.sqlite3"
    async with (
        sandbox_client(open_sandbox.base_url) as client,
        RecordCache(path, LOTOS) as cache,
    ):

        def cancel_after_two(done: int, total: int) -> None:
            if done == 2:
                task = asyncio.current_task()
                assert task is not None
                task.cancel()

        sync = asyncio.ensure_future(
            cache.sync(client, *JUNE, page_size=50, progress=cancel_after_two)
        )
        with pytest.raises(asyncio.CancelledError):
            await sync
        state = await cache.state()
        assert state.covered_from is None and state.cursor is None
        partial = await cache.load(*JUNE)
        assert 0 < len(partial) <= 100  # the two pages that were written, whole

        report = await cache.sync(client, *JUNE, page_size=50)
        assert not report.incremental
        loaded = await cache.load(*JUNE)
    assert ids_and_state(loaded) == ids_and_state(truth(open_sandbox, LOTOS, *JUNE))


async def test_cancelling_an_incremental_sync_keeps_the_old_cursor(
    open_sandbox: Served, tmp_path: Path
) -> None:
    async with (
        sandbox_client(open_sandbox.base_url) as client,
        RecordCache(tmp_path / "c.sqlite3", LOTOS) as cache,
    ):
        await cache.sync(client, *JUNE)
        state = await cache.state()
        in_june = [r for r in open_sandbox.sandbox.data(LOTOS).records if r.start.date() >= JUNE[0]]
        for record in in_june[:60]:
            open_sandbox.sandbox.update_record(LOTOS, record.id, attendance=-1)

        def cancel(done: int, total: int) -> None:
            task = asyncio.current_task()
            assert task is not None
            task.cancel()

        with pytest.raises(asyncio.CancelledError):
            await cache.sync(client, *JUNE, page_size=20, progress=cancel)
        assert await cache.state() == state
        report = await cache.sync(client, *JUNE, page_size=20)
        assert (report.requests, report.records_written) == (3, 60)
        assert all(r.attendance == -1 for r in (await cache.load(*JUNE))[:60])


async def test_a_cache_file_belongs_to_one_company(open_sandbox: Served, tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    async with RecordCache(path, LOTOS):
        pass
    with pytest.raises(ValueError, match="holds company 100001"):
        await RecordCache(path, BARHAT).open()
    async with (
        sandbox_client(open_sandbox.base_url, BARHAT) as client,
        RecordCache(tmp_path / "other.sqlite3", LOTOS) as cache,
    ):
        with pytest.raises(ValueError, match="not 100002"):
            await cache.sync(client, *JUNE)
    assert cache_path(tmp_path, "http://a/api/v1", 1) != cache_path(tmp_path, "http://b/api/v1", 1)
