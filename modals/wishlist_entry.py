"""One wishlist entry with the client's latest conversation; `m` starts a message to them.

The conversation is read by a worker (services.conversations.latest_for_client); the worker
only posts a message, and the handler fills the screen. Every client or bot string is shown
through `literal()`: it is data, never markup.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Static
from textual.worker import Worker

from core.actions import bindings, key_for, write_actions
from core.context import context_of
from core.i18n import t
from core.messages import ComposeMessageRequest
from core.worker_failure import ReportsWorkerFailures
from services.errors import ServiceError
from services.models import ConversationSession
from widgets.error_text import failure_text
from widgets.literal import literal
from widgets.timefmt import short_time, zone
from widgets.wishlist_row import Wish, is_overdue, raw_value, slot_text, status_label

ROLES = ("client", "bot", "staff")
ROLE_STYLE = {"client": "bold cyan", "bot": "bold magenta", "staff": "bold green"}
# A thread of thousands of messages would be one huge Text; the latest ones are what matter.
MAX_MESSAGES = 300


def allowed(app: App[object], action: str, parameters: tuple[object, ...]) -> bool:
    """Write actions follow the App's rule (role, read-only), and are hidden, not greyed."""
    if action in write_actions():
        return app.check_action(action, parameters) is True
    return True


def _entry_bindings() -> list[BindingType]:
    # The thread scope's `m` and Esc, by id, so a remapped key applies here too; pausing the
    # bot belongs to the conversation screen, not to a wishlist entry.
    wanted = {"thread.message", "thread.close"}
    return [b for b in bindings("thread") if isinstance(b, Binding) and b.id in wanted]


