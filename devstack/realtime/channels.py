"""Joined channels and their `postgres_changes` bindings, resolved against the database at join.

A binding is resolved once, when the channel joins: its table set (a wildcard binding covers the
published tables of its schema the subscriber may SELECT at that moment), its compiled filter,
and the capture trigger of each table. Everything the client is refused (unknown table, table not
published, no privilege, bad filter) raises `JoinError`, which becomes a join error reply: a
postgres_changes `system` error would send the Python client into a 1 Hz rejoin loop (§C5).
"""

from __future__ import annotations

import json
import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from devstack.realtime.catalog import Catalog, TableMeta
from devstack.realtime.filters import Filter, FilterError, parse_filter
from devstack.realtime.protocol import TOPIC_PREFIX, Wire

EVENTS = ("INSERT", "UPDATE", "DELETE", "*")
Table = tuple[str, str]


class JoinError(Exception):
    """The join is refused; the message is the reply's `reason`."""


@dataclass(frozen=True)
class Subscriber:
    role: str
    claims_json: str  # `request.jwt.claims` for RLS checks
    bypass_rls: bool


@dataclass(frozen=True)
class Binding:
    id: int
    event: str
    tables: frozenset[Table]
    filter: Filter | None


@dataclass
class Policies:
    """A private channel's RLS verdicts; a write verdict is asked the first time it is needed."""

    broadcast_read: bool = False
    presence_read: bool = False
    broadcast_write: bool | None = None
    presence_write: bool | None = None


@dataclass(frozen=True)
class ChannelConfig:
    """The join's `config` apart from postgres_changes, read as Realtime's `Join` payload."""

    private: bool = False
    broadcast_self: bool = False
    broadcast_ack: bool = False
    presence_key: str = ""
    presence_enabled: bool = False

    @classmethod
    def of(cls, config: Any) -> ChannelConfig:
        if not isinstance(config, dict):
            return cls()
        broadcast = _object(config.get("broadcast"))
        presence = _object(config.get("presence"))
        key = presence.get("key")
        return cls(
            private=config.get("private") is True,
            broadcast_self=broadcast.get("self") is True,
            broadcast_ack=broadcast.get("ack") is True,
            # Realtime gives a keyless member a UUID v1 of its own.
            presence_key=key if isinstance(key, str) and key else str(uuid.uuid1()),
            presence_enabled=presence.get("enabled") is True,
        )


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


Room = tuple[str, bool]  # (topic without "realtime:", private): private and public never meet


@dataclass(eq=False)
class Channel:
    topic: str
    join_ref: str | None
    raw_bindings: list[dict[str, Any]]
    bindings: list[Binding]
    subscriber: Subscriber
    send: Callable[[str | bytes], None]
    wire: Wire
    config: ChannelConfig = field(default_factory=ChannelConfig)
    policies: Policies | None = None  # private channels only
    replayed: frozenset[str] = frozenset()  # ids of stored broadcasts replayed at join
    tables: frozenset[Table] = field(init=False)

    def __post_init__(self) -> None:
        self.tables = frozenset(t for b in self.bindings for t in b.tables)

    @property
    def room(self) -> Room:
        return (self.topic.removeprefix(TOPIC_PREFIX), self.config.private)

    @property
    def reads_broadcast(self) -> bool:
        return self.policies is None or self.policies.broadcast_read

    @property
    def reads_presence(self) -> bool:
        return self.policies is None or self.policies.presence_read

    def rebind(self, bindings: list[Binding], subscriber: Subscriber) -> None:
        self.bindings = bindings
        self.subscriber = subscriber
        self.tables = frozenset(t for b in bindings for t in b.tables)


def binding_id(raw: dict[str, Any]) -> int:
    """Stable per binding like Realtime's `phash2(params)`, 27 bits, and never 0 (§0 item 8)."""
    digest = zlib.crc32(json.dumps(raw, sort_keys=True, default=str).encode()) & 0x7FFFFFF
    return digest or 1


def _describe(raw: dict[str, Any]) -> str:
    return (
        f"[event: {raw.get('event')}, schema: {raw.get('schema')}, "
        f"table: {raw.get('table', '*')}, filters: [{raw.get('filter') or ''}]]"
    )


async def resolve_bindings(
    catalog: Catalog, raw_bindings: list[Any], subscriber: Subscriber
) -> list[Binding]:
    published = await catalog.published()
    return [await _resolve(catalog, raw, subscriber, published) for raw in raw_bindings]


