"""Every action with its key, from the one registry (remapped keys included), and what the
marks of the status bar and of the command history mean."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from core.actions import ACTIONS, ActionSpec, key_display
from core.i18n import t
from services.feeds import FeedState
from widgets.status_bar import OUTBOX_SYMBOL, SYMBOL


def key_label(spec: ActionSpec, keymap: dict[str, str]) -> str:
    keys = keymap.get(spec.id, spec.key)
    return ", ".join(key_display(k.strip()) for k in keys.split(","))


def legend() -> list[tuple[str, str, str]]:
    """(mark, meaning, where it shows) for every mark that stands in for a word."""
    rows = [
        (SYMBOL[state], t(f"help.legend.{state.value}"), t("help.where.status"))
        for state in (
            FeedState.live,
            FeedState.connecting,
            FeedState.reconnecting,
            FeedState.polling,
            FeedState.stopped,
        )
    ]
    rows.append((OUTBOX_SYMBOL, t("help.legend.outbox"), t("help.where.status")))
    for status in ("pending", "processing", "done", "failed"):
        rows.append(
            (
                t(f"commands.mark.{status}"),
                t(f"commands.status.{status}"),
                t("help.where.history"),
            )
        )
    return rows


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    #help-box { width: 90%; height: 90%; border: round $primary; padding: 0 1; }
    #help-title { text-style: bold; }
    """
    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "help.close", show=False)]

    def __init__(self, keymap: dict[str, str], hidden: set[str] | None = None) -> None:
        super().__init__()
        self.keymap = keymap
        self.hidden = hidden or set()

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            yield Static(t("help.title"), id="help-title", markup=False)
            table: DataTable[Text] = DataTable(cursor_type="row", zebra_stripes=True)
            # Text: a str label is parsed as Rich markup (widgets/command_history.py).
            table.add_columns(Text(t("help.key")), Text(t("help.action")), Text(t("help.where")))
            for spec in ACTIONS:
                if spec.id in self.hidden:
                    continue
                table.add_row(
                    Text(key_label(spec, self.keymap), style="bold"),
                    Text(t(spec.label)),
                    Text(t("scope." + spec.scope)),
                    key=spec.id,
                )
            for mark, meaning, where in legend():
                table.add_row(Text(mark, style="bold"), Text(meaning), Text(where))
            yield table
            yield Static(t("help.close"), markup=False)

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
