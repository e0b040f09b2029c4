"""Keyset pagination over (timestamp, id), newest first: never OFFSET on large tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Cursor:
    at: datetime
    id: str


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