async def _resolve(
    catalog: Catalog, raw: Any, subscriber: Subscriber, published: set[Table]
) -> Binding:
    if not isinstance(raw, dict):
        raise JoinError(f"Unable to subscribe: a binding is not an object: {raw!r}")
    prefix = f"Unable to subscribe to changes {_describe(raw)}"
    event, schema = raw.get("event"), raw.get("schema", "public")
    table, text = raw.get("table"), raw.get("filter")
    if event not in EVENTS:
        raise JoinError(f"{prefix}: event must be one of {', '.join(EVENTS)}")
    if not isinstance(schema, str) or not schema:
        raise JoinError(f"{prefix}: schema must be a non-empty string")
    if table is not None and not isinstance(table, str):
        raise JoinError(f"{prefix}: table must be a string")
    if text is not None and not isinstance(text, str):
        raise JoinError(f"{prefix}: filter must be a string")
    if raw.get("select") is not None:
        # Newer Realtime sends only the selected columns; sending whole rows would be wrong.
        raise JoinError(f"{prefix}: column selection (select) is not supported by the devstack")
    if table in (None, "*"):
        if text:
            raise JoinError(f"{prefix}: a filter needs a table")
        tables = await _wildcard_tables(catalog, schema, subscriber, published, prefix)
        for schema_name, table_name in tables:
            await catalog.ensure_trigger(schema_name, table_name)
            await catalog.table(schema_name, table_name, fresh=True)
        return Binding(binding_id(raw), event, frozenset(tables), None)

    assert isinstance(table, str)
    meta = await catalog.table(schema, table, fresh=True)
    if meta is None:
        raise JoinError(f"{prefix}: relation {schema}.{table} does not exist")
    if (schema, table) not in published:
        raise JoinError(
            f"{prefix}: table {schema}.{table} is not in the "
            "supabase_realtime publication (alter publication supabase_realtime add table ...)"
        )
    if not await catalog.can_select(subscriber.role, schema, table):
        raise JoinError(
            f"Unauthorized: role {subscriber.role} may not select from {schema}.{table}"
        )
    compiled = None
    if text:
        if event == "DELETE":
            raise JoinError(f"{prefix}: DELETE events cannot be filtered")
        compiled = await _compile_filter(catalog, meta, text, prefix)
    await catalog.ensure_trigger(schema, table)
    return Binding(binding_id(raw), event, frozenset({(schema, table)}), compiled)


async def _wildcard_tables(
    catalog: Catalog, schema: str, subscriber: Subscriber, published: set[Table], prefix: str
) -> list[Table]:
    if schema != "*" and not await catalog.schema_exists(schema):
        raise JoinError(f"{prefix}: schema {schema} does not exist")
    candidates = sorted(t for t in published if schema in ("*", t[0]))
    allowed = [t for t in candidates if await catalog.can_select(subscriber.role, *t)]
    if candidates and not allowed:
        raise JoinError(
            f"Unauthorized: role {subscriber.role} may not select from any published table "
            f"of schema {schema}"
        )
    return allowed


async def _compile_filter(catalog: Catalog, meta: TableMeta, text: str, prefix: str) -> Filter:
    try:
        parsed = parse_filter(text)
    except FilterError as exc:
        raise JoinError(f"{prefix}: {exc}") from None
    column = meta.column(parsed.column)
    if column is None:
        raise JoinError(
            f"{prefix}: column {parsed.column} does not exist in {meta.schema}.{meta.table}"
        )
    try:
        values = await catalog.cast_filter_values(column, parsed.raw_values)
        return Filter.compile(parsed, column.typname, values, text)
    except asyncpg.PostgresError as exc:
        raise JoinError(f"{prefix}: invalid filter value: {exc}") from None
    except FilterError as exc:
        raise JoinError(f"{prefix}: {exc}") from None


class Registry:
    """Every joined channel of every socket, indexed by table for the dispatcher and by room
    for broadcast and presence."""

    def __init__(self) -> None:
        self._channels: set[Channel] = set()
        self._index: dict[Table, list[Channel]] | None = None
        self._rooms: dict[Room, list[Channel]] = {}

    def add(self, channel: Channel) -> None:
        self._channels.add(channel)
        self._index = None
        self._rooms.setdefault(channel.room, []).append(channel)

    def remove(self, channel: Channel) -> None:
        if channel not in self._channels:
            return
        self._channels.discard(channel)
        self._index = None
        members = self._rooms.get(channel.room, [])
        if channel in members:
            members.remove(channel)
        if not members:
            self._rooms.pop(channel.room, None)

    def rebound(self) -> None:
        """A channel's bindings changed (a new access token): the table index is stale."""
        self._index = None

    def in_room(self, room: Room) -> list[Channel]:
        return list(self._rooms.get(room, ()))

    def for_table(self, table: Table) -> list[Channel]:
        if self._index is None:
            index: dict[Table, list[Channel]] = {}
            for channel in self._channels:
                for t in channel.tables:
                    index.setdefault(t, []).append(channel)
            self._index = index
        return self._index.get(table, [])

    def __len__(self) -> int:
        return len(self._channels)
