"""The tabs a user has not opened yet cost nothing: Sessions, Commands and Analytics are built
on their first show (tabs/tab_slot.py), and nothing a hidden tab owes the user is lost
meanwhile: the commands feed's batches, the composer's prefill, the landing focus. (That their
modules are not loaded either is checked in a fresh process: test_idle_imports.py.)"""

from __future__ import annotations

from core.messages import ComposeMessageRequest
from screens.main import MainScreen
from tabs.commands_tab import CommandsTab
from tests.tui.conftest import AppFactory, Salon, login
from tests.tui.screen_text import screen_text
from tests.tui.test_commands import insert_command
from widgets.command_form import CommandForm
from widgets.command_history import CommandHistory
from widgets.message_area import MessageArea
from widgets.session_list import SessionList

DEFERRED = ("sessions", "commands", "analytics")


def built(main: MainScreen, name: str) -> bool:
    return main.tab_view(name) is not None and bool(main.slot(name).children)


async def test_hidden_tabs_are_built_on_their_first_show(
    make_app: AppFactory, salon: Salon
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        main = await login(pilot, salon.users["operator"])
        assert built(main, "wishlist")
        assert [name for name in DEFERRED if built(main, name)] == []
        assert all(not main.slot(name).children for name in DEFERRED)

        await pilot.press("2")
        await app.wait_for(lambda: isinstance(app.focused, SessionList))
        assert [name for name in DEFERRED if built(main, name)] == ["sessions"]


async def test_a_never_opened_commands_tab_keeps_its_feed_and_takes_a_prefill(
    make_app: AppFactory, salon: Salon
) -> None:
    await insert_command(salon, payload={"session_id": "before-login"})
    conversation = await salon.add_session(client_name="Ольга Смирнова")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        main = await login(pilot, salon.users["operator"])
        slot = main.slot("commands")
        # A live batch while the tab does not exist yet: held for it.
        await insert_command(salon, payload={"session_id": "while-hidden"})
        await app.wait_for(
            lambda: any(
                row.payload.get("session_id") == "while-hidden"
                for batch in slot._early_batches
                for row in batch.upserts
            )
        )
        assert not built(main, "commands")

        main.post_message(
            ComposeMessageRequest(
                conversation["client_id"], "Ольга Смирнова", str(conversation["id"])
            )
        )
        await app.wait_for(lambda: main.active_tab == "commands" and built(main, "commands"))
        commands = main.tab_view("commands")
        assert isinstance(commands, CommandsTab)
        draft = commands.query_one(CommandForm).draft()
        assert draft.client_id == conversation["client_id"]
        assert draft.session_id == str(conversation["id"])
        await app.wait_for(lambda: isinstance(app.focused, MessageArea))
        history = commands.query_one(CommandHistory)
        await app.wait_for(lambda: len(history.commands) == 2)


async def test_a_never_opened_sessions_tab_holds_no_batches(
    make_app: AppFactory, salon: Salon
) -> None:
    # The list reads itself when built; batches held for it would pile up all day for a tab
    # that may never be opened.
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        main = await login(pilot, salon.users["operator"])
        slot = main.slot("sessions")
        passed: list[object] = []
        apply_batch = slot.apply_batch

        def counted(batch: object) -> None:
            passed.append(batch)
            apply_batch(batch)

        slot.apply_batch = counted  # type: ignore[method-assign]
        await salon.add_session(client_name="Поздняя Гостья")
        await app.wait_for(lambda: bool(passed))
        assert not built(main, "sessions")
        assert slot._early_batches == []
        await pilot.press("2")
        await app.wait_for(lambda: built(main, "sessions"))
        await app.wait_for(lambda: "Поздняя Гостья" in screen_text(app))
