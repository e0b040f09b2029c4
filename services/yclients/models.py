"""YClients payloads parsed leniently, and the compact records the app works with.

The API drifts between strings and numbers for ids, money and flags, and writes offsets
without a colon (`+0300`); the wire models absorb all of that so nothing downstream has to.
Wire models allow unknown fields: YClients adds fields, and a strict model would break on them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

_FALSE_WORDS = {"", "0", "false", "no", "off", "null", "none"}
_TRUE_WORDS = {"1", "true", "yes", "on"}


def to_int(value: Any) -> int | None:
    """Ids and counters: `123`, `"123"`, `"123.0"`, `123.0`; empty/null mean absent."""
    if value is None or isinstance(value, bool):
        return int(value) if isinstance(value, bool) else None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"not an integer: {value!r}")
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if text.lower() in ("", "null", "none"):
            return None
        try:
            return int(text)
        except ValueError:
            try:
                number = Decimal(text)
            except InvalidOperation:
                raise ValueError(f"not an integer: {value!r}") from None
            if not number.is_finite() or number != number.to_integral_value():
                raise ValueError(f"not an integer: {value!r}") from None
            return int(number)
    raise ValueError(f"not an integer: {type(value).__name__}")


def to_decimal(value: Any) -> Decimal:
    """Money: `2250`, `2250.5`, `"2250.00"`, `"2 250,50"`; absent means zero."""
    if value is None or isinstance(value, bool):
        return Decimal(0)
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        # repr gives the shortest round-trip text, so 0.1 becomes Decimal("0.1"), not its binary.
        return Decimal(repr(value))
    if isinstance(value, Decimal):
        return value
    if isinstance(value, str):
        text = value.strip().replace("\u00a0", "").replace(" ", "")
        if not text:
            return Decimal(0)
        if "," in text and "." not in text:
            text = text.replace(",", ".")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"not an amount of money: {value!r}") from None
        if not number.is_finite():
            raise ValueError(f"not an amount of money: {value!r}")
        return number
    raise ValueError(f"not an amount of money: {type(value).__name__}")


def to_bool(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE_WORDS:
            return True
        if text in _FALSE_WORDS:
            return False
    raise ValueError(f"not a flag: {value!r}")


def to_datetime(value: Any) -> datetime | None:
    """ISO 8601 with `+03:00`, `+0300`, `Z` or no offset; a space or `T` as separator."""
    if value is None or isinstance(value, datetime):
        return value
    if isinstance(value, str):
        text = value.strip()
        if not text or text.startswith("0000-00-00"):
            return None
        return datetime.fromisoformat(text)
    raise ValueError(f"not a date-time: {type(value).__name__}")


def to_text(value: Any) -> str:
    if value is None:
        return ""
    return str(value)


LenientInt = Annotated[int | None, BeforeValidator(to_int)]
RequiredInt = Annotated[int, BeforeValidator(to_int)]
Money = Annotated[Decimal, BeforeValidator(to_decimal)]
Flag = Annotated[bool, BeforeValidator(to_bool)]
LenientDateTime = Annotated[datetime | None, BeforeValidator(to_datetime)]
Text = Annotated[str, BeforeValidator(to_text)]


class _Wire(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)


class ApiService(_Wire):
    id: LenientInt = None
    title: Text = ""
    cost: Money = Decimal(0)
    manual_cost: Money = Decimal(0)
    first_cost: Money = Decimal(0)
    discount: Money = Decimal(0)
    amount: LenientInt = 1


class ApiStaff(_Wire):
    id: LenientInt = None
    name: Text = ""


class ApiClient(_Wire):
    id: LenientInt = None
    name: Text = ""
    display_name: Text = ""
    phone: Text = ""


class ApiRecord(_Wire):
    id: RequiredInt
    company_id: LenientInt = None
    staff_id: LenientInt = None
    visit_id: LenientInt = None
    date: LenientDateTime = None
    datetime_: LenientDateTime = Field(default=None, alias="datetime")
    create_date: LenientDateTime = None
    last_change_date: LenientDateTime = None
    attendance: LenientInt = None
    visit_attendance: LenientInt = None
    deleted: Flag = False
    online: Flag = False
    seance_length: LenientInt = None
    staff: ApiStaff | None = None
    client: ApiClient | None = None
    services: list[ApiService] = Field(default_factory=list)


class ApiCompany(_Wire):
    id: LenientInt = None
    title: Text = ""
    timezone_name: Text = ""
    timezone: Any = None
    currency_short_title: Text = ""


def company_zone(company: ApiCompany) -> ZoneInfo:
    """The company's IANA zone; UTC when YClients does not name one we know."""
    name = company.timezone_name.strip()
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return ZoneInfo("UTC")


@dataclass(frozen=True, slots=True)
class ServiceLine:
    service_id: int
    title: str
    cost: Decimal


@dataclass(frozen=True, slots=True)
class Record:
    """One booking as analytics and the cache need it (aware `start`, Decimal money)."""

    id: int
    start: datetime
    attendance: int
    deleted: bool
    staff_id: int
    staff_name: str
    client_id: int | None
    visit_id: int | None
    services: tuple[ServiceLine, ...]
    last_change: datetime | None = None
    # POSIX time of `start`, computed once: aggregation buckets by it many times per record set.
    epoch: float = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.start.tzinfo is None:
            raise ValueError(f"record {self.id}: start must carry its UTC offset")
        object.__setattr__(self, "epoch", self.start.timestamp())

    def local_date(self, tz: tzinfo) -> date:
        return self.start.astimezone(tz).date()


def record_from_api(api: ApiRecord, tz: tzinfo) -> Record:
    start = api.datetime_ or api.date
    if start is None:
        raise ValueError(f"record {api.id} has neither `datetime` nor `date`")
    if start.tzinfo is None:
        start = start.replace(tzinfo=tz)
    attendance = api.attendance if api.attendance is not None else api.visit_attendance
    last_change = api.last_change_date
    if last_change is not None and last_change.tzinfo is None:
        last_change = last_change.replace(tzinfo=tz)
    staff_id = api.staff_id if api.staff_id is not None else (api.staff.id if api.staff else None)
    client_id = api.client.id if api.client is not None else None
    return Record(
        id=api.id,
        start=start,
        attendance=attendance if attendance is not None else 0,
        deleted=api.deleted,
        staff_id=staff_id or 0,
        staff_name=api.staff.name if api.staff else "",
        client_id=client_id or None,
        visit_id=api.visit_id or None,
        services=tuple(
            ServiceLine(service_id=s.id or 0, title=s.title, cost=s.cost) for s in api.services
        ),
        last_change=last_change,
    )
