"""What a key typed into the message text redraws: the character and its counter in one
frame, and not the fields above it (widgets/command_form.py). Each widget Textual redraws
costs a share of the key's frame, which is most of its way to the screen (bench_keys)."""

from __future__ import annotations

from typing import Any

import pytest
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Static

from core.messages import ComposeMessageRequest
from tests.tui.conftest import AppFactory, Salon
from tests.tui.test_commands import open_tab
from widgets.message_area import MessageArea


async def composing(pilot: Any, salon: Salon) -> tuple[MessageArea, Static]:
    conversation = await salon.add_session()
    app = await open_tab(pilot, salon)
    app.screen.post_message(ComposeMessageRequest(conversation["client_id"], None, None))
    await pilot.pause()
    area = app.screen.query_one(MessageArea)
    area.focus()
    await pilot.pause()
    return area, app.screen.query_one("#message-counter", Static)


async def test_a_typed_key_updates_the_counter_once(make_app: AppFactory, salon: Salon) -> None:
    # The Changed message that follows the edit must not draw the same counter again: each
    # update is a frame of the whole screen, one per key on top of the key's own.
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        area, counter = await composing(pilot, salon)
        shown: list[str] = []
        update = counter.update

        def counted(content: Any = "", *, layout: bool = True) -> None:
            shown.append(str(content))
            update(content, layout=layout)

        counter.update = counted  # type: ignore[method-assign]
        await pilot.press("a", "b")
        await pilot.pause()
        assert shown == ["1 / 4,096", "2 / 4,096"]
        area.load_text("")  # not an edit: the Changed message alone brings the counter
        await app.wait_for(lambda: str(counter.content) == "0 / 4,096")
        assert shown[2:] == ["0 / 4,096"]


async def test_a_key_in_the_message_redraws_neither_the_title_nor_the_fields_above(
    make_app: AppFactory, salon: Salon, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        _area, counter = await composing(pilot, salon)
        drawn: list[str | None] = []
        render_lines = Widget.render_lines

        def recorded(self: Widget, crop: Region) -> list[Strip]:
            drawn.append(self.id)
            return render_lines(self, crop)

        monkeypatch.setattr(Widget, "render_lines", recorded)
        await pilot.press("a")
        await app.wait_for(lambda: str(counter.content) == "1 / 4,096")
        await pilot.pause()
        assert "field-message" in drawn and "message-counter" in drawn
        above = {"composer-title", "command-type", "field-client_id", "field-session_id"}
        assert above.isdisjoint(drawn), sorted(above & {i for i in drawn if i})
