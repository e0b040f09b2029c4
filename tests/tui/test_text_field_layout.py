"""A key typed into a field repaints it without a layout of the whole screen, and the field
still scrolls to keep the cursor in sight (widgets/text_field.py)."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Input, Static

from widgets.text_field import TextField


class Form(App[None]):
    CSS = "Input { width: 12; }"

    def __init__(self, field: Input) -> None:
        super().__init__()
        self.field = field
        self.layouts = 0

    def compose(self) -> ComposeResult:
        yield self.field
        yield Static("below")

    def on_mount(self) -> None:
        self.screen.screen_layout_refresh_signal.subscribe(self, self.laid_out, immediate=True)

    def laid_out(self, _screen: object) -> None:
        self.layouts += 1


async def typed(app: Form, keys: str) -> int:
    """Layouts of the screen while `keys` are typed one at a time, each drawn."""
    async with app.run_test(size=(40, 6)) as pilot:
        await pilot.pause()
        before = app.layouts
        for key in keys:
            await pilot.press(key)
            await pilot.pause()
        laid_out = app.layouts - before
        assert app.field.value == keys
        # Longer than the field: the view follows the cursor to the end, and back on Home.
        assert app.field.scroll_x == app.field.max_scroll_x > 0
        await pilot.press("home")
        await pilot.pause()
        assert app.field.scroll_x == 0
        return laid_out


async def test_typing_into_a_field_lays_nothing_out() -> None:
    assert await typed(Form(TextField()), "abcdefghijklmnopqrst") == 0


async def test_the_plain_input_it_replaces_lays_out_the_screen_on_every_key() -> None:
    # The peer: if Textual stops doing this, the override above can go.
    assert await typed(Form(Input()), "abcdefghijklmnopqrst") >= 20
