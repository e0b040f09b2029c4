"""Turns one captured change into at most one `postgres_changes` frame per joined channel.

The client fires every callback whose id is listed, without matching schema, table or filter
itself (§0 item 10), so a frame lists exactly the ids of the channel's bindings that match.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import asyncpg

from devstack.realtime import protocol
from devstack.realtime.capture import Change
from devstack.realtime.catalog import Catalog, TableMeta, loads
from devstack.realtime.channels import Channel, Registry
from devstack.realtime.rooms import Rooms

log = logging.getLogger(__name__)

# Broadcasts from SQL (realtime.send, realtime.broadcast_changes) arrive as rows of this table.
MESSAGES_TABLE = ("realtime", "messages")
_TRIMMED_ERRORS = protocol.dumps([protocol.PAYLOAD_TOO_LARGE])
# Room for the envelope around `data` (event, topic, ids) inside the client's frame cap.
_ENVELOPE_ROOM = 16 * 1024


class Dispatcher:
    def __init__(self, catalog: Catalog, registry: Registry, rooms: Rooms) -> None:
        self._catalog = catalog
        self._registry = registry
        self._rooms = rooms
        self.frames_sent = 0

    async def dispatch(self, change: Change) -> None:
        if (change.schema, change.table) == MESSAGES_TABLE:
            if change.type == "INSERT" and change.record is not None:
                self._rooms.from_database(json.loads(change.record))
            return
        channels = list(self._registry.for_table((change.schema, change.table)))
        if not channels:
            return
        prepared = _Prepared(change, await self._catalog.table(change.schema, change.table))
        for channel in channels:
            ids = self._matching_ids(channel, prepared)
            if not ids:
                continue
            meta = prepared.meta
            restricted = meta is not None and meta.rls and not channel.subscriber.bypass_rls
            if restricted and change.type != "DELETE":
                # RLS is checked per subscriber; Realtime does not check it for DELETE.
                assert meta is not None
                if not await self._visible(meta, channel, prepared):
                    continue
            data = prepared.data(primary_key_only=restricted)
            channel.send(channel.wire.change_frame(channel.topic, ids, data))
            self.frames_sent += 1

    async def _visible(self, meta: TableMeta, channel: Channel, prepared: _Prepared) -> bool:
        record = prepared.new()
        if record is None:
            return False
        try:
            return await self._catalog.visible(
                meta, channel.subscriber.role, channel.subscriber.claims_json, record
            )
        except asyncpg.PostgresError as exc:
            # E.g. a policy that raises for this row: the row is not shown, as in Realtime.
            log.warning("realtime: RLS check on %s.%s failed: %s", meta.schema, meta.table, exc)
            return False

    @staticmethod
    def _matching_ids(channel: Channel, prepared: _Prepared) -> list[int]:
        change = prepared.change
        table = (change.schema, change.table)
        ids: list[int] = []
        for binding in channel.bindings:
            if table not in binding.tables:
                continue
            if binding.event not in ("*", change.type):
                continue
            if binding.filter is not None:
                # DELETE events are only reachable here through an `*` binding; its filter is
                # evaluated against the old row, so it matches only on identity columns.
                row = prepared.old() if change.type == "DELETE" else prepared.new()
                if not binding.filter.matches(row):
                    continue
            if binding.id not in ids:
                ids.append(binding.id)
        return ids


class _Prepared:
    """A change with its parsed rows and encoded `data`, each computed at most once."""

    def __init__(self, change: Change, meta: TableMeta | None) -> None:
        self.change = change
        self.meta = meta
        self._new: dict[str, Any] | None = None
        self._old: dict[str, Any] | None = None
        self._data: dict[bool, str] = {}

    def new(self) -> dict[str, Any] | None:
        if self._new is None and self.change.record is not None:
            self._new = loads(self.change.record)
        return self._new

    def old(self) -> dict[str, Any] | None:
        if self._old is None and self.change.old_record is not None:
            self._old = loads(self.change.old_record)
        return self._old

    def data(self, *, primary_key_only: bool) -> str:
        cached = self._data.get(primary_key_only)
        if cached is None:
            cached = self._data[primary_key_only] = self._build(primary_key_only)
        return cached

    def _build(self, primary_key_only: bool) -> str:
        change = self.change
        record = change.record
        old = change.old_record
        if primary_key_only and old is not None and self.meta is not None:
            # With RLS on, Realtime sends only the primary key of the old row.
            keys = set(self.meta.primary_key)
            old = protocol.dumps({k: v for k, v in (self.old() or {}).items() if k in keys})
        encoded = self._encode(record, old, "null")
        if len(encoded) * 4 < protocol.MAX_RECORD_BYTES and len(encoded) * 4 < _limit():
            return encoded  # even at 4 bytes per character it fits: skip the byte count
        too_big = (
            _size(record) > protocol.MAX_RECORD_BYTES
            or _size(old) > protocol.MAX_RECORD_BYTES
            or _size(encoded) >= _limit()
        )
        if not too_big:
            return encoded
        log.info(
            "realtime: %s.%s change %s trimmed (payload too large)",
            change.schema,
            change.table,
            change.id,
        )
        return self._encode(_trim(record), _trim(old), _TRIMMED_ERRORS)

    def _encode(self, record: str | None, old: str | None, errors: str) -> str:
        change = self.change
        columns = self.meta.columns_json if self.meta is not None else "[]"
        parts = [
            '{"schema":',
            protocol.dumps(change.schema),
            ',"table":',
            protocol.dumps(change.table),
            ',"commit_timestamp":',
            protocol.dumps(change.commit_timestamp),
            ',"type":',
            protocol.dumps(change.type),
            ',"columns":',
            columns,
        ]
        if change.type != "DELETE":
            parts += [',"record":', record if record is not None else "null"]
        if change.type != "INSERT":
            parts += [',"old_record":', old if old is not None else "{}"]
        parts += [',"errors":', errors, "}"]
        return "".join(parts)


def _limit() -> int:
    return protocol.CLIENT_MAX_FRAME - _ENVELOPE_ROOM


def _size(text: str | None) -> int:
    return 0 if text is None else len(text.encode())


def _trim(text: str | None) -> str | None:
    """Supabase's trim: keep only the fields whose value is at most 64 bytes of JSON."""
    if text is None:
        return None
    row = json.loads(text)
    kept = {}
    for key, value in row.items():
        encoded = protocol.dumps(value)
        if len(encoded.encode()) <= protocol.TRIMMED_FIELD_MAX_BYTES:
            kept[key] = value
    return protocol.dumps(kept)
