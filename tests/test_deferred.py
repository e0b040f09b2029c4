"""`core.deferred`: a worker's coroutine exists only once the worker starts on it.

Without it, a worker cancelled before its first step (an exclusive group's older run, or
every worker of a closing app) left "coroutine … was never awaited" behind (the chaos run's
`LiveData._flush_outbox`).
"""

from __future__ import annotations

import asyncio
import gc
import warnings
from collections.abc import Awaitable

from core.deferred import deferred


async def add(a: int, b: int, *, times: int = 1) -> int:
    return (a + b) * times


def never_awaited(caught: list[warnings.WarningMessage]) -> list[str]:
    return [str(w.message) for w in caught if "never awaited" in str(w.message)]


async def test_awaiting_calls_the_function_with_its_arguments_each_time() -> None:
    later = deferred(add, 2, 3, times=4)
    assert await later == 20
    assert await later == 20  # a fresh coroutine per await, as a retried worker needs


async def cancel_before_first_step(work: Awaitable[int]) -> None:
    """A worker's fate when its group's next run or the app's exit comes first."""

    async def run() -> int:
        return await work

    task = asyncio.create_task(run())
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_a_task_cancelled_before_its_first_step_leaves_no_coroutine_behind() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        await cancel_before_first_step(add(1, 2))
        await cancel_before_first_step(deferred(add, 1, 2))
        gc.collect()
    # The plain coroutine warns (the case this exists for); the deferred call made none.
    assert never_awaited(caught) == ["coroutine 'add' was never awaited"]
