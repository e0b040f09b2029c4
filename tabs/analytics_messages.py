"""The analytics tab's phases, and the messages its workers post to it (tabs/analytics_tab.py).

Every message carries the run it belongs to: a replaced or cancelled run's late message is
dropped by the tab instead of overwriting what a newer run shows.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from textual.message import Message

from services.bot_analytics import BotReport

if TYPE_CHECKING:  # the YClients side loads with the tab's first load (tabs/analytics_tab.py)
    from services.tenant_yclients import Figures, NotConfigured, TenantYClients


class Phase(StrEnum):
    idle = "idle"
    checking = "checking"
    syncing = "syncing"
    ready = "ready"
    cancelled = "cancelled"
    failed = "failed"
    not_configured = "not_configured"


class _Run(Message):
    def __init__(self, run: int) -> None:
        super().__init__()
        self.run = run


class ConfigChecked(_Run):
    def __init__(self, run: int, result: TenantYClients | NotConfigured) -> None:
        super().__init__(run)
        self.result = result


class FiguresReady(_Run):
    def __init__(self, run: int, figures: Figures, *, from_cache: bool) -> None:
        super().__init__(run)
        self.figures = figures
        self.from_cache = from_cache


class SyncProgress(_Run):
    def __init__(self, run: int, done: int, total: int) -> None:
        super().__init__(run)
        self.done = done
        self.total = total


class LoadFailed(_Run):
    def __init__(self, run: int, kind: str, reason: str) -> None:
        super().__init__(run)
        self.kind = kind
        self.reason = reason


class BotReady(_Run):
    def __init__(self, run: int, report: BotReport, *, yclients: bool) -> None:
        super().__init__(run)
        self.report = report
        self.yclients = yclients


class BotFailed(_Run):
    def __init__(self, run: int, reason: str) -> None:
        super().__init__(run)
        self.reason = reason


class Exported(Message):
    def __init__(
        self, path: Path | None, reason: str = "", size: int = 0, text: str | None = None
    ) -> None:
        super().__init__()
        self.path = path
        self.reason = reason
        self.size = size
        # The CSV itself when it fits the clipboard; None otherwise.
        self.text = text
