"""A one-line text input for the dashboard: no blinking cursor, control characters drawn as
visible stand-ins, and a paste that cannot fit refused whole, with a message.

An idle dashboard writes nothing to the terminal, hence no blink. Whatever a field holds (a
paste, or a value filled in from the bot's data) is drawn through `stand_ins`, so an escape
sequence is shown as `␛[31m` and never reaches the terminal. Every field has a length limit:
a 1 MB paste would otherwise sit in memory and be redrawn on every key.
"""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.geometry import Size
from textual.reactive import Reactive
from textual.widgets import Input

from core.i18n import number, t
from widgets.literal import stand_ins

DEFAULT_MAX_CHARS = 1024


class TextField(Input):
    # Input sets its virtual width to the text's on every key, and Widget declares
    # `virtual_size` with layout=True: each key laid out the whole screen, 3–6 ms of a frame
    # under a live wishlist. A field's size never follows its text (an auto-sized Input asks
    # for its own layout when the value changes), so the new width only has to move the
    # horizontal scroll limit, which a repaint does.
    virtual_size = Reactive(Size(0, 0), layout=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("select_on_focus", False)
        if not kwargs.get("max_length"):
            kwargs["max_length"] = DEFAULT_MAX_CHARS
        super().__init__(*args, **kwargs)
        self.cursor_blink = False

    # `_value` and `_position_to_cell` are Input's private drawing hooks, overridden because no
    # public way exists to draw a value other than as typed: a `highlighter` (the public hook)
    # can only style characters, not replace an ESC with `␛`, and the cursor has to follow the
    # replaced text. Checked against the pinned Textual (8.2.8); a bump re-checks them.
    @property
    def _value(self) -> Text:
        if self.password:
            return super()._value
        text = Text(stand_ins(self.value), no_wrap=True, overflow="ignore", end="")
        return self.highlighter(text) if self.highlighter is not None else text

    def _position_to_cell(self, position: int) -> int:
        # The cursor sits after what is drawn, and a stand-in is one cell where ESC is none.
        if self.password:
            return super()._position_to_cell(position)
        return cell_len(stand_ins(self.value[:position]).expandtabs(4))

    def on_paste(self, event: events.Paste) -> None:
        # The public handler runs before Input's own (subclass first); prevent_default skips it.
        lines = event.text.splitlines()
        line = lines[0] if lines else ""
        start, end = sorted(self.selection)
        limit = self.max_length or 0
        if limit and len(self.value) - (end - start) + len(line) > limit:
            # Input's own handler would drop it silently (with a bell): say why instead.
            event.prevent_default()
            event.stop()
            self.notify(
                t(
                    "field.paste_too_long",
                    count=len(event.text),
                    limit=number(limit),
                ),
                severity="warning",
                markup=False,
            )