def render_fields(entry: Wish, timezone: str, now: datetime) -> Table:
    """Every field the bot wrote, the ones the dashboard does not know included: all of it
    client or bot data, shown through `literal()`. Empty fields read `—`."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    today = now.astimezone(zone(timezone)).date()
    status = status_label(entry.status)
    slot = literal(slot_text(entry, today) or "—")
    if is_overdue(entry, today):
        slot.append("  " + t("wishlist.entry.overdue"), style="bold")
    updated = short_time(entry.updated_at, timezone, now) if entry.updated_at else "—"
    rows: list[tuple[Text, Text]] = [
        (Text(t("wishlist.entry.id")), literal(entry.id, single_line=True)),
        (Text(t("wishlist.col.client")), literal(entry.client_name or "—")),
        (Text(t("wishlist.col.phone")), literal(entry.client_phone or "—")),
        (Text(t("wishlist.col.service")), literal(entry.service_title or "—")),
        (Text(t("wishlist.entry.staff")), literal(entry.staff_name or "—")),
        (Text(t("wishlist.entry.desired")), slot),
        (Text(t("wishlist.col.status")), Text(status) if status else literal(entry.status)),
        (Text(t("wishlist.col.comment")), literal(entry.comment or "—")),
        (Text(t("wishlist.entry.created")), Text(short_time(entry.created_at, timezone, now))),
        (Text(t("wishlist.entry.updated")), Text(updated)),
        (Text(t("wishlist.entry.client_id")), literal(entry.client_id, single_line=True)),
    ]
    if entry.extra:
        rows.append((Text(t("wishlist.entry.extra"), style="dim"), Text("")))
        # Column names come from the bot's table too: data, not markup.
        rows += [
            (literal(name, single_line=True), literal(raw_value(value)))
            for name, value in entry.extra
        ]
    for label, value in rows:
        grid.add_row(label, value)
    return grid


def channel_name(channel: str) -> str:
    """The channel as staff call it ("ВКонтакте"); a value the bot invents reads "unknown"."""
    key = f"sessions.channel.{channel}"
    name = t(key)
    return name if name != key else t("wishlist.entry.channel_unknown")


def render_thread(thread: ConversationSession, timezone: str, now: datetime) -> RenderableType:
    parts: list[RenderableType] = [
        Text(t("wishlist.entry.channel", channel=channel_name(thread.channel)), style="dim")
    ]
    messages = thread.messages
    if not messages:
        parts.append(Text(t("wishlist.entry.no_messages"), style="italic"))
        return Group(*parts)
    if len(messages) > MAX_MESSAGES:
        parts.append(
            Text(t("wishlist.entry.earlier", count=len(messages) - MAX_MESSAGES), style="dim")
        )
        messages = messages[-MAX_MESSAGES:]
    for message in messages:
        head = Text(short_time(message.at, timezone, now) + "  ", style="dim")
        if message.role in ROLES:
            head.append(t(f"wishlist.role.{message.role}"), style=ROLE_STYLE[message.role])
        else:
            head.append_text(literal(message.role, style="bold", single_line=True))
        if message.author:
            head.append(" · ")
            head.append_text(literal(message.author, single_line=True))
        body = literal(message.text)
        body.pad_left(2)
        parts += [head, body]
    return Group(*parts)


class WishlistEntryScreen(ReportsWorkerFailures, ModalScreen[None]):
    DEFAULT_CSS = """
    WishlistEntryScreen { align: center middle; }
    #entry-box {
        width: 94%; max-width: 120; height: 94%;
        border: round $primary; padding: 0 1; background: $surface;
    }
    #entry-title { text-style: bold; }
    #entry-fields-scroll { height: auto; max-height: 60%; margin-bottom: 1; }
    #entry-fields { height: auto; }
    #entry-thread-title { text-style: bold; border-top: solid $primary-muted; }
    #entry-thread { height: 1fr; }
    #entry-hint { color: $text-muted; height: 1; }
    """
    BINDINGS = _entry_bindings()

    @dataclass
    class ConversationLoaded(Message):
        thread: ConversationSession | None

    @dataclass
    class ConversationFailed(Message):
        reason: str

    def __init__(self, entry: Wish, timezone: str, clock: Callable[[], datetime]) -> None:
        super().__init__()
        self.entry = entry
        self.timezone = timezone
        self.clock = clock
        self.thread: ConversationSession | None = None
        self.loaded = False

    def compose(self) -> ComposeResult:
        with Vertical(id="entry-box"):
            yield Static(t("wishlist.entry.title"), id="entry-title", markup=False)
            # Extra columns can make the fields long: they scroll, the conversation keeps room.
            with VerticalScroll(id="entry-fields-scroll"):
                yield Static(
                    render_fields(self.entry, self.timezone, self.clock()),
                    id="entry-fields",
                    markup=False,
                )
            yield Static(t("wishlist.entry.conversation"), id="entry-thread-title", markup=False)
            with VerticalScroll(id="entry-thread"):
                yield Static(t("wishlist.entry.loading"), id="entry-thread-body", markup=False)
            yield Static(self._hint(), id="entry-hint", markup=False)

    def on_mount(self) -> None:
        self.query_one("#entry-thread", VerticalScroll).focus()
        self.load_conversation(self.entry.client_id)

    def _hint(self) -> str:
        keymap = context_of(self.app).settings.keymap
        hints = [t("wishlist.entry.hint_close", key=key_for("thread.close", keymap))]
        if allowed(self.app, "message_client", ()):
            hints.insert(0, t("wishlist.entry.hint_message", key=key_for("thread.message", keymap)))
        return " · ".join(hints)

    @work(exclusive=True, group="wishlist-entry", exit_on_error=False)
    async def load_conversation(self, client_id: str) -> None:
        try:
            services = context_of(self.app).require_services()
            thread = await services.conversations.latest_for_client(client_id)
        except ServiceError as exc:
            self.post_message(self.ConversationFailed(failure_text(exc)))
            return
        self.post_message(self.ConversationLoaded(thread))

    @on(ConversationLoaded)
    def _show_thread(self, message: ConversationLoaded) -> None:
        message.stop()
        self.thread, self.loaded = message.thread, True
        body = self.query_one("#entry-thread-body", Static)
        if message.thread is None:
            body.update(Text(t("wishlist.entry.no_conversation"), style="italic"))
        else:
            body.update(render_thread(message.thread, self.timezone, self.clock()))
            self.query_one("#entry-thread", VerticalScroll).scroll_end(animate=False)

    def worker_failed(self, worker: Worker[Any]) -> None:
        # tui/worker_failures.py: not "loading…" for ever.
        # The App has told the user already; the screen shows it too.
        if worker.group == "wishlist-entry":
            self._show_failure()

    @on(ConversationFailed)
    def _conversation_failed(self, message: ConversationFailed) -> None:
        message.stop()
        self._show_failure()
        self.notify(message.reason, severity="error", markup=False)

    def _show_failure(self) -> None:
        self.loaded = True
        self.query_one("#entry-thread-body", Static).update(
            Text(t("wishlist.entry.failed"), style="italic")
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return allowed(self.app, action, parameters)

    def action_message_client(self) -> None:
        # The App takes it from here: it closes this screen and opens the composer.
        self.post_message(
            ComposeMessageRequest(
                self.entry.client_id,
                self.entry.client_name,
                str(self.thread.id) if self.thread is not None else None,
            )
        )

    def action_close(self) -> None:
        self.dismiss(None)
