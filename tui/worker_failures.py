"""One handler for every worker that fails.

The app's workers run with exit_on_error=False: an error they do not catch themselves (a bug, a
library raising something unexpected) must not end the app, and before this handler it ended
nothing and showed nothing, leaving whatever the worker held in its state ("loading older…"
for ever, a form disabled on "Sending…"). Textual reports each worker's end with a
Worker.StateChanged message to the worker's node; an ERROR comes here:

- the traceback goes to the log file (tui/logs.py, secrets masked), never to the screen;
- the node that ran the worker resets what the worker held, through its `worker_failed`
  (widgets and screens report their workers' failures with core/worker_failure.py, since
  Textual tells only them);
- the user is told what failed, in plain words (its group names it); for the checks that
  repeat on their own (the bot's health every 15 s, the hand-off alerts, the outbox), once in
  QUIET_SECONDS, so a bug that fails each run does not bury the screen in notifications.
"""

from __future__ import annotations

import contextlib
import logging
import time
import weakref
from typing import Any, Protocol, runtime_checkable

from textual.app import App
from textual.worker import Worker

from core.i18n import t

log = logging.getLogger(__name__)

# A worker's group → what a person would call the thing that failed (worker.what.* texts).
FAMILIES = {
    "backend": "backend",
    "login": "login",
    "unlock": "unlock",
    "logout": "logout",
    "feeds": "feeds",
    "outbox": "outbox",
    "wishlist": "wishlist",
    "wishlist-entry": "thread",  # the entry's conversation
    "sessions": "sessions",
    "commands": "commands",
    "thread": "thread",
    "analytics": "analytics",
    "analytics-export": "export",
    "staff": "staff",
    "audit": "audit",
    "own": "own",
    "alerts": "alerts",
    "needs-staff": "alerts",
    "bot-health": "bot",
    "composer": "presence",
}


# Families whose workers run again by themselves, not at the user's asking.
REPEATING = frozenset({"alerts", "bot", "outbox"})
QUIET_SECONDS = 300.0
_last_told: weakref.WeakKeyDictionary[App[Any], dict[str, float]] = weakref.WeakKeyDictionary()


@runtime_checkable
class ResetsAfterFailure(Protocol):
    def worker_failed(self, worker: Worker[Any]) -> None:
        """Undo the state `worker` held (busy flags, "loading…" marks); say nothing."""


def family(group: str) -> str:
    head = group.split("-")[0]
    return FAMILIES.get(group) or FAMILIES.get(head) or "other"


def handle(app: App[Any], worker: Worker[Any]) -> None:
    """Deal with a worker that raised."""
    error = worker.error
    exc_info = (type(error), error, error.__traceback__) if error is not None else None
    log.error("worker %r (group %r) failed", worker.name, worker.group, exc_info=exc_info)
    node = worker.node
    if isinstance(node, ResetsAfterFailure):
        try:
            node.worker_failed(worker)
        except Exception:
            log.exception("resetting after worker %r failed", worker.name)
    name = family(worker.group)
    if name in REPEATING:
        told = _last_told.setdefault(app, {})
        now = time.monotonic()
        if now - told.get(name, -QUIET_SECONDS) < QUIET_SECONDS:
            return
        told[name] = now
    with contextlib.suppress(Exception):
        what = t(f"worker.what.{name}")
        app.notify(t("worker.failed", what=what), severity="error", markup=False, timeout=10)
