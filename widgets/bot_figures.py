"""The Analytics tab's "Bot" section: the funnel, hand-offs, bookings and a chart by day."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from rich.text import Text
from textual.widget import Widget

from core.i18n import t
from services.bot_analytics import BotDay, BotReport
from widgets.analytics_figures import format_int, format_money, format_percent
from widgets.bar_chart import bucket, column_rows

_SERIES = (("created", "cyan"), ("booked", "green"), ("handoffs", "yellow"))


def duration(seconds: float | None) -> str:
    """A median duration as staff say it: minutes, hours and minutes, or days and hours."""
    if seconds is None:
        return t("bot.none")
    minutes = round(seconds / 60)
    if minutes < 60:
        return t("bot.duration.minutes", minutes=minutes)
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return t("bot.duration.hours", hours=hours, minutes=minutes)
    days, hours = divmod(hours, 24)
    return t("bot.duration.days", days=days, hours=hours)


def bot_lines(report: BotReport, *, yclients: bool) -> list[str]:
    """The section's text lines in reading order (tests compare against the same calls)."""
    lines = [
        t(
            "bot.funnel",
            created=format_int(report.created),
            offered=format_int(report.offered),
            booked=format_int(report.booked),
            cancelled=format_int(report.cancelled),
        ),
        t(
            "bot.conversion",
            rate=format_percent(report.conversion) if report.conversion is not None else "—",
            time=duration(report.median_to_booked_s),
        ),
        t("bot.handoffs", count=report.handoffs, time=duration(report.median_first_answer_s)),
    ]
    unanswered = report.handoffs - report.handoffs_answered
    if unanswered:
        lines.append(t("bot.unanswered", count=unanswered))
    if yclients:
        lines.append(
            t(
                "bot.bookings",
                count=report.matched_bookings,
                revenue=format_money(report.matched_revenue),
            )
        )
        if report.entries_without_phone:
            lines.append(t("bot.no_phone", count=report.entries_without_phone))
    else:
        lines.append(t("bot.bookings_unknown"))
    return lines


def render_bot_days(days: Sequence[BotDay], width: int) -> Text:
    """Three series side by side per day column; columns merge days on long periods."""
    out = Text(no_wrap=True, overflow="crop")
    legend = t("bot.chart").split("▇")
    for (_, style), label in zip(_SERIES, legend, strict=False):
        out.append(label)
        out.append("▇", style=style)
    if len(legend) > len(_SERIES):
        out.append(legend[-1])
    if not days:
        return out
    columns = max(1, width // 4)
    series = [bucket([Decimal(getattr(d, name)) for d in days], columns) for name, _ in _SERIES]
    rows = [column_rows(values, 3) for values in series]
    for line in range(3):
        out.append("\n")
        for column in range(len(series[0])):
            for index, (_, style) in enumerate(_SERIES):
                out.append(rows[index][line][column], style=style)
            out.append(" ")
    first, last = days[0].day.strftime("%d.%m"), days[-1].day.strftime("%d.%m")
    span = len(series[0]) * 4
    axis = first if span < len(first) + len(last) + 1 else first.ljust(span - len(last)) + last
    out.append("\n" + axis, style="dim")
    return out


class BotFigures(Widget):
    DEFAULT_CSS = """
    BotFigures { height: auto; padding: 0 1; margin-top: 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.report: BotReport | None = None
        self.yclients = False
        self.note = t("bot.loading")

    def show(self, report: BotReport, *, yclients: bool) -> None:
        self.report, self.yclients, self.note = report, yclients, ""
        self.refresh(layout=True)

    def say(self, note: str) -> None:
        self.note = note
        self.refresh(layout=True)

    def render(self) -> Text:
        out = Text(no_wrap=True, overflow="ellipsis")
        out.append(t("bot.title"), style="bold")
        if self.report is None:
            out.append("\n" + self.note, style="dim")
            return out
        for line in bot_lines(self.report, yclients=self.yclients):
            out.append("\n" + line)
        out.append("\n")
        out.append_text(render_bot_days(self.report.days, self.content_size.width or 60))
        return out
