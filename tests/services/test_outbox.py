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
