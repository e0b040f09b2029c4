"""The analytics period: today, 7 days, 30 days, this month, or custom dates.

Dates are the salon's local dates; the tab hands in "today" in the tenant's timezone. Custom
dates are typed as YYYY-MM-DD and checked on Enter, with the problem named under the fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Static

from core.i18n import t
from widgets.text_field import TextField

KINDS = ("today", "week", "days30", "month", "custom")
DATE_FIELDS = ("period-from", "period-to")
# A year and a day covers "the same month last year"; longer would be a bulk export.
MAX_DAYS = 366


@dataclass(frozen=True, slots=True)
class Period:
    kind: str
    start: date
    end: date


def preset(kind: str, today: date) -> Period:
    if kind == "today":
        return Period(kind, today, today)
    if kind == "week":
        return Period(kind, today - timedelta(days=6), today)
    if kind == "days30":
        return Period(kind, today - timedelta(days=29), today)
    if kind == "month":
        return Period(kind, today.replace(day=1), today)
    raise ValueError(f"not a preset period: {kind}")


def parse_custom(start_text: str, end_text: str, today: date) -> Period | str:
    """The custom period, or the (translated) reason it is not one."""
    days: list[date] = []
    for text, label in ((start_text, "analytics.custom.from"), (end_text, "analytics.custom.to")):
        try:
            days.append(date.fromisoformat(text.strip()))
        except ValueError:
            return t("analytics.custom.bad_date", field=t(label))
        if len(text.strip()) != 10:  # fromisoformat also takes 20261126; staff type dashes
            return t("analytics.custom.bad_date", field=t(label))
    start, end = days
    if end < start:
        return t("analytics.custom.reversed")
    if start > today:
        return t("analytics.custom.future", field=t("analytics.custom.from"))
    if (end - start).days + 1 > MAX_DAYS:
        return t("analytics.custom.too_long", days=MAX_DAYS)
    return Period("custom", start, end)


class PeriodPicker(Vertical):
    DEFAULT_CSS = """
    PeriodPicker { height: auto; padding: 0 1; }
    PeriodPicker #period-options { height: 1; }
    PeriodPicker #period-custom { height: 1; display: none; }
    PeriodPicker.-custom #period-custom { display: block; }
    PeriodPicker #period-custom Static { width: auto; padding: 0 1 0 0; }
    PeriodPicker #period-custom TextField {
        width: 14; height: 1; border: none; padding: 0 1; margin: 0 2 0 0;
    }
    PeriodPicker #period-error { height: auto; color: $error; display: none; }
    PeriodPicker.-invalid #period-error { display: block; }
    """

    class Changed(Message):
        def __init__(self, period: Period) -> None:
            super().__init__()
            self.period = period

    class Left(Message):
        """Escape in a date field: the edit was dropped, focus goes back to the figures."""

    def __init__(self, today: date, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._today = today
        self.period = preset("days30", today)

    def compose(self) -> ComposeResult:
        yield Static("", id="period-options", markup=False)
        with Horizontal(id="period-custom"):
            yield Static(t("analytics.custom.from"), markup=False)
            yield TextField(placeholder=t("analytics.custom.placeholder"), id="period-from")
            yield Static(t("analytics.custom.to"), markup=False)
            yield TextField(placeholder=t("analytics.custom.placeholder"), id="period-to")
            yield Static(t("analytics.custom.apply"), markup=False, classes="hint")
        yield Static("", id="period-error", markup=False)

    def on_mount(self) -> None:
        self._draw()

    def set_today(self, today: date) -> None:
        """A new local day (the app stays open overnight): presets move with it."""
        if today != self._today:
            self._today = today
            if self.period.kind != "custom":
                self.period = preset(self.period.kind, today)
                self._draw()

    def cycle(self) -> Period:
        """Next period; custom starts from the dates shown and waits for Enter to change."""
        kind = KINDS[(KINDS.index(self.period.kind) + 1) % len(KINDS)]
        if kind == "custom":
            self.period = Period("custom", self.period.start, self.period.end)
            self.query_one("#period-from", Input).value = self.period.start.isoformat()
            self.query_one("#period-to", Input).value = self.period.end.isoformat()
        else:
            self.period = preset(kind, self._today)
        self._show_error("")
        self.set_class(kind == "custom", "-custom")
        self._draw()
        if kind == "custom":
            self.query_one("#period-from", Input).focus()
        return self.period

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        parsed = parse_custom(
            self.query_one("#period-from", Input).value,
            self.query_one("#period-to", Input).value,
            self._today,
        )
        if isinstance(parsed, str):
            self._show_error(parsed)
            return
        self._show_error("")
        self.period = parsed
        self._draw()
        self.post_message(self.Changed(parsed))

    def on_key(self, event: events.Key) -> None:
        focused = self.app.focused
        if event.key != "escape" or focused is None or focused.id not in DATE_FIELDS:
            return
        # Escape undoes what was typed but not applied: the fields show the period in force.
        event.stop()
        self.query_one("#period-from", Input).value = self.period.start.isoformat()
        self.query_one("#period-to", Input).value = self.period.end.isoformat()
        self._show_error("")
        self.post_message(self.Left())

    @on(Input.Changed)
    def _typing(self, event: Input.Changed) -> None:
        # An old complaint next to new text misleads; it comes back on the next Enter.
        event.stop()
        if self.has_class("-invalid"):
            self._show_error("")

    def _show_error(self, text: str) -> None:
        self.query_one("#period-error", Static).update(text)
        self.set_class(bool(text), "-invalid")

    def _draw(self) -> None:
        line = Text(no_wrap=True, overflow="ellipsis")
        line.append(t("analytics.period.label") + " ", style="dim")
        for kind in KINDS:
            label = t(f"analytics.period.{kind}")
            if kind == self.period.kind:
                line.append(f" {label} ", style="reverse bold")
            else:
                line.append(f" {label} ")
        line.append("  ")
        line.append(
            t(
                "analytics.period.range",
                start=self.period.start.isoformat(),
                end=self.period.end.isoformat(),
            ),
            style="bold",
        )
        self.query_one("#period-options", Static).update(line)
