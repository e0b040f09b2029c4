"""The host-wide limiter: processes that share the cache dir share YClients' budget."""

from __future__ import annotations

import multiprocessing
import os
import stat
from pathlib import Path

from services.yclients.host_limiter import CLOCK_JUMP_SECONDS, HostRateLimiter, host_limiter
from services.yclients.limiter import YCLIENTS_WINDOWS, RateLimiter, ideal_schedule
from tests.yclients.test_yclients_limiter import max_in_window

NOW = 1_000_000.0


def reserve_many(path: str, count: int) -> list[float]:
    # Every process reads the same frozen clock: the schedule is then exact, not timing-bound.
    limiter = HostRateLimiter(Path(path), clock=lambda: NOW)
    return [NOW + limiter.reserve() for _ in range(count)]


def test_processes_together_never_exceed_either_window(tmp_path: Path) -> None:
    path = tmp_path / "limiter.sqlite3"
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        parts = pool.starmap(reserve_many, [(str(path), 100)] * 4)
    starts = sorted(at for part in parts for at in part)
    assert len(starts) == 400
    assert max_in_window(starts, 1.0) <= 5
    assert max_in_window(starts, 60.0) <= 200
    # Shared, the 400 requests take exactly as long as one process's 400 would: no slot of
    # the budget is wasted by the sharing.
    alone = RateLimiter(clock=lambda: NOW)
    last_alone = max(alone.reserve() for _ in range(400))
    assert abs((starts[-1] - NOW) - last_alone) < 1e-6
    assert last_alone >= ideal_schedule(400, YCLIENTS_WINDOWS)[-1]


def test_a_429_seen_by_one_process_holds_back_the_others(tmp_path: Path) -> None:
    path = tmp_path / "limiter.sqlite3"
    one = HostRateLimiter(path, clock=lambda: NOW)
    other = HostRateLimiter(path, clock=lambda: NOW)
    one.defer(30.0)
    assert other.reserve() >= 30.0


def test_a_reservation_from_before_the_clock_went_back_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "limiter.sqlite3"
    future = HostRateLimiter(path, clock=lambda: NOW + 2 * CLOCK_JUMP_SECONDS)
    for _ in range(200):
        future.reserve()
    future.defer(60.0)
    today = HostRateLimiter(path, clock=lambda: NOW)
    assert today.reserve() == 0.0


def test_the_file_is_private_and_one_object_serves_a_process(tmp_path: Path) -> None:
    os.umask(0o022)
    limiter = host_limiter(tmp_path / "cache")
    assert host_limiter(tmp_path / "cache") is limiter
    limiter.reserve()
    assert stat.S_IMODE(limiter.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(limiter.path.parent.stat().st_mode) == 0o700
