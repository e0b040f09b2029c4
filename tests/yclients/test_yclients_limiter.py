"""The shared limiter on an injected clock: both windows hold, and the budget is used fully."""

from __future__ import annotations

import asyncio
import threading

from services.yclients.limiter import (
    YCLIENTS_WINDOWS,
    RateLimiter,
    Window,
    ideal_schedule,
    shared_limiter,
)
from tests.yclients.conftest import FakeClock


def max_in_window(times: list[float], seconds: float) -> int:
    best, lo = 0, 0
    for hi, t in enumerate(times):
        while times[lo] <= t - seconds:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


def test_reservations_respect_five_per_second_and_two_hundred_per_minute() -> None:
    clock = FakeClock(start=0.0)
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    starts = [clock.now + limiter.reserve() for _ in range(450)]
    assert starts == sorted(starts)
    assert max_in_window(starts, 1.0) <= 5
    assert max_in_window(starts, 60.0) <= 200
    # a burst goes out at 5/s, then the minute budget holds the 201st back
    assert starts[4] == 0.0 and starts[5] > 1.0
    assert 60.0 < starts[200] < 60.2
    ideal = ideal_schedule(450)
    # the guard costs well under 5% of the bound's throughput
    assert starts[-1] <= ideal[-1] * 1.05


async def test_acquire_sleeps_exactly_until_the_reserved_slot() -> None:
    clock = FakeClock(start=0.0)
    limiter = RateLimiter((Window(2, 1.0),), guard_seconds=0.0, clock=clock, sleep=clock.sleep)
    sent = []
    for _ in range(5):
        await limiter.acquire()
        sent.append(clock.now)
    assert sent == [0.0, 0.0, 1.0, 1.0, 2.0]
    assert clock.sleeps == [1.0, 1.0]  # no sleep when a slot is free


async def test_concurrent_callers_share_one_budget() -> None:
    clock = FakeClock(start=0.0)
    limiter = RateLimiter((Window(5, 1.0),), guard_seconds=0.0, clock=clock, sleep=clock.sleep)
    waits = [limiter.reserve() for _ in range(12)]
    assert waits == [0.0] * 5 + [1.0] * 5 + [2.0] * 2
    assert limiter.granted == 12


async def test_defer_holds_everyone_after_a_429() -> None:
    clock = FakeClock(start=0.0)
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    limiter.defer(7.5)
    assert limiter.reserve() == 7.5
    clock.now = 10.0
    assert limiter.reserve() == 0.0


def test_threads_never_get_the_same_slot() -> None:
    clock = FakeClock(start=0.0)
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    slots: list[float] = []
    lock = threading.Lock()

    def work() -> None:
        for _ in range(50):
            s = limiter.reserve()
            with lock:
                slots.append(s)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    slots.sort()
    assert max_in_window(slots, 1.0) <= 5
    assert len(slots) == 200


def test_one_limiter_per_process() -> None:
    assert shared_limiter() is shared_limiter()
    assert (Window(5, 1.0), Window(200, 60.0)) == YCLIENTS_WINDOWS


def test_ideal_schedule_is_the_bound() -> None:
    times = ideal_schedule(205)
    assert times[:5] == [0.0] * 5
    assert times[199] == 39.0
    assert times[200] == 60.0
    assert asyncio.iscoroutinefunction(RateLimiter.acquire)
