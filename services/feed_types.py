"""What a live feed hands out and takes in: its batches, its status, its spec and tuning.

Apart from services/feeds.py so the UI can name these types without loading the realtime client.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Generic, Protocol, TypeVar


class Keyed(Protocol):
    @property
    def key(self) -> str: ...


T = TypeVar("T", bound=Keyed)


class FeedState(StrEnum):
    connecting = "connecting"
    live = "live"
    reconnecting = "reconnecting"
    polling = "polling"
    stopped = "stopped"


@dataclass(frozen=True)
class FeedStatus:
    state: FeedState
    since: datetime
    detail: str | None = None


@dataclass(frozen=True)
class FeedBatch(Generic[T]):
    upserts: list[T]
    deletes: list[str]
    initial: bool = False


@dataclass(frozen=True)
class FeedSpec(Generic[T]):
    name: str
    schema: str
    table: str
    parse: Callable[[dict[str, Any]], T]
    cursor_column: str
    filter_column: str
    filter_value: str
    select: str = "*"
    window: int = 200
    # A column that grows with every change (updated_at): an older version never replaces a
    # newer one, whichever path (realtime or re-read) brought it first.
    version_column: str | None = None
    # How many delivered rows the feed remembers for de-duplication; None: all of them. A feed
    # of immutable events needs only the recent ones (the catch-up overlaps by seconds), and
    # remembering a whole day's events would grow without end.
    retain: int | None = None


@dataclass
class FeedTuning:
    batch_interval: float = 0.05
    poll_interval: float = 5.0
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    # Consecutive realtime failures after which the feed polls while it keeps retrying.
    polling_after: int = 3
    subscribe_timeout: float = 10.0
    catch_up_overlap: timedelta = timedelta(seconds=5)
    page_size: int = 1000
