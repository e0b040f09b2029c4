"""The live wishlist tab (first version: rows by key; the full tab replaces it)."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.widgets import DataTable

from screens.tab_view import TabView
from services.feeds import FeedBatch
from services.models import WishlistEntry
from tui.actions import bindings
from widgets.literal import literal


class WishlistTab(TabView):
    SCOPE = "wishlist"
    BINDINGS = bindings("wishlist")

    def compose(self) -> ComposeResult:
        table: DataTable[Any] = DataTable(cursor_type="row", id="wishlist-table")
        table.add_columns("client", "service")
        yield table

    def apply_batch(self, batch: FeedBatch[WishlistEntry]) -> None:
        table = self.query_one(DataTable)
        for entry in batch.upserts:
            if entry.key not in table.rows:
                table.add_row(
                    literal(entry.client_name, single_line=True),
                    literal(entry.service_title, single_line=True),
                    key=entry.key,
                )

    def focus_main(self) -> None:
        self.query_one(DataTable).focus()
