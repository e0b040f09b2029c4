"""The analytics tab's CSV export: written off the UI loop, then told to the tab as a message.

Over SSH the file is on the server, in the service account's folder staff cannot open, so a
table that fits also travels in the message, for the staff member's clipboard (OSC 52).
"""

from __future__ import annotations

import asyncio
from functools import partial
from pathlib import Path

from core.i18n import language
from services.tenant_yclients import Figures, export_csv
from tabs.analytics_messages import Exported
from widgets.error_text import failure_text

# What OSC 52 carries safely: terminals and tmux cap the sequence (xterm and hterm near 100 kB
# of base64), and a cut-off paste is worse than none.
CLIPBOARD_LIMIT = 64 * 1024


async def export_figures(figures: Figures, directory: Path) -> Exported:
    """The CSV written under `directory`; the message names it, or says why it failed."""
    try:
        path = await asyncio.to_thread(
            partial(export_csv, spreadsheet_locale=language()),
            figures.report,
            directory,
            figures.company_id,
        )
        data = await asyncio.to_thread(path.read_bytes)
    except OSError as exc:
        return Exported(None, failure_text(exc))
    text = data.decode("utf-8-sig") if len(data) <= CLIPBOARD_LIMIT else None
    return Exported(path, size=len(data), text=text)
