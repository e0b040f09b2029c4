"""A live table's new length moves its scrollbar's thumb without a layout of the screen, and
still lays out when the bar must appear or go (widgets/scroll_length.py)."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.scroll_view import ScrollView
from textual.strip import Strip

from widgets.scroll_length import set_length, thumb


async def settled(pilot: Pilot[None], done: Callable[[], bool]) -> None:
    """Until `done`, then until the frames it asked for are drawn."""
    while not done():
        await pilot.pause()
    await pilot.pause()


class Lines(ScrollView):
    DEFAULT_CSS = "Lines { height: 1fr; overflow-x: hidden; scrollbar-size-vertical: 1; }"

    def render_line(self, y: int) -> Strip:
        return Strip.blank(self.size.width)


class Table(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.layouts = 0

    def compose(self) -> ComposeResult:
        yield Lines()

    def on_mount(self) -> None:
        self.screen.screen_layout_refresh_signal.subscribe(self, self.laid_out, immediate=True)

    def laid_out(self, _screen: object) -> None:
        self.layouts += 1


async def test_a_new_length_moves_the_thumb_without_a_layout_until_the_bar_comes_or_goes() -> None:
    app = Table()
    async with app.run_test(size=(40, 20)) as pilot:
        view = app.query_one(Lines)
        set_length(view, 10)
        await pilot.pause()
        assert not view.show_vertical_scrollbar
        app.layouts = 0

        set_length(view, 500)
        await settled(pilot, lambda: view.show_vertical_scrollbar)
        assert app.layouts >= 1, "longer than the screen: the bar comes, laid out"
        bar = view.vertical_scrollbar
        assert bar.window_virtual_size == 500
        moved = thumb(bar, 500) != thumb(bar, 300)
        assert moved, "a thumb in 300 rows is not the one in 500"

        app.layouts = 0
        for height in (499, 450, 300, 600):
            set_length(view, height)
            await pilot.pause()
            assert view.virtual_size.height == height
            assert bar.window_virtual_size == height, "the thumb follows the length"
        assert app.layouts == 0, "a bar that stays needs no layout of the screen"

        view.scroll_end(animate=False, immediate=True)
        await pilot.pause()
        assert view.scroll_y == view.max_scroll_y > 0
        set_length(view, 100)
        await pilot.pause()
        assert view.scroll_y == view.max_scroll_y == 100 - view.container_size.height
        assert app.layouts == 0

        set_length(view, 5)
        await settled(pilot, lambda: not view.show_vertical_scrollbar)
        assert app.layouts >= 1 and view.scroll_y == 0, "shorter than the screen: the bar goes"
