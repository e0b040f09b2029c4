from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

from services.commands.outbox import Outbox, OutboxEntry


def entry(key: str, *, tenant: str = "t1", user: str = "u1") -> OutboxEntry:
    return OutboxEntry(
        idempotency_key=key,
        tenant_id=tenant,
        created_by=user,
        command_type="send_message",
        payload={"client_id": "c1", "message": f"привет {key}"},
        queued_at=datetime.now(UTC),
    )


async def test_put_pending_remove_in_order(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "outbox.sqlite")
    for key in ("a", "b", "c"):
        await box.put(entry(key))
    await box.put(entry("a"))  # the same intent twice stays one entry
    assert [e.idempotency_key for e in await box.pending(tenant_id="t1", created_by="u1")] == [
        "a",
        "b",
        "c",
    ]
    await box.remove("b")
    assert await box.count(tenant_id="t1", created_by="u1") == 2
    await box.record_failure("a", "backend unreachable")
    first = (await box.pending(tenant_id="t1", created_by="u1"))[0]
    assert (first.attempts, first.last_error) == (1, "backend unreachable")
    assert first.payload == {"client_id": "c1", "message": "привет a"}


async def test_only_the_author_sees_their_entries(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "outbox.sqlite")
    await box.put(entry("mine"))
    await box.put(entry("theirs", user="u2"))
    await box.put(entry("other-salon", tenant="t2"))
    assert [e.idempotency_key for e in await box.pending(tenant_id="t1", created_by="u1")] == [
        "mine"
    ]


async def test_entries_survive_a_killed_process(tmp_path: Path) -> None:
    path = tmp_path / "outbox.sqlite"
    script = textwrap.dedent(
        f"""
        import asyncio, os
        from pathlib import Path
        from datetime import UTC, datetime
        from services.commands.outbox import Outbox, OutboxEntry
        async def main():
            box = Outbox(Path({str(path)!r}))
            item = OutboxEntry("k1", "t1", "u1", "send_message", {{"text": "x"}}, datetime.now(UTC))
            await box.put(item)
            os.kill(os.getpid(), 9)
        asyncio.run(main())
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=Path(__file__).resolve().parents[2], check=False
    )
    assert result.returncode == -9
    survivors = await Outbox(path).pending(tenant_id="t1", created_by="u1")
    assert [e.idempotency_key for e in survivors] == ["k1"]


async def test_an_entry_queued_with_text_before_the_rename_reads_as_message(
    tmp_path: Path,
) -> None:
    path = tmp_path / "outbox.sqlite"
    box = Outbox(path)
    await box.put(entry("new"))
    # Written by the dashboard before `message`: the row on disk says `text`.
    with sqlite3.connect(path) as conn:
        conn.execute(
            "insert into outbox (idempotency_key, tenant_id, created_by, command_type, payload, "
            "queued_at) values ('old', 't1', 'u1', 'send_message', ?, ?)",
            ('{"client_id": "c1", "text": "Ждём вас"}', datetime.now(UTC).isoformat()),
        )
    waiting = {
        e.idempotency_key: e.payload for e in await box.pending(tenant_id="t1", created_by="u1")
    }
    assert waiting == {
        "new": {"client_id": "c1", "message": "привет new"},
        "old": {"client_id": "c1", "message": "Ждём вас"},
    }


async def _filled(path: Path, count: int) -> Outbox:
    box = Outbox(path)
    for number in range(count):
        await box.put(entry(f"k{number:03}"))
    return box


async def test_a_truncated_outbox_is_moved_aside_and_its_readable_entries_recovered(
    tmp_path: Path,
) -> None:
    """Issue 17 §5 as the attack: a truncated file used to raise sqlite3.DatabaseError from
    every call, so Send stuck on "Sending…". Now it is moved aside, what can be read comes
    back, the user is told once, and the outbox works at once."""
    from services.commands.outbox import OutboxRecovery

    path = tmp_path / "outbox.sqlite"
    await _filled(path, 200)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    told: list[OutboxRecovery] = []
    box = Outbox(path, on_recovered=told.append)
    waiting = await box.pending(tenant_id="t1", created_by="u1")
    [recovery] = told
    assert recovery.broken.name.startswith("outbox.sqlite.broken-")
    assert recovery.broken.read_bytes() == data[: len(data) // 2]  # kept as it was
    # Every entry that lay in the surviving half is back, intact.
    assert 0 < recovery.recovered == len(waiting) < 200
    assert all(e.payload == entry(e.idempotency_key).payload for e in waiting)
    await box.put(entry("after"))
    assert await box.count(tenant_id="t1", created_by="u1") == len(waiting) + 1
    assert len(told) == 1


async def test_a_garbage_outbox_is_replaced_and_a_damaged_page_loses_only_its_rows(
    tmp_path: Path,
) -> None:
    from services.commands.outbox import OutboxRecovery

    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"this is not a database" * 100)
    told: list[OutboxRecovery] = []
    box = Outbox(garbage, on_recovered=told.append)
    await box.put(entry("first"))
    assert [e.idempotency_key for e in await box.pending(tenant_id="t1", created_by="u1")] == [
        "first"
    ]
    assert [r.recovered for r in told] == [0]

    damaged = tmp_path / "damaged.sqlite"
    await _filled(damaged, 200)
    data = bytearray(damaged.read_bytes())
    leaves = [at for at in range(4096, len(data), 4096) if data[at] == 0x0D]  # pages of rows
    lost = int.from_bytes(data[leaves[1] + 3 : leaves[1] + 5], "big")  # its rows
    data[:100] = b"\xff" * 100  # the header: SQLite refuses the whole file
    data[leaves[1] : leaves[1] + 4096] = b"\x00" * 4096  # and one page of rows is gone
    damaged.write_bytes(bytes(data))
    told.clear()
    survivors = await Outbox(damaged, on_recovered=told.append).pending(
        tenant_id="t1", created_by="u1"
    )
    assert told[0].recovered == len(survivors) == 200 - lost


async def test_an_unusable_outbox_file_is_a_service_error(tmp_path: Path) -> None:
    import pytest

    from services.commands.outbox import OutboxUnavailable
    from services.errors import ServiceError

    folder = tmp_path / "outbox.sqlite"
    folder.mkdir()  # a folder where the file should be: not damage, nothing to move aside
    with pytest.raises(OutboxUnavailable) as caught:
        await Outbox(folder).put(entry("x"))
    assert isinstance(caught.value, ServiceError)
    assert folder.is_dir() and not list(tmp_path.glob("*.broken-*"))


async def test_a_sent_entry_leaves_no_text_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / "outbox.sqlite"
    box = Outbox(path)
    await box.put(entry("gone"))
    await box.remove("gone")
    assert "привет gone".encode() not in path.read_bytes()


async def test_reading_an_outbox_never_written_makes_no_file_and_loads_no_sqlite(
    tmp_path: Path,
) -> None:
    # A fresh process: this one has loaded SQLite already (the import above).
    script = textwrap.dedent(
        f"""
        import asyncio, sys
        from pathlib import Path
        from services.commands.outbox import Outbox
        async def main():
            box = Outbox(Path({str(tmp_path / "outbox.sqlite")!r}))
            pending = await box.pending(tenant_id="t1", created_by="u1")
            count = await box.count(tenant_id="t1", created_by="u1")
            print(pending, count, "sqlite3" in sys.modules)
        asyncio.run(main())
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.split() == ["[]", "0", "False"]
    assert list(tmp_path.iterdir()) == []
