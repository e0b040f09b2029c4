"""Reading the entries back out of a damaged outbox file, page by page.

SQLite gives up on a file at the first damaged page it meets, and a truncated file often fails
before the first row (its schema points past the end). The rows themselves sit intact in the
pages that are left: this reads every table-leaf page of the file (SQLite's documented file
format, https://www.sqlite.org/fileformat2.html), decodes each cell's record, and keeps the
ones shaped like an outbox row. Deleted rows are not resurrected: the outbox writes with
`secure_delete`, which zeroes a removed row's bytes (and a resent entry would be harmless
anyway: its idempotency key makes the backend ignore it).
"""

from __future__ import annotations

import struct
from typing import Any

_LEAF_TABLE = 0x0D
_COLUMNS = 8  # idempotency_key, tenant_id, created_by, command_type, payload, queued_at, ...


def _varint(data: bytes, at: int) -> tuple[int, int]:
    value = 0
    for i in range(9):
        if at + i >= len(data):
            raise ValueError("varint past the end")
        byte = data[at + i]
        if i == 8:
            return (value << 8) | byte, at + 9
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, at + i + 1
    raise ValueError("unreachable")


def _page_size(data: bytes) -> int:
    if data[:16] == b"SQLite format 3\x00" and len(data) >= 18:
        size = struct.unpack(">H", data[16:18])[0]
        size = 65536 if size == 1 else size
        if size >= 512 and size & (size - 1) == 0:
            return size
    return 4096  # the default, when the header itself is lost


def _record(payload: bytes) -> list[Any] | None:
    try:
        header_size, at = _varint(payload, 0)
        types = []
        while at < header_size:
            serial, at = _varint(payload, at)
            types.append(serial)
        at = header_size
        values: list[Any] = []
        for serial in types:
            if serial == 0:
                values.append(None)
            elif 1 <= serial <= 6:
                width = (1, 2, 3, 4, 6, 8)[serial - 1]
                values.append(int.from_bytes(payload[at : at + width], "big", signed=True))
                at += width
            elif serial == 7:
                values.append(struct.unpack(">d", payload[at : at + 8])[0])
                at += 8
            elif serial in (8, 9):
                values.append(serial - 8)
            elif serial >= 12:
                width = (serial - 12) // 2
                chunk = payload[at : at + width]
                if len(chunk) != width:
                    return None
                values.append(chunk.decode("utf-8") if serial % 2 else chunk)
                at += width
            else:
                return None
        return values
    except (ValueError, UnicodeDecodeError, struct.error):
        return None


def _payload(data: bytes, page_size: int, cell: int) -> bytes | None:
    size, at = _varint(data, cell)
    _, at = _varint(data, at)  # the rowid
    usable = page_size
    local_max = usable - 35
    if size <= local_max:
        return data[at : at + size]
    local_min = ((usable - 12) * 32 // 255) - 23
    local = local_min + (size - local_min) % (usable - 4)
    if local > local_max:
        local = local_min
    body = data[at : at + local]
    overflow = struct.unpack(">I", data[at + local : at + local + 4])[0]
    seen: set[int] = set()
    while len(body) < size and overflow and overflow not in seen:
        seen.add(overflow)
        start = (overflow - 1) * page_size
        page = data[start : start + page_size]
        if len(page) < page_size:
            return None  # the rest of this row was cut off
        overflow = struct.unpack(">I", page[:4])[0]
        body += page[4 : 4 + min(usable - 4, size - len(body))]
    return body if len(body) == size else None


def salvage_rows(data: bytes) -> list[list[Any]]:
    """Every record of `_COLUMNS` values found on a table-leaf page of a SQLite file."""
    page_size = _page_size(data)
    rows: list[list[Any]] = []
    for number in range(len(data) // page_size):
        start = number * page_size
        page = data[start : start + page_size]
        header = 100 if number == 0 else 0
        if len(page) <= header + 8 or page[header] != _LEAF_TABLE:
            continue
        cells = struct.unpack(">H", page[header + 3 : header + 5])[0]
        for index in range(cells):
            pointer_at = header + 8 + 2 * index
            try:
                cell = struct.unpack(">H", page[pointer_at : pointer_at + 2])[0]
                payload = _payload(data, page_size, start + cell) if cell else None
            except (ValueError, struct.error):
                continue
            record = _record(payload) if payload else None
            if record is not None and len(record) == _COLUMNS:
                rows.append(record)
    return rows
