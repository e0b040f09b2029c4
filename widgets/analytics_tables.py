"""Tables by staff and by service. Names and titles come from YClients: shown literally."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from core.i18n import t
from services.analytics import AnalyticsReport
from widgets.analytics_figures import format_int, format_money
from widgets.literal import literal

# Long tables are the CSV's job; on screen the top rows answer "who / what sells".
MAX_ROWS = 15


def _table(title: str, name: str, count: str) -> Table:
    table = Table(
        title=Text(title, style="bold"),
        title_justify="left",
        expand=True,
        box=None,
        padding=(0, 1),
        show_edge=False,
    )
    table.add_column(Text(name), ratio=1, no_wrap=True, overflow="ellipsis")
    table.add_column(Text(count), justify="right", no_wrap=True)
    table.add_column(Text(t("analytics.col.revenue")), justify="right", no_wrap=True)
    return table


def staff_table(report: AnalyticsReport) -> Table:
    table = _table(
        t("analytics.table.by_staff"), t("analytics.col.staff"), t("analytics.col.visits")
    )
    for s in report.by_staff[:MAX_ROWS]:
        table.add_row(
            literal(s.name or t("analytics.unnamed", id=s.staff_id), single_line=True),
            format_int(s.visits),
            format_money(s.revenue),
        )
    _more(table, len(report.by_staff))
    return table


def service_table(report: AnalyticsReport) -> Table:
    table = _table(
        t("analytics.table.by_service"), t("analytics.col.service"), t("analytics.col.lines")
    )
    for s in report.by_service[:MAX_ROWS]:
        table.add_row(
            literal(s.title or t("analytics.unnamed", id=s.service_id), single_line=True),
            format_int(s.lines),
            format_money(s.revenue),
        )
    _more(table, len(report.by_service))
    return table


def _more(table: Table, total: int) -> None:
    if total > MAX_ROWS:
        table.add_row(Text(t("analytics.chart.more", count=total - MAX_ROWS), style="dim"))


class AnalyticsTables(Horizontal):
    """Side by side: each half is 40 columns at 80, enough for a name and two numbers."""

    DEFAULT_CSS = """
    AnalyticsTables { height: auto; margin-top: 1; }
    AnalyticsTables > Static { width: 1fr; height: auto; padding: 0 1; }
    """

    def compose(self) -> ComposeResult:
        yield Static("", id="analytics-by-staff", markup=False)
        yield Static("", id="analytics-by-service", markup=False)

    def show(self, report: AnalyticsReport) -> None:
        self.query_one("#analytics-by-staff", Static).update(staff_table(report))
        self.query_one("#analytics-by-service", Static).update(service_table(report))
