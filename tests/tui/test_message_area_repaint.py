"""A key in the message text repaints the lines it changed, not the whole area
(widgets/message_area.py): TextArea repaints all of it at every move of the cursor, and each
line repainted is a line of every container around it too, most of a key's frame (bench_keys).
What the terminal shows must still be the text: checked through a real pty, where only the
lines repainted reach the screen."""

from __future__ import annotations

import re
from typing import Any

import pytest
from textual.strip import Strip

from tests.tui.conftest import PASSWORD, AppFactory, Salon
from tests.tui.pty_app import PtyApp
from tests.tui.test_composer_frame import composing
from widgets.message_area import MessageArea

WORDS = [f"w{n:02d}" for n in range(1, 31)]  # 119 characters: three or more lines of the area
TOKEN = re.compile(r"\bw\d\d\b")


def area_lines_drawn(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The area's lines drawn again (Textual keeps the others from the last frame)."""
    drawn: list[int] = []
    render_line = MessageArea.render_line

    def recorded(self: MessageArea, y: int) -> Strip:
        drawn.append(y)
        return render_line(self, y)

    monkeypatch.setattr(MessageArea, "render_line", recorded)
    return drawn


async def test_a_key_repaints_its_line_and_a_new_line_repaints_the_area(
    make_app: AppFactory, salon: Salon, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        area, counter = await composing(pilot, salon)
        area.insert("first line\nsecond line\nthird line")
        await pilot.pause()
        await pilot.pause()
        drawn = area_lines_drawn(monkeypatch)
        await pilot.press("a")
        await app.wait_for(lambda: str(counter.content).startswith("34 /"))
        await pilot.pause()
        assert set(drawn) == {2}, drawn
        assert area.document.get_line(2) == "third linea"
        drawn.clear()
        await pilot.press("up", "left")
        await pilot.pause()
        assert set(drawn) == {1, 2}, drawn  # the cursor's old and new line
        drawn.clear()
        await pilot.press("enter")  # a new line moves every line under it
        await pilot.pause()
        assert set(drawn) == set(range(area.size.height)), drawn
        drawn.clear()
        await pilot.press("shift+up")  # a selected range is drawn over all its lines
        await pilot.pause()
        assert set(drawn) == set(range(area.size.height)), drawn
        await pilot.press("down")
        await pilot.pause()
        drawn.clear()
        typed = area.text
        area.undo()  # the new line goes, past `edit`: the lines under it move up
        await pilot.pause()
        assert area.text == "first line\nsecond line\nthird linea" != typed
        assert set(drawn) == set(range(area.size.height)), drawn
        drawn.clear()
        area.redo()
        await pilot.pause()
        assert area.text == typed
        assert set(drawn) == set(range(area.size.height)), drawn


async def test_the_placeholder_repaints_its_own_lines_when_it_comes_and_goes(
    make_app: AppFactory, salon: Salon, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        area, counter = await composing(pilot, salon)
        drawn = area_lines_drawn(monkeypatch)
        await pilot.press("x")
        await app.wait_for(lambda: str(counter.content).startswith("1 /"))
        await pilot.pause()
        assert set(drawn) == {0}, drawn
        area.styles.width = 12  # the placeholder now wraps onto three lines
        await pilot.pause()
        await pilot.pause()
        drawn.clear()
        await pilot.press("backspace")
        await app.wait_for(lambda: str(counter.content).startswith("0 /"))
        await pilot.pause()
        assert {0, 1, 2} <= set(drawn) < set(range(area.size.height)), drawn


def shown_words(term: PtyApp) -> list[str]:
    return TOKEN.findall(term.text())


async def test_the_terminal_shows_the_text_after_edits_that_move_its_wrapped_lines(
    term: PtyApp, salon: Salon
) -> None:
    # Each edit below changes the first of the text's screen lines and moves words across the
    # lines under it: those are repainted with it (one document line, wrapped), or the
    # terminal would keep words twice or lose them.
    await salon.add_wish(client_id="tg:wrap-1", client_name="Агата Кристи")
    term.write(f"{salon.users['operator']}\t{PASSWORD}\r")
    term.wait_for("● live")
    term.wait_for("Агата")
    term.write("m")
    term.wait_for("0 / 4,096")
    term.wait_for("the message the client receives")  # the placeholder
    term.write("x")
    term.wait_until(lambda: "the message the client" not in term.text(), what="no placeholder")
    term.write("\x7f")
    term.wait_for("the message the client receives")
    term.write(" ".join(WORDS[1:]))
    expected: list[Any] = WORDS[1:]
    term.wait_until(lambda: shown_words(term) == expected, what=f"the words {expected}")
    term.write("\x1b[5~\x1b[H")  # Page Up, Home: the start of the text
    term.write("w01 ")
    expected = WORDS
    term.wait_until(lambda: shown_words(term) == expected, what="w01 inserted at the start")
    term.write("\x7f" * 4)  # Backspace ×4: the words move back up
    expected = WORDS[1:]
    term.wait_until(lambda: shown_words(term) == expected, what="w01 deleted again")
    term.write("\x1b[3~" * 4)  # Delete ×4: the first word goes
    expected = WORDS[2:]
    term.wait_until(lambda: shown_words(term) == expected, what="w02 deleted")
