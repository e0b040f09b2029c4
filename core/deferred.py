"""Work for `run_worker` that becomes a coroutine only when the worker starts on it.

Textual starts a worker's task at once, but an exclusive group cancels the one before it and a
closing app cancels them all. A coroutine object handed over then is never started: Python
warns "coroutine … was never awaited" and its arguments live until it is collected. A deferred
call creates nothing until it is awaited. (Textual also runs a bare async callable, but its type
hints take only a coroutine object or a plain callable.)
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Generator
from typing import Any, Generic, ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


class Deferred(Generic[T]):
    """An awaitable that calls its coroutine function when, and each time, it is awaited."""

    __slots__ = ("_start",)

    def __init__(self, start: Callable[[], Coroutine[Any, Any, T]]) -> None:
        self._start = start

    def __await__(self) -> Generator[Any, None, T]:
        return self._start().__await__()


def deferred(
    function: Callable[P, Coroutine[Any, Any, T]], /, *args: P.args, **kwargs: P.kwargs
) -> Deferred[T]:
    """`function(*args, **kwargs)`, called only once the worker awaits it."""
    return Deferred(lambda: function(*args, **kwargs))
