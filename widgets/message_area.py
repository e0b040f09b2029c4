"""The composer's message text: a TextArea with no blinking cursor, a paste that cannot fit
refused whole, and a synchronous hook after every edit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual import events
from textual.content import Content
from textual.message import Message
from textual.reactive import Reactive
from textual.widgets import TextArea
from textual.widgets.text_area import Edit, EditResult, Selection

from core.i18n import t
from widgets.literal import undrawable


class MessageArea(TextArea):
    """The message text: no blinking cursor, a paste that cannot fit refused whole, and a key
    that redraws only the lines it changed."""

    # TextArea repaints its whole area whenever the cursor moves, so every key redrew every
    # line of it, and with it every container around it over the same height: most of a key's
    # frame in the composer (bench_keys). Here the cursor's moves and the edits repaint the
    # lines they change (watch_selection, edit); a selected range, a new number of lines, a
    # scroll, an undo or redo, or a new document repaint it all.
    selection: Reactive[Selection] = Reactive(
        Selection(), init=False, always_update=True, repaint=False
    )

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
        height, was_empty = self.wrapped_document.height, not self.document.text
        result = super().edit(edit)
        first, last = edit.top[0], max(edit.bottom[0], result.end_location[0])
        if first != last or self.wrapped_document.height != height:
            self.refresh()
        elif was_empty != (not self.document.text):
            # The placeholder came or went: the lines it takes (the text's one line is there).
            self.refresh_lines(0, self._placeholder_height())
        else:
            self._repaint_line(first)
        if self.on_edit is not None:
            self.on_edit()
        return result

    def load_text(self, text: str) -> None:
        super().load_text(text)
        self.refresh()

    # Undo and redo change the text without `edit`, in batches that may span any lines.
    def undo(self) -> None:
        super().undo()
        self.refresh()

    def redo(self) -> None:
        super().redo()
        self.refresh()

    def watch_selection(self, previous: Selection, selection: Selection) -> None:
        if not self.is_mounted:
            return
        if previous.start != previous.end or selection.start != selection.end:
            self.refresh()  # a selected range is drawn over all its lines
            return
        for row in {previous.end[0], selection.end[0]}:
            self._repaint_line(row)

    def _placeholder_height(self) -> int:
        # As TextArea draws it: wrapped to the content's width.
        if not self.placeholder:
            return 1
        return max(1, len(Content.from_text(self.placeholder).wrap(self.content_size.width)))

    def _repaint_line(self, row: int) -> None:
        """Every screen line of the document's line `row` (it may wrap onto several)."""
        if not 0 <= row < self.document.line_count:
            self.refresh()  # a line the edit has just removed
            return
        wrapped = self.wrapped_document
        top = wrapped.location_to_offset((row, 0)).y
        self.refresh_lines(top, len(wrapped.get_offsets(row)) + 1)

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
