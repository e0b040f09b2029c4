"""One conversation's messages, oldest first: client, bot and staff told apart at a glance.

Messages are append-only (docs/bot-tables.md), so a live update mounts only the messages not
shown yet (by their `id`), and the view follows the end only when the reader was already there.
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from core.i18n import t
from services.models import ConversationSession, Message
from widgets.literal import literal
from widgets.session_list import author_label
from widgets.timefmt import short_time

ROLES = ("client", "bot", "staff")


def message_key(message: Message, index: int) -> str:
    # The bot gives every message an id; a message without one keeps its place as its key.
    return f"id:{message.id}" if message.id else f"at:{index}"


def message_text(message: Message, timezone: str, now: datetime) -> Text:
    head = Text(no_wrap=True, overflow="ellipsis")
    head.append(short_time(message.at, timezone, now), style="dim")
    head.append("  ")
    head.append(author_label(message.role), style="bold")
    if message.author and message.role == "staff":
        head.append(" · ")
        head.append_text(literal(message.author, style="bold", single_line=True))
    return Text("\n").join([head, literal(message.text)])


class MessageBubble(Static):
    DEFAULT_CSS = """
    MessageBubble {
        height: auto; margin: 0 8 1 0; padding: 0 1;
        border-left: outer $secondary; background: $boost;
    }
    MessageBubble.-bot { margin: 0 0 1 8; border-left: outer $primary; background: $primary 12%; }
    MessageBubble.-staff {
        margin: 0 0 1 8; border-left: outer $success; background: $success 15%;
    }
    """

    def __init__(self, message: Message, timezone: str, now: datetime) -> None:
        role = message.role if message.role in ROLES else "client"
        super().__init__(message_text(message, timezone, now), markup=False, classes=f"-{role}")
        self.message = message


class ThreadView(VerticalScroll):
    """Scrollable with the keyboard (it takes focus): up/down, page up/down, home/end."""

    DEFAULT_CSS = """
    ThreadView { height: 1fr; padding: 0 1; }
    ThreadView > #thread-empty { color: $text-muted; padding: 1 0; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.can_focus = True
        self._shown: dict[str, MessageBubble] = {}

    @property
    def shown_keys(self) -> list[str]:
        return list(self._shown)

    def show(self, session: ConversationSession, timezone: str, now: datetime) -> int:
        """Mount the messages not shown yet; returns how many were added."""
        follow = not self._shown or self.scroll_y >= self.max_scroll_y - 1
        fresh: list[MessageBubble] = []
        for index, message in enumerate(session.messages):
            key = message_key(message, index)
            if key in self._shown:
                continue
            bubble = MessageBubble(message, timezone, now)
            self._shown[key] = bubble
            fresh.append(bubble)
        empty = self.query("#thread-empty")
        if fresh:
            empty.remove()
            self.mount_all(fresh)
        elif not self._shown and not empty:
            self.mount(Static(t("thread.empty"), id="thread-empty", markup=False))
        if fresh and follow:
            self.call_after_refresh(self.scroll_end, animate=False)
        return len(fresh)
