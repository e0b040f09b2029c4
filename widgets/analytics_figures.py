"""The headline figures of the analytics tab, and numbers formatted for the UI language."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from core.i18n import language, money, number, t
from services.analytics import AnalyticsReport

# A no-break space groups thousands in Russian and keeps "1 234 ₽" on one line.
_NBSP = "\u00a0"


def format_int(value: int) -> str:
    return number(value)


def format_money(value: Decimal) -> str:
    """Whole roubles: managers compare revenue, kopecks are in the CSV export."""
    return money(int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP)))


def format_percent(rate: float) -> str:
    text = f"{rate * 100:.1f}"
    if language() == "ru":
        return text.replace(".", ",") + _NBSP + "%"
    return text + "%"


def figure_values(report: AnalyticsReport) -> list[tuple[str, str]]:
    """(label, value) pairs in reading order; tests compare against the same formatting."""
    return [
        (t("analytics.fig.revenue"), format_money(report.revenue)),
        (t("analytics.fig.average_check"), format_money(report.average_check)),
        (t("analytics.fig.visits"), format_int(report.visits)),
        (t("analytics.fig.records"), format_int(report.records)),
        (t("analytics.fig.no_shows"), format_int(report.no_shows)),
        (t("analytics.fig.no_show_rate"), format_percent(report.no_show_rate)),
        (t("analytics.fig.unique_clients"), format_int(report.unique_clients)),
        (t("analytics.fig.returning_clients"), format_int(report.returning_clients)),
    ]


class AnalyticsFigures(Static):
    """Label/value pairs, two pairs per row: eight figures in four lines fit 80×24."""

    DEFAULT_CSS = """
    AnalyticsFigures { height: auto; padding: 0 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)

    def show(self, report: AnalyticsReport) -> None:
        grid = Table.grid(padding=(0, 2), expand=True)
        grid.add_column(ratio=1, no_wrap=True)
        grid.add_column(justify="right", no_wrap=True)
        grid.add_column(ratio=1, no_wrap=True)
        grid.add_column(justify="right", no_wrap=True)
        pairs = figure_values(report)
        for left, right in zip(pairs[0::2], pairs[1::2], strict=True):
            grid.add_row(
                Text(left[0], style="dim"),
                Text(left[1], style="bold"),
                Text(right[0], style="dim"),
                Text(right[1], style="bold"),
            )
        self.update(grid)
