"""`postgres_changes` filters: `column=op.value`, the classic Realtime operator set.

Parsing happens here; the filter value is cast to the column's type by Postgres at join time
(`catalog.cast_filter_values`), which returns it as `to_jsonb(value)`, the same rendering the
captured record uses. Matching then compares two renderings of the same PG type in Python with
the type's PG ordering: numbers numerically, text-like types by code point (the devstack's
databases use the C / C.UTF-8 collation, whose order is code point order), dates and times as
instants. Types without a known ordering only support eq / neq / in (by canonical rendering).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

OPERATORS = ("eq", "neq", "lt", "lte", "gt", "gte", "in")
MAX_IN_VALUES = 100

_NUMERIC = {"int2", "int4", "int8", "float4", "float8", "numeric", "oid", "money"}
_TEXT = {"text", "varchar", "name", "uuid", "char", "bpchar"}
_TEMPORAL = {"timestamptz", "timestamp", "date", "time"}
_EQUALITY_ONLY_OPS = {"eq", "neq", "in"}


class FilterError(ValueError):
    """A filter the server refuses at join time; the message becomes the join error reason."""


@dataclass(frozen=True)
class ParsedFilter:
    column: str
    op: str
    raw_values: tuple[str, ...]  # one value, or the members of `in.(...)`


def parse_filter(text: str) -> ParsedFilter:
    column, sep, rest = text.partition("=")
    if not sep or not column:
        raise FilterError(f"invalid filter {text!r}: expected column=operator.value")
    op, dot, value = rest.partition(".")
    if not dot:
        raise FilterError(f"invalid filter {text!r}: expected column=operator.value")
    if op not in OPERATORS:
        raise FilterError(
            f"invalid filter {text!r}: unknown operator {op!r} (one of {', '.join(OPERATORS)})"
        )
    if op != "in":
        return ParsedFilter(column, op, (value,))
    return ParsedFilter(column, op, tuple(_parse_in_list(text, value)))


def _parse_in_list(text: str, value: str) -> list[str]:
    if not (value.startswith("(") and value.endswith(")")):
        raise FilterError(f"invalid filter {text!r}: in expects a list like in.(a,b,c)")
    body = value[1:-1]
    items: list[str] = []
    current: list[str] = []
    quoted = was_quoted = escaped = False
    for char in body:
        if escaped:
            current.append(char)
            escaped = False
        elif quoted and char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
            was_quoted = True
        elif char == "," and not quoted:
            items.append(_finish_item(current, was_quoted))
            current, was_quoted = [], False
        else:
            current.append(char)
    if quoted:
        raise FilterError(f"invalid filter {text!r}: unterminated quote")
    items.append(_finish_item(current, was_quoted))
    if items == [""]:
        raise FilterError(f"invalid filter {text!r}: in needs at least one value")
    if len(items) > MAX_IN_VALUES:
        raise FilterError(
            f"invalid filter {text!r}: in accepts at most {MAX_IN_VALUES} values, got {len(items)}"
        )
    return items


def _finish_item(chars: list[str], quoted: bool) -> str:
    # Spaces after commas are allowed (`in.(1, 2)`); inside quotes they are kept.
    text = "".join(chars)
    return text if quoted else text.strip()


def _to_number(value: Any) -> Any:
    if isinstance(value, bool):
        raise TypeError("bool is not a number")
    if isinstance(value, int | Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str):  # NaN / Infinity render as strings
        return Decimal(value)
    raise TypeError(f"not a number: {value!r}")


def _to_text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"not text: {value!r}")
    return value


def _to_bpchar(value: Any) -> str:
    return _to_text(value).rstrip(" ")  # char(n) compares without its padding


def _to_temporal(value: Any) -> Any:
    text = _to_text(value)
    if len(text) >= 8 and text[2] == ":":  # time of day
        return dt.time.fromisoformat(text)
    if len(text) == 10:
        return dt.date.fromisoformat(text)
    return dt.datetime.fromisoformat(text)


def _canonical(value: Any) -> Any:
    return value


def _key_for(typname: str) -> Callable[[Any], Any]:
    if typname in _NUMERIC:
        return _to_number
    if typname == "bpchar":
        return _to_bpchar
    if typname in _TEXT:
        return _to_text
    if typname in _TEMPORAL:
        return _to_temporal
    return _canonical  # bool orders false < true in both PG and Python; others: equality only


def supports(typname: str, op: str) -> bool:
    if op in _EQUALITY_ONLY_OPS:
        return True
    return typname in _NUMERIC or typname in _TEXT or typname in _TEMPORAL or typname == "bool"


@dataclass(frozen=True)
class Filter:
    """A compiled filter: the column's values to compare with, already in comparable form."""

    column: str
    op: str
    typname: str
    values: tuple[Any, ...]
    text: str

    @classmethod
    def compile(
        cls, parsed: ParsedFilter, typname: str, cast_values: list[Any], text: str
    ) -> Filter:
        if not supports(typname, parsed.op):
            raise FilterError(
                f"invalid filter {text!r}: operator {parsed.op} is not supported for type {typname}"
            )
        key = _key_for(typname)
        try:
            values = tuple(key(v) for v in cast_values if v is not None)
        except (TypeError, ValueError, InvalidOperation) as exc:
            raise FilterError(f"invalid filter {text!r}: {exc}") from None
        return cls(parsed.column, parsed.op, typname, values, text)

    def matches(self, record: dict[str, Any] | None) -> bool:
        """PG semantics: a NULL on either side never matches (so neq skips NULL rows too)."""
        if record is None or self.column not in record:
            return False
        raw = record[self.column]
        if raw is None or not self.values:
            return False
        try:
            value = _key_for(self.typname)(raw)
            return self._compare(value)
        except (TypeError, ValueError, InvalidOperation):
            return False

    def _compare(self, value: Any) -> bool:
        target = self.values[0]
        op = self.op
        if op == "eq":
            return bool(value == target)
        if op == "neq":
            return bool(value != target)
        if op == "in":
            return value in self.values
        if op == "lt":
            return bool(value < target)
        if op == "lte":
            return bool(value <= target)
        if op == "gt":
            return bool(value > target)
        return bool(value >= target)
