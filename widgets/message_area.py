"""The composer's message text: a TextArea with no blinking cursor, a paste that cannot fit
refused whole, and a synchronous hook after every edit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual import events
from textual.message import Message
from textual.widgets import TextArea
from textual.widgets.text_area import Edit, EditResult

from core.i18n import t
from widgets.literal import undrawable


class MessageArea(TextArea):
    """The message text: no blinking cursor, and a paste that cannot fit is refused whole."""

    @dataclass
    class PasteRefused(Message):
        length: int
        # What in it cannot be drawn (a control character), when that is the reason.
        bad_character: str | None = None

    def __init__(
        self, limit: int, *, id: str | None = None, on_edit: Callable[[], None] | None = None
    ) -> None:
        super().__init__(
            soft_wrap=True,
            tab_behavior="focus",
            compact=True,
            highlight_cursor_line=False,
            placeholder=t("commands.placeholder.text"),
            id=id,
        )
        self.limit = limit
        self.cursor_blink = False
        self.on_edit = on_edit

    def edit(self, edit: Edit) -> EditResult:
        # Typed keys and Backspace come through here. What follows the text (the counter) is
        # updated in the same call, so it is drawn in the same frame as the character: through
        # the Changed message it bubbled to the form after the frame and showed a frame later.
        result = super().edit(edit)
        if self.on_edit is not None:
            self.on_edit()
        return result

    async def on_paste(self, event: events.Paste) -> None:
        # Wrapping a 1 MB line would stall the UI, and the bot would refuse it anyway: keep
        # what is already typed, insert nothing, and say why (this public handler runs before
        # TextArea's own, and prevent_default skips that one).
        if len(self.text) - len(self.selected_text) + len(event.text) > self.limit:
            event.prevent_default()
            event.stop()
            self.post_message(self.PasteRefused(len(event.text)))
            return
        # The editor would draw an escape sequence raw (recolouring the terminal), and the
        # message could not be sent anyway: the paste is refused whole, with the reason.
        control = undrawable(event.text)
        if control is not None:
            event.prevent_default()
            event.stop()
            self.post_message(self.PasteRefused(len(event.text), control))
