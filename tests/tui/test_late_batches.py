"""A feed batch that arrives while the app is being taken down is dropped, not raised.

CI caught it: Pilot's harness shuts an app down without an exit code, the commands tab's
history was already gone, and a last commands batch failed the test run with NoMatches.
"""

from __future__ import annotations

import pytest

from screens.main import MainScreen
from services.feed_types import FeedBatch
from tabs.commands_tab import CommandsTab
from tests.tui.conftest import AppFactory, Salon, login
from tests.tui.observed import ObservedApp
from widgets.command_history import CommandHistory


async def test_a_batch_during_shutdown_is_dropped(
    make_app: AppFactory, salon: Salon, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, salon.users["operator"])
        main = app.screen
        assert isinstance(main, MainScreen)
        main.navigate("commands")  # built on its first show
        await app.wait_for(lambda: isinstance(main.tab_view("commands"), CommandsTab))
        tab = main.query_one(CommandsTab)
        await tab.query_one(CommandHistory).remove()
        # What the harness's shutdown leaves: the app no longer running, no exit code set.
        monkeypatch.setattr(ObservedApp, "is_running", property(lambda self: False))
        main.apply_batch("commands", FeedBatch([], ["gone"]))
        monkeypatch.undo()
        assert not tab.query(CommandHistory)
