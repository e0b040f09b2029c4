"""The conversation list: two lines per conversation, newest activity first, paged in.

An `OptionList` (as elia's chat list) rather than a DataTable: each conversation needs a
header line and a preview line, and the preview should use whatever width the terminal has.
Every prompt is a Rich `Text` built with `literal()`, so names and messages are never markup.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from rich.text import Text
from textual import on
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from core.i18n import t
from services.models import SessionSummary
from widgets.literal import literal
from widgets.timefmt import short_time

# The vocabularies of docs/bot-tables.md; a value outside them is shown as stored.
STATUSES = ("active", "waiting_human", "paused", "closed")
CHANNELS = ("telegram", "whatsapp", "instagram", "vk")

TIME_WIDTH = 11  # "24.11 14:03"
NAME_WIDTH = 20
PHONE_WIDTH = 16  # "+7 912 345-67-89"
CHANNEL_WIDTH = 9  # "ВКонтакте"
PREVIEW_CHARS = 400  # more than any terminal line; keeps measuring cheap
_STATUS_STYLES = {"waiting_human": "bold red", "paused": "yellow", "closed": "dim"}


def status_label(status: str | None) -> Text:
    if status in STATUSES:
        return Text(t(f"sessions.status.{status}"), style=_STATUS_STYLES.get(status, ""))
    return literal(status, single_line=True)


def channel_label(channel: str | None) -> Text:
    if channel in CHANNELS:
        return Text(t(f"sessions.channel.{channel}"))
    return literal(channel, single_line=True)


def author_label(role: str | None) -> str:
    """Who wrote a message, in words; a staff member's name is added by the caller."""
    known = role if role in ("client", "bot", "staff") else "client"
    return t(f"thread.author.{known}")


def _cell(text: Text, width: int) -> Text:
    cell = text.copy()
    cell.truncate(width, overflow="ellipsis", pad=True)
    return cell


def waiting_label(since: datetime, now: datetime) -> str:
    """How long a client has waited for staff: "ждёт 7 мин", "ждёт 1 ч 5 мин"."""
    minutes = max(0, int((now - since).total_seconds() // 60))
    if minutes < 60:
        return t("sessions.needs_staff.waiting", minutes=minutes)
    return t("sessions.needs_staff.waiting_hours", hours=minutes // 60, minutes=minutes % 60)


def session_prompt(
    item: SessionSummary, timezone: str, now: datetime, *, waiting_since: datetime | None = None
) -> Text:
    """Line 1: time, name, phone, channel, status. Line 2: pause marker and the last message;
    for a client waiting for staff, how long first."""
    moment = item.activity_at or item.last_message_at or item.started_at
    head = Text(no_wrap=True, overflow="ellipsis")
    head.append_text(_cell(Text(short_time(moment, timezone, now), style="dim"), TIME_WIDTH))
    head.append(" ")
    name = item.client_name or t("thread.unnamed")
    head.append_text(_cell(literal(name, style="bold", single_line=True), NAME_WIDTH))
    head.append(" ")
    head.append_text(
        _cell(literal(item.client_phone or t("sessions.no_phone"), single_line=True), PHONE_WIDTH)
    )
    head.append(" ")
    head.append_text(_cell(channel_label(item.channel), CHANNEL_WIDTH))
    head.append(" ")
    head.append_text(status_label(item.status))

    tail = Text(" " * (TIME_WIDTH + 1), no_wrap=True, overflow="ellipsis")
    if waiting_since is not None:
        tail.append(waiting_label(waiting_since, now), style="bold red")
        tail.append(" · ")
    if item.bot_paused:
        tail.append(t("sessions.bot_paused"), style="bold yellow")
        tail.append(" · ")
    last = item.last_message
    if last is None:
        tail.append(t("sessions.no_messages"), style="dim italic")
    else:
        tail.append(author_label(last.role) + ": ", style="dim")
        tail.append_text(literal(last.text, single_line=True, limit=PREVIEW_CHARS))
    return Text("\n", no_wrap=True, overflow="ellipsis").join([head, tail])


class SessionList(OptionList):
    """Conversations by key; `replace` and `extend` keep the highlighted one where it was."""

    DEFAULT_CSS = """
    SessionList { height: 1fr; text-wrap: nowrap; text-overflow: ellipsis; border: none; }
    SessionList:focus { border: none; }
    SessionList > .option-list--option { padding: 0 0; }
    """

    @dataclass
    class Opened(Message):
        summary: SessionSummary

    @dataclass
    class NearEnd(Message):
        """The highlight reached the last loaded conversation: time to page in older ones."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.summaries: list[SessionSummary] = []
        self._index: dict[str, int] = {}
        self.timezone = "UTC"
        self.now = datetime.now().astimezone()
        # Set while the list shows the clients waiting for staff: key -> handed over at.
        self.waiting_since: dict[str, datetime] = {}

    def _option(self, item: SessionSummary) -> Option:
        prompt = session_prompt(
            item, self.timezone, self.now, waiting_since=self.waiting_since.get(item.key)
        )
        return Option(prompt, id=item.key)

    def replace(self, items: Iterable[SessionSummary]) -> None:
        """A fresh first page (new search, filter or refresh); the highlight follows its key."""
        keep = self.highlighted_summary.key if self.highlighted_summary else None
        self.summaries = []
        self._index = {}
        self.clear_options()
        self.extend(items)
        if self.summaries:
            self.highlighted = self._index.get(keep or "", 0)

    def extend(self, items: Iterable[SessionSummary]) -> int:
        """Older conversations at the end; one already listed is not listed twice."""
        fresh = []
        for item in items:
            if item.key in self._index:
                continue
            self._index[item.key] = len(self.summaries)
            self.summaries.append(item)
            fresh.append(self._option(item))
        self.add_options(fresh)
        if self.highlighted is None and self.summaries:
            self.highlighted = 0
        return len(fresh)

    @property
    def highlighted_summary(self) -> SessionSummary | None:
        index = self.highlighted
        if index is None or not 0 <= index < len(self.summaries):
            return None
        return self.summaries[index]

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        summary = self.highlighted_summary
        if summary is not None:
            self.post_message(self.Opened(summary))

    @on(OptionList.OptionHighlighted)
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        if self.summaries and event.option_index >= len(self.summaries) - 1:
            self.post_message(self.NearEnd())
