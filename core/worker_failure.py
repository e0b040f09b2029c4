"""Worker failures reach the App's one handler (tui/worker_failures.py).

Textual tells only the widget that ran a worker that the worker ended (Worker.StateChanged does
not bubble). A widget or screen that runs workers mixes in `ReportsWorkerFailures`: a worker of
its that raised goes to the App as `WorkerFailed`, and the App logs it, tells the user and calls
the widget's `worker_failed` to undo what the worker held.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message
from textual.message_pump import MessagePump
from textual.worker import Worker, WorkerState


@dataclass
class WorkerFailed(Message):
    worker: Worker[Any]


class ReportsWorkerFailures(MessagePump):
    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self.app.post_message(WorkerFailed(event.worker))

    def worker_failed(self, worker: Worker[Any]) -> None:
        """Undo the state `worker` held (busy flags, "loading…" marks); the App says the rest."""
