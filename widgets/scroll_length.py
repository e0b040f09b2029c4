"""A ScrollView's new length without a layout of the whole screen.

A live table's length changes with nearly every batch (rows arrive, the held ones leave the
count, the cap trims the oldest). Setting `virtual_size` the usual way asks the screen for a
layout: a reflow of every widget and a frame that re-reads all of their lines, about 5 ms at
120×40 on a loaded machine, twenty times a second at 100 rows/s, and a key typed meanwhile
waits for it. The length only shows in the vertical scrollbar; while the bar neither appears
nor disappears, its thumb is updated alone, and not even repainted when its cells come out the
same (a thumb in 500 rows moves by a cell every few dozen rows; each repaint rewrote the bar's
whole column to the terminal).
"""

from __future__ import annotations

from rich.segment import Segment
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar


def set_length(view: ScrollView, height: int) -> None:
    """Make `view` `height` lines tall (its width as it is)."""
    size = Size(view.size.width, height)
    if size == view.virtual_size:
        return
    # Not `view.virtual_size = size`: that repaints every line (the caller repaints the lines
    # that changed) and asks for a layout.
    view.set_reactive(ScrollView.virtual_size, size)
    container = view.container_size
    if not container or view.show_vertical_scrollbar != (height > container.height):
        # The bar comes or goes: the width of every line changes, a layout it is.
        view.refresh(layout=True, repaint=False)
        return
    if view.show_vertical_scrollbar:
        bar = view.vertical_scrollbar
        if thumb(bar, bar.window_virtual_size) == thumb(bar, height):
            bar.set_reactive(ScrollBar.window_virtual_size, height)
        else:
            bar.window_virtual_size = height
    if view.scroll_y > view.max_scroll_y:
        view.scroll_y = view.max_scroll_y


def thumb(bar: ScrollBar, virtual: int) -> list[Segment]:
    """The cells `bar` draws for a content `virtual` lines tall, as its own render draws them."""
    window = bar.window_size if bar.window_size < virtual else 0
    drawn = bar.renderer.render_bar(
        size=bar.size.height,
        virtual_size=virtual,
        window_size=window,
        position=bar.position,
        thickness=bar.thickness,
        vertical=True,
    )
    return list(drawn.segments)
