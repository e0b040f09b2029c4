"""Issue 17 §5 and §6 in the app: a damaged outbox file mid-session, and `--read-only` held by
the services the app builds."""

from __future__ import annotations

import hashlib
import json

import pytest

from core.messages import ComposeMessageRequest
from modals.confirm import ConfirmScreen
from services.errors import PermissionDenied
from tests.tui.conftest import AppFactory, Salon, StackProcess, login
from tests.tui.test_commands import command_rows, form, notified, open_tab, shows


async def test_a_damaged_outbox_never_sticks_send_and_the_user_is_told_once(
    make_app: AppFactory, salon: Salon, tui_stack: StackProcess
) -> None:
    conversation = await salon.add_session()
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_tab(pilot, salon)
        assert app.ctx.data_dir is not None
        project = hashlib.sha256(tui_stack.url.encode()).hexdigest()[:12]
        path = app.ctx.data_dir / "outbox" / f"{project}.sqlite"
        assert not path.exists()  # made by the first command queued, not by a login
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.write_bytes(b"\x00garbage, not a database\xff" * 64)  # a disk error, a bad copy

        app.screen.post_message(ComposeMessageRequest(conversation["client_id"], "Анна", None))
        await pilot.press(*"Первое после сбоя", "ctrl+s")
        await app.wait_for(lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await shows(app, "Первое после сбоя")  # in the history: it was sent
        await app.wait_for(lambda: not form(app).busy)
        assert notified(app, "The outbox file was damaged: moved aside to")
        broken = list(path.parent.glob(f"{path.name}.broken-*"))
        assert len(broken) == 1 and b"garbage" in broken[0].read_bytes()

        # At once, a second send: no "Sending…" left over, a fresh outbox, one notice only.
        app.screen.post_message(ComposeMessageRequest(conversation["client_id"], "Анна", None))
        await pilot.press(*"И второе", "ctrl+s")
        await app.wait_for(lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await shows(app, "History · 2 in all")
        await app.wait_for(lambda: not form(app).busy)
        rows = await command_rows(salon.db, salon.tenant_id)
        assert [json.loads(row["payload"])["message"] for row in rows] == [
            "Первое после сбоя",
            "И второе",
        ]
        damaged = [n for n in app._notifications if "outbox file was damaged" in n.message]
        assert len(damaged) == 1 and "\n" not in damaged[0].message


async def test_a_direct_service_call_from_a_read_only_app_writes_nothing(
    make_app: AppFactory, salon: Salon
) -> None:
    conversation = await salon.add_session()
    app = make_app(read_only=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["admin"])
        services = app.ctx.require_services()
        with pytest.raises(PermissionDenied):
            await services.commands.enqueue(
                "send_message", {"client_id": conversation["client_id"], "message": "Привет"}
            )
        with pytest.raises(PermissionDenied):
            await services.users.set_active(salon.users["viewer"], False)
    assert await command_rows(salon.db, salon.tenant_id) == []
    assert await salon.db.fetchval(
        "select active from dashboard.users where email = $1", salon.users["viewer"]
    )


async def test_pause_from_a_thread_with_a_damaged_outbox_is_sent_and_any_failure_is_told(
    make_app: AppFactory, salon: Salon, tui_stack: StackProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The thread's pause and resume used to die silently on the same damaged file."""
    from modals import thread

    conversation = await salon.add_session()
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["operator"])
        services = app.ctx.require_services()
        assert app.ctx.data_dir is not None
        project = hashlib.sha256(tui_stack.url.encode()).hexdigest()[:12]
        path = app.ctx.data_dir / "outbox" / f"{project}.sqlite"
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # made by a first command
        path.write_bytes(b"\xffnot sqlite" * 99)
        await thread._send(app, services, "pause_bot", str(conversation["id"]))
        rows = await command_rows(salon.db, salon.tenant_id)
        assert [row["command_type"] for row in rows] == ["pause_bot"]
        await app.wait_for(lambda: notified(app, "The outbox file was damaged"))
        await app.wait_for(lambda: notified(app, f"#{rows[0]['id']}"))  # "pause requested"

        async def broken(*_: object) -> None:
            raise RuntimeError("a bug, not an outage")

        monkeypatch.setattr(services.commands, "enqueue", broken)
        await thread._send(app, services, "resume_bot", str(conversation["id"]))
        await app.wait_for(
            lambda: notified(app, "The command could not be queued: an unexpected error (details")
        )
        assert not notified(app, "RuntimeError")
