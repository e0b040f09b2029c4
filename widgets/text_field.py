"""A text input that does not blink: an idle dashboard writes nothing to the terminal."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input


class TextField(Input):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("select_on_focus", False)
        super().__init__(*args, **kwargs)
        self.cursor_blink = False
