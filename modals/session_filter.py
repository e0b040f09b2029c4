"""The sessions tab's filter: status, channel and a date range of the last message."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Select, Static

from core.i18n import t
from services.conversations import SessionFilter
from widgets.session_list import CHANNELS, STATUSES, channel_label, status_label
from widgets.text_field import TextField

DATE_FORMAT = "%d.%m.%Y"


def format_date(value: date | None) -> str:
    return value.strftime(DATE_FORMAT) if value else ""


def parse_date(value: str) -> date | None:
    """`DD.MM.YYYY` (or empty: no bound); ValueError for anything else."""
    value = value.strip()
    return datetime.strptime(value, DATE_FORMAT).date() if value else None


class FilterScreen(ModalScreen[SessionFilter | None]):
    """Status, channel and a date range of the last message; the search text is kept."""

    DEFAULT_CSS = """
    FilterScreen { align: center middle; }
    #filter-box {
        width: 64; max-width: 100%; height: auto; max-height: 100%;
        border: round $primary; padding: 0 1;
    }
    #filter-box .-label { color: $text-muted; }
    #filter-dates { height: auto; }
    #filter-dates TextField { width: 1fr; }
    #filter-error { color: $error; height: auto; display: none; }
    #filter-error.-shown { display: block; }
    #filter-buttons { height: auto; }
    #filter-buttons Button { margin-right: 2; }
    """
    BINDINGS = [Binding("escape", "cancel", "confirm.no", show=False)]

    def __init__(self, current: SessionFilter) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        statuses = [(Text(t("sessions.filter.any_status")), "")]
        statuses += [(status_label(status), status) for status in STATUSES]
        channels = [(Text(t("sessions.filter.any_channel")), "")]
        channels += [(channel_label(channel), channel) for channel in CHANNELS]
        with Vertical(id="filter-box"):
            yield Static(t("sessions.filter.title"), markup=False)
            yield Static(t("sessions.filter.status"), classes="-label", markup=False)
            yield Select(
                statuses, value=self.current.status or "", allow_blank=False, id="filter-status"
            )
            yield Static(t("sessions.filter.channel"), classes="-label", markup=False)
            yield Select(
                channels, value=self.current.channel or "", allow_blank=False, id="filter-channel"
            )
            yield Static(t("sessions.filter.dates"), classes="-label", markup=False)
            with Horizontal(id="filter-dates"):
                yield TextField(
                    format_date(self.current.date_from),
                    placeholder=t("sessions.filter.from"),
                    id="filter-from",
                )
                yield TextField(
                    format_date(self.current.date_to),
                    placeholder=t("sessions.filter.to"),
                    id="filter-to",
                )
            yield Static("", id="filter-error", markup=False)
            with Horizontal(id="filter-buttons"):
                yield Button(t("sessions.filter.apply"), id="filter-apply", variant="primary")
                yield Button(t("sessions.filter.clear"), id="filter-clear")
            yield Static(t("sessions.filter.hint"), classes="-label", markup=False)

    def on_mount(self) -> None:
        self.query_one("#filter-status", Select).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#filter-clear")
    def _clear(self) -> None:
        self.dismiss(SessionFilter(text=self.current.text))

    @on(Button.Pressed, "#filter-apply")
    @on(Input.Submitted)
    def _apply(self) -> None:
        try:
            start = parse_date(self.query_one("#filter-from", TextField).value)
            end = parse_date(self.query_one("#filter-to", TextField).value)
        except ValueError:
            self._refuse(t("sessions.filter.bad_date"))
            return
        if start and end and start > end:
            self._refuse(t("sessions.filter.bad_range"))
            return
        status = self.query_one("#filter-status", Select).value
        channel = self.query_one("#filter-channel", Select).value
        self.dismiss(
            replace(
                self.current,
                status=status if isinstance(status, str) and status else None,
                channel=channel if isinstance(channel, str) and channel else None,
                date_from=start,
                date_to=end,
            )
        )

    def _refuse(self, reason: str) -> None:
        error = self.query_one("#filter-error", Static)
        error.update(reason)
        error.add_class("-shown")
