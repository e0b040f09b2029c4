"""A dropped terminal ends the app within 2 s, from any state.

Over SSH a dropped connection hangs up the terminal: the kernel sends SIGHUP, reads return EIO,
writes fail. Textual 8 did not survive the last one. Its output goes through a writer thread
fed by a queue of 30 writes; the first write to the dead terminal raised in that thread and
ended it, the queue filled with the frames still being painted (more of them while the focus
moved about, as after `m` in a conversation), and the next write blocked the event loop for
good: the exit requested by the SIGHUP handler was never processed, the process lived on with
its connections. Hence:

- `HangUpSafeDriver`: Textual's Linux driver whose output swallows the error of a terminal that
  is gone (nothing can be shown on it anyway) and reports the loss, and whose input thread
  reports EIO as a hang-up instead of a crash;
- `HangUp`: the one way out. SIGHUP, a lost output, a lost input or the terminal's POLLHUP
  (for an app whose terminal is not its controlling one: no SIGHUP) trigger it, from any
  thread; it asks the App to exit (129, as a shell reports SIGHUP) and starts a deadline: if the
  clean exit has not finished within FORCE_AFTER seconds, whatever it waits on, the process
  ends with os._exit. A draft typed in the composer is dropped; commands already queued are in
  the outbox file, written before the send returned.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import select
import signal
import sys
import threading
from typing import IO, TYPE_CHECKING, Any

from textual.drivers.linux_driver import LinuxDriver

if TYPE_CHECKING:
    from textual.app import App

log = logging.getLogger(__name__)

EXIT_CODE = 128 + signal.SIGHUP
FORCE_AFTER = 0.8  # seconds the clean exit may take (0.6 s on a quiet machine) before it is forced


class HangUp:
    """Ends the app once the terminal is gone; safe to trigger from any thread or signal."""

    def __init__(self, app: App[Any]) -> None:
        self._hung_app = app
        self._app_loop: asyncio.AbstractEventLoop | None = None
        self._guard = threading.Lock()
        self.triggered = False

    def install(self) -> None:
        """From the App's loop (on_mount): catch SIGHUP."""
        self._app_loop = asyncio.get_running_loop()
        with contextlib.suppress(ValueError, OSError):
            # A plain handler, not loop.add_signal_handler: it also runs while the loop is
            # stuck in a blocking call, which is when the deadline matters most.
            signal.signal(signal.SIGHUP, lambda signum, frame: self.trigger("SIGHUP"))

    def trigger(self, why: str) -> None:
        with self._guard:
            if self.triggered:
                return
            self.triggered = True
        log.info("terminal hung up (%s): exiting", why)
        deadline = threading.Timer(FORCE_AFTER, _force_exit)
        deadline.daemon = True
        deadline.start()
        loop = self._app_loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._hung_app.exit, EXIT_CODE)


def _force_exit() -> None:
    log.warning("the clean exit stalled %.1f s after a hang-up: ending the process", FORCE_AFTER)
    for handler in logging.getLogger().handlers:
        with contextlib.suppress(Exception):
            handler.flush()
    os._exit(EXIT_CODE)


class _TerminalOut:
    """The terminal's output for Textual's writer thread: a write that fails means hang-up."""

    def __init__(self, file: IO[str], lost: Any) -> None:
        self._out = file
        self._lost = lost
        self._gone = False

    def write(self, text: str) -> int:
        if self._gone:
            return len(text)
        try:
            return self._out.write(text)
        except (OSError, ValueError):
            self._gone_now()
            return len(text)

    def flush(self) -> None:
        if self._gone:
            return
        try:
            self._out.flush()
        except (OSError, ValueError):
            self._gone_now()

    def _gone_now(self) -> None:
        self._gone = True
        self._lost("terminal output failed")

    def fileno(self) -> int:
        return self._out.fileno()

    def isatty(self) -> bool:
        return True


class HangUpSafeDriver(LinuxDriver):
    def __init__(self, app: App[Any], *args: Any, **kwargs: Any) -> None:
        super().__init__(app, *args, **kwargs)
        hang_up: HangUp | None = getattr(app, "hang_up", None)
        self._hang_up = hang_up
        # The one private write left: LinuxDriver takes no output stream of its own, and its
        # writer thread dies on the first failed write and then blocks the loop. Replacing the
        # stream it writes to is the only way to turn a dead terminal into a clean exit.
        self._file = _TerminalOut(self._file or sys.__stderr__, self._lost)  # type: ignore[arg-type,assignment]
        self._watching = False

    def _lost(self, why: str) -> None:
        if self._hang_up is not None:
            self._hang_up.trigger(why)

    def run_input_thread(self) -> None:
        self._watch_for_hang_up()
        try:
            super().run_input_thread()
        except OSError:
            # EIO: the terminal is gone. Textual would report a crash (and exit 1).
            self._lost("terminal input failed")

    def _watch_for_hang_up(self) -> None:
        """A thread that sleeps until the terminal hangs up, and then says so.

        SIGHUP reaches only a terminal's controlling process. An app that runs on a terminal
        that is not its controlling one (started with setsid, by a supervisor, or under a
        wrapper that passes the terminal on) gets no signal when the other side closes: its
        reads return end-of-file, which Textual's input loop takes for an empty pipe and reads
        again at full speed, and an idle app writes nothing that could fail. The process lived
        on for hours at a third of a core. The kernel marks a hung-up terminal with POLLHUP,
        which poll() reports even when no event is asked for: this waits for that alone and
        wakes for nothing else, not for keys.
        """
        if self._watching:
            return
        self._watching = True
        fd = self.fileno

        def watch() -> None:
            poller = select.poll()
            poller.register(fd, 0)
            while True:
                try:
                    events = poller.poll()
                except OSError:
                    return
                if any(mask & (select.POLLHUP | select.POLLERR) for _, mask in events):
                    self._lost("terminal hung up")
                    return
                if any(mask & select.POLLNVAL for _, mask in events):
                    return  # the descriptor was closed: the app is ending anyway

        threading.Thread(target=watch, name="hang-up watch", daemon=True).start()
