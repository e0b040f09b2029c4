"""One row by its id, from a table whose id type the dashboard does not own.

An id the user (or a stale link) supplies may not even be of the column's type: Postgres then
answers 22P02 ("invalid input syntax for type uuid: ..."), quoting the input. That is simply
"not found", and the quoted input never reaches the screen.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from services.backend import Backend
from services.errors import BackendRejected, UnreadableRow
from services.models import describe_invalid
from services.text_rules import unsendable_character

RowT = TypeVar("RowT", bound=BaseModel)

# invalid_text_representation, numeric_value_out_of_range, character_not_in_repertoire,
# untranslatable_character: the value cannot be an id of this column.
NOT_AN_ID = {"22P02", "22003", "22021", "22P05"}
# Ids travel in the URL; proxies refuse URLs past 8 KB. No id of the bot's comes near this.
MAX_ID_CHARS = 1024


def searchable_id(value: str) -> bool:
    """Whether an id can be looked up at all (not empty, not huge, nothing unsendable)."""
    return bool(value) and len(value) <= MAX_ID_CHARS and unsendable_character(value) is None


async def by_id(
    backend: Backend, query: Any, row_id: str, *, context: str
) -> dict[str, Any] | None:
    """The row of `query` (already scoped to the tenant) with this id, or None."""
    if not searchable_id(row_id):
        return None
    try:
        rows = (await backend.run(query.eq("id", row_id).limit(1), context=context)).data
    except BackendRejected as exc:
        if exc.code in NOT_AN_ID:
            return None
        raise
    return rows[0] if rows and isinstance(rows[0], dict) else None


def parse_one(model: type[RowT], row: Any, *, what: str) -> RowT:
    """One row the user asked for: read, or a sentence saying which field is wrong."""
    try:
        return model.model_validate(row)
    except ValidationError as exc:
        raise UnreadableRow(
            f"{what} cannot be read: the bot's row has an unreadable field "
            f"({describe_invalid(row, exc)})"
        ) from None
