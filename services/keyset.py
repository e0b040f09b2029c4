"""Keyset pagination over (timestamp, id), newest first: never OFFSET on large tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True)
class Cursor:
    at: datetime
    id: str


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def oldest_first_after(query: Any, *, at_column: str, after: Cursor) -> Any:
    """Order oldest first and continue strictly after `after` (ties on the timestamp broken
    by id, so a page of rows written in one transaction is never read twice or skipped)."""
    query = query.order(at_column).order("id")
    at = _quoted(after.at.isoformat())
    return query.or_(f"{at_column}.gt.{at},and({at_column}.eq.{at},id.gt.{_quoted(after.id)})")


def newest_first(query: Any, *, at_column: str, before: Cursor | None) -> Any:
    """Order newest first and, given the last row seen, continue strictly after it."""
    query = query.order(at_column, desc=True).order("id", desc=True)
    if before is None:
        return query
    at = before.at.isoformat()
    # Quoted values: a timestamp holds ':' and '+', which PostgREST's or-grammar would misread;
    # a quoted id is cast to the column's type, so bigint and uuid ids both work.
    last_id = before.id.replace("\\", "\\\\").replace('"', '\\"')
    return query.or_(f'{at_column}.lt."{at}",and({at_column}.eq."{at}",id.lt."{last_id}")')


def parse_row_time(value: Any) -> datetime | None:
    """A row's timestamp as PostgREST sends it (ISO 8601, maybe `Z`); None if it is not one."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
