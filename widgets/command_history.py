"""The tenant's bot commands, newest first, with their live status and the selected one in full.

Rows are keyed by command id and changed in place: a status change is one `update_cell`, a new
command one `add_row`, and a batch of them one repaint. Every text that came from a payload, a
client or the bot (names, message text, errors) goes through `literal()`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from core.i18n import t
from services.models import BotCommand
from widgets.literal import literal
from widgets.timefmt import short_time

# What, for whom and how it went fit 80 columns; the error (long) goes last and in the detail.
COLUMNS = ("time", "status", "command", "error")
STATUS_STYLE = {
    "pending": "yellow",
    "processing": "bold cyan",
    "done": "green",
    "failed": "bold red",
}


@dataclass(frozen=True)
class SortCell:
    """A time cell that sorts by (created_at, id): DataTable.sort sees cells, not row keys."""

    text: Text
    order: tuple[datetime, int]

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.text

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Any:
        return self.text.__rich_measure__(console, options)


def _version(command: BotCommand) -> datetime:
    return command.updated_at or command.created_at


def short_id(value: str) -> str:
    return value if len(value) <= 10 else f"{value[:4]}…{value[-2:]}"


class CommandHistory(Vertical):
    DEFAULT_CSS = """
    CommandHistory { height: 1fr; }
    CommandHistory #history-info { height: 1; color: $text-muted; }
    CommandHistory DataTable { height: 1fr; }
    CommandHistory #history-detail {
        height: auto; max-height: 7; border-top: solid $panel-lighten-2; padding: 0 1;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.commands: dict[str, BotCommand] = {}
        # Client id -> name; conversation id -> (client id, name). Filled as names resolve.
        self.client_names: dict[str, str] = {}
        self.session_clients: dict[str, tuple[str, str | None]] = {}
        self.timezone = "UTC"
        self.now: datetime | None = None
        self.paging = "more"  # more | loading | end

    def compose(self) -> ComposeResult:
        yield Static("", id="history-info", markup=False)
        table: DataTable[Any] = DataTable(cursor_type="row", zebra_stripes=True, id="history-table")
        for column in COLUMNS:
            # A Text, not a str: DataTable parses a str label as Rich markup, and that parser
            # loads Rich's emoji table (RSS, issue 16) for a plain label.
            table.add_column(Text(t(f"commands.column.{column}")), key=column)
        yield table
        yield Static(t("commands.detail.none"), id="history-detail", markup=False)

    def on_mount(self) -> None:
        self._update_info()

    @property
    def table(self) -> DataTable[Any]:
        return self.query_one("#history-table", DataTable)

    # -- changes -----------------------------------------------------------------------------
    def apply(self, commands: Iterable[BotCommand], deletes: Iterable[str] = ()) -> None:
        """A keyed diff: new rows added, changed ones updated in place, an older version ignored."""
        table = self.table
        added = False
        # The row the user was on stays selected when newer rows push it down.
        keep = self.selected()
        with self.app.batch_update():
            for command in commands:
                known = self.commands.get(command.key)
                # The same row arrives by the feed and by the send's own answer, in any order.
                if known is not None and _version(known) > _version(command):
                    continue
                self.commands[command.key] = command
                if command.key in table.rows:
                    if known is None or (known.status, known.error) != (
                        command.status,
                        command.error,
                    ):
                        table.update_cell(
                            command.key, "status", self._status_cell(command), update_width=True
                        )
                        table.update_cell(
                            command.key, "error", self._error_cell(command), update_width=True
                        )
                else:
                    table.add_row(*self._cells(command), key=command.key)
                    added = True
            for key in deletes:
                if self.commands.pop(key, None) is not None and key in table.rows:
                    table.remove_row(key)
            if added:
                self._sort(keep)
        self._update_info()
        self._show_detail()

    def learn_names(
        self, clients: dict[str, str], sessions: dict[str, tuple[str, str | None]]
    ) -> None:
        """Names resolved in the background: the rows that name those clients show them."""
        self.client_names.update(clients)
        self.session_clients.update(sessions)
        table = self.table
        with self.app.batch_update():
            for key, command in self.commands.items():
                if key in table.rows:
                    table.update_cell(key, "command", self._what(command), update_width=True)
        self._show_detail()

    def unknown_references(self) -> tuple[list[str], list[str]]:
        """Client ids and conversation ids named by commands whose names are not known yet."""
        clients: list[str] = []
        sessions: list[str] = []
        for command in self.commands.values():
            client = command.payload.get("client_id")
            session = command.payload.get("session_id")
            if isinstance(client, str):
                if client not in self.client_names:
                    clients.append(client)
            elif isinstance(session, str) and session not in self.session_clients:
                sessions.append(session)
        return list(dict.fromkeys(clients)), list(dict.fromkeys(sessions))

    def set_paging(self, state: str) -> None:
        self.paging = state
        self._update_info()

    # -- reading -----------------------------------------------------------------------------
    def selected(self) -> BotCommand | None:
        table = self.table
        if table.row_count == 0:
            return None
        row_key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return self.commands.get(str(row_key.value))

    def oldest(self) -> BotCommand | None:
        return min(self.commands.values(), key=lambda c: (c.created_at, c.id), default=None)

    def target_text(self, command: BotCommand) -> Text:
        return self._target(command)

    # -- cells -------------------------------------------------------------------------------
    def _cells(self, command: BotCommand) -> tuple[object, ...]:
        when = short_time(command.created_at, self.timezone, self.now or command.created_at)
        return (
            SortCell(Text(when, no_wrap=True), (command.created_at, command.id)),
            self._status_cell(command),
            self._what(command),
            self._error_cell(command),
        )

    def _what(self, command: BotCommand) -> Text:
        text = self.type_text(command)
        text.append(" → ", style="dim")
        text.append_text(self._target(command))
        text.no_wrap = True
        return text

    def type_text(self, command: BotCommand) -> Text:
        key = f"commands.short.{command.command_type}"
        label = t(key)
        return Text(label) if label != key else literal(command.command_type, single_line=True)

    def _target(self, command: BotCommand) -> Text:
        client = command.payload.get("client_id")
        session = command.payload.get("session_id")
        if isinstance(client, str):
            name = self.client_names.get(client)
            return literal(name or client, single_line=True, limit=28)
        if isinstance(session, str):
            known = self.session_clients.get(session)
            if known is not None:
                return literal(known[1] or known[0], single_line=True, limit=28)
            return Text(t("commands.target.conversation", id=short_id(session)), no_wrap=True)
        return Text("—")

    def _status_cell(self, command: BotCommand) -> Text:
        # One mark, not a word: «выполнена» took the width the client's name needs at 80
        # columns. The detail below spells the status out; `?` explains the marks.
        key = f"commands.mark.{command.status}"
        label = t(key)
        if label == key:
            label = "?"
        return Text(label, style=STATUS_STYLE.get(command.status, ""), no_wrap=True)

    def _error_cell(self, command: BotCommand) -> Text:
        if command.status != "failed":
            return Text("")
        return literal(command.error or "", single_line=True, limit=60, style="red")

    def _sort(self, keep: BotCommand | None) -> None:
        table = self.table
        table.sort("time", key=lambda cell: cell.order, reverse=True)
        row = table.get_row_index(keep.key) if keep is not None and keep.key in table.rows else 0
        table.move_cursor(row=row, animate=False)

    # -- the info line and the detail -----------------------------------------------------------
    def _update_info(self) -> None:
        line = Text(t("commands.history.title"), style="bold")
        if not self.commands:
            line.append(" · " + t("commands.history.empty"))
        else:
            count = len(self.commands)
            if self.paging == "end":
                line.append(" · " + t("commands.history.total", count=count))
            else:
                line.append(" · " + t("commands.history.count", count=count))
                line.append(" · " + t(f"commands.history.{self.paging}"))
        self.query_one("#history-info", Static).update(line)

    @on(DataTable.RowHighlighted, "#history-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        command = self.selected()
        detail = self.query_one("#history-detail", Static)
        if command is None:
            detail.update(t("commands.detail.none"))
            return
        text = Text()
        text.append(t("commands.detail.number", id=command.id) + " ", style="bold")
        text.append_text(self.type_text(command))
        text.append(" · ")
        text.append(
            t(f"commands.status.{command.status}"), style=STATUS_STYLE.get(command.status, "")
        )
        text.append("\n" + t("commands.detail.for"))
        text.append_text(self._target(command))
        # `text` is how commands queued before the seed's `message` name still read in history.
        message = command.payload.get("message", command.payload.get("text"))
        for value, label in (
            (message, "commands.detail.text"),
            (command.payload.get("note"), "commands.detail.note"),
        ):
            if isinstance(value, str):
                text.append("\n" + t(label))
                text.append_text(literal(value, single_line=True, limit=300))
        if command.status == "failed":
            text.append("\n" + t("commands.detail.error"), style="bold red")
            text.append_text(literal(command.error or "", limit=400, style="red"))
        detail.update(text)
