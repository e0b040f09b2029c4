"""Terminal charts drawn as Rich Text: revenue by day (columns) and by staff (bars).

Plain block characters, no chart package: they render the same over SSH, in tmux and in the
snapshot tests. Both widgets draw for their current width, so 80 and 200 columns both fit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from rich.text import Text
from textual.widget import Widget

from core.i18n import day_month, numeric_date, t
from services.analytics import DayFigures, StaffFigures
from widgets.analytics_figures import format_money
from widgets.literal import literal

_EIGHTHS = " ▁▂▃▄▅▆▇█"
_ZERO = Decimal(0)


def bucket(values: Sequence[Decimal], width: int) -> list[Decimal]:
    """At most `width` columns: neighbouring days are summed when the period is longer."""
    if width <= 0:
        return []
    if len(values) <= width:
        return list(values)
    size = -(-len(values) // width)  # ceil: every column holds the same number of days
    return [sum(values[i : i + size], _ZERO) for i in range(0, len(values), size)]


def column_rows(values: Sequence[Decimal], height: int) -> list[str]:
    """Columns `height` rows tall, eight steps per row; a non-zero value shows at least ▁."""
    top = max(values, default=_ZERO)
    steps = height * 8
    levels = [0 if top <= 0 or v <= 0 else max(1, round(float(v / top) * steps)) for v in values]
    rows = []
    for row in range(height - 1, -1, -1):
        floor = row * 8
        rows.append("".join(_EIGHTHS[min(8, max(0, level - floor))] for level in levels))
    return rows


def bar(value: Decimal, top: Decimal, width: int) -> str:
    if top <= 0 or width <= 0 or value <= 0:
        return ""
    eighths = max(1, round(float(value / top) * width * 8))
    return "█" * (eighths // 8) + (_EIGHTHS[eighths % 8] if eighths % 8 else "")


def axis(first: date, last: date, span: int) -> str:
    """The period's ends under the columns: `01.12.2026 … 06.12.2026`, or `1 дек … 6 дек`
    when a short period's columns are too narrow for full dates."""
    for start, end in (
        (numeric_date(first), numeric_date(last)),
        (day_month(first), day_month(last)),
    ):
        if span >= len(start) + len(end) + 1:
            return start.ljust(span - len(end)) + end
    return numeric_date(first)


def render_days(days: Sequence[DayFigures], width: int, height: int = 4) -> Text:
    out = Text(no_wrap=True, overflow="crop")
    out.append(t("analytics.chart.by_day"), style="bold")
    if not days or all(d.revenue <= 0 for d in days):
        out.append("\n" + t("analytics.chart.empty"), style="dim")
        return out
    values = bucket([d.revenue for d in days], max(1, width))
    top = max(values)
    out.append("  " + t("analytics.chart.max", value=format_money(top)), style="dim")
    # Short periods get wider columns (up to 3 cells and a gap) so a week is not a smudge.
    cell = max(1, min(4, width // len(values)))
    bars, gap = (cell - 1, " ") if cell > 1 else (1, "")
    for row in column_rows(values, height):
        out.append("\n" + "".join(c * bars + gap for c in row).rstrip(), style="green")
    out.append("\n" + axis(days[0].day, days[-1].day, len(values) * cell), style="dim")
    return out


def render_staff(staff: Sequence[StaffFigures], width: int, limit: int = 8) -> Text:
    out = Text(no_wrap=True, overflow="ellipsis")
    out.append(t("analytics.chart.by_staff"), style="bold")
    shown = [s for s in staff if s.revenue > 0][:limit]
    if not shown:
        out.append("\n" + t("analytics.chart.empty"), style="dim")
        return out
    names = [s.name or t("analytics.unnamed", id=s.staff_id) for s in shown]
    amounts = [format_money(s.revenue) for s in shown]
    name_width = min(max(len(n) for n in names), max(8, width // 4))
    amount_width = max(len(a) for a in amounts)
    bar_width = max(1, width - name_width - amount_width - 4)
    top = shown[0].revenue if shown else _ZERO
    for name, amount, figures in zip(names, amounts, shown, strict=True):
        out.append("\n")
        # Staff names come from YClients: data, shown literally and never parsed as markup.
        out.append_text(literal(name, single_line=True, limit=name_width))
        out.append(" " * (name_width - min(len(name), name_width) + 1))
        drawn = bar(figures.revenue, top, bar_width)
        out.append(drawn, style="cyan")
        out.append(" " * (bar_width - len(drawn) + 1))
        out.append(amount.rjust(amount_width))
    if len(staff) > len(shown):
        out.append("\n" + t("analytics.chart.more", count=len(staff) - len(shown)), style="dim")
    return out


class DayChart(Widget):
    DEFAULT_CSS = """
    DayChart { height: auto; padding: 0 1; margin-top: 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._days: tuple[DayFigures, ...] = ()

    def show(self, days: Sequence[DayFigures]) -> None:
        self._days = tuple(days)
        self.refresh(layout=True)

    def render(self) -> Text:
        return render_days(self._days, self.content_size.width or 60)


class StaffChart(Widget):
    DEFAULT_CSS = """
    StaffChart { height: auto; padding: 0 1; margin-top: 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._staff: tuple[StaffFigures, ...] = ()

    def show(self, staff: Sequence[StaffFigures]) -> None:
        self._staff = tuple(staff)
        self.refresh(layout=True)

    def render(self) -> Text:
        return render_staff(self._staff, self.content_size.width or 60)
