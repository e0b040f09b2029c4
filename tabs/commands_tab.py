"""The commands tab: the composer on the left, the tenant's command history on the right.

Sending: client-side validation (the registry's own rules, shown on the field), a confirmation,
then `enqueue` in a worker. The form is cleared only once the command is the backend's or safely
in the local outbox; any other failure keeps what was typed. Workers call services and post
messages; the handlers below are the only code that touches widgets.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.widgets import DataTable
from textual.worker import Worker

from core.actions import bindings, write_actions
from core.deferred import deferred
from core.i18n import t
from core.messages import OutboxChanged
from modals.confirm import ConfirmScreen
from services.commands.registry import CommandValidationError, text_limits, validate_command
from services.dashboard import DashboardServices, PresenceWatch
from services.errors import NotFound, PermissionDenied, ServiceError
from services.feed_types import FeedBatch
from services.keyset import Cursor
from services.models import BotCommand
from services.presence import Viewer
from services.user_session import Permission
from tabs.commands_messages import (
    CommandFailed,
    CommandRefused,
    CommandSent,
    ComposerViewers,
    NamesResolved,
    OlderFailed,
    OlderLoaded,
)
from tabs.tab_view import TabView
from widgets.command_form import CommandForm, Draft, explain, fill_literal
from widgets.command_history import CommandHistory
from widgets.error_text import failure_text
from widgets.timefmt import clock_time

PAGE_SIZE = 100
# The commands feed's first batch is its newest window: a shorter one holds every command.
FEED_WINDOW: int = inspect.signature(DashboardServices.watch_commands).parameters["window"].default
# Names are looked up one conversation at a time; a first screenful is plenty per batch.
NAMES_PER_BATCH = 60

log = logging.getLogger(__name__)


class CommandsTab(TabView):
    SCOPE = "commands"
    BINDINGS = bindings("commands")
    DEFAULT_CSS = """
    CommandsTab { layout: horizontal; height: 1fr; }
    CommandsTab CommandForm {
        width: 40%; min-width: 34; max-width: 64; padding: 0 1;
        border-right: vkey $panel-lighten-2;
    }
    CommandsTab CommandHistory { width: 1fr; padding-left: 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._asked_names: set[str] = set()
        # The conversation the composer was started from, while a message to it is drafted.
        self._presence: PresenceWatch | None = None
        self._presence_for: str | None = None

    def compose(self) -> ComposeResult:
        yield CommandForm(text_limits(), id="composer")
        yield CommandHistory(id="history")

    def on_mount(self) -> None:
        # One cache of client names for both halves: the prefill teaches the history too.
        self.form.client_names = self.history.client_names
        self.refresh_permissions()

    @property
    def form(self) -> CommandForm:
        return self.query_one(CommandForm)

    @property
    def history(self) -> CommandHistory:
        return self.query_one(CommandHistory)

    # -- what the main screen calls -----------------------------------------------------------
    def focus_main(self) -> None:
        self.history.table.focus()

    def refresh_permissions(self) -> None:
        reason = self._disabled_reason()
        self.form.set_enabled(reason)
        if reason is not None and self.form.has_focus_within:
            self.focus_main()
        super().refresh_permissions()

    def apply_batch(self, batch: FeedBatch[BotCommand]) -> None:
        history = self.history
        session = self.ctx.session
        history.timezone = session.tenant_timezone if session else "UTC"
        history.now = self.ctx.clock()
        history.apply(batch.upserts, batch.deletes)
        if batch.initial:
            history.set_paging("more" if len(batch.upserts) >= FEED_WINDOW else "end")
        self._resolve_unknown_names()
        self.refresh_bindings()

    def start_message(
        self, client_id: str, client_name: str | None, session_id: str | None
    ) -> Callable[[], None] | None:
        """Prefill a message; returns where the focus lands (the main screen applies it)."""
        self.form.prefill(client_id, client_name, session_id)
        self._follow_presence(session_id)
        if self.ctx.can_write():
            return self.form.focus_first
        self.notify(self._disabled_reason() or "", severity="warning", markup=False)
        return None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in write_actions() and not self.ctx.can_write():
            return False
        if action == "resend":
            selected = self.history.selected()
            return True if selected is not None and selected.status == "failed" else None
        return True

    def _disabled_reason(self) -> str | None:
        ctx = self.ctx
        if ctx.read_only:
            return t("commands.disabled.read_only")
        session = ctx.session
        if session is not None and not session.can(Permission.send_commands):
            return t("commands.disabled.viewer", role=t("role." + session.role.value))
        return None

    # -- actions -------------------------------------------------------------------------------
    def action_new_command(self) -> None:
        # Nothing typed is thrown away: `n` only brings the composer's first field into focus.
        self.form.focus_type()

    def action_send(self) -> None:
        form = self.form
        if not self.ctx.can_write():
            self.notify(self._disabled_reason() or "", severity="warning", markup=False)
            return
        if form.busy:
            return
        draft = form.draft()
        form.clear_errors()
        try:
            validate_command(draft.command_type, draft.payload())
        except CommandValidationError as exc:
            form.show_error(exc.field, self._explain(exc, draft))
            return

        def answered(yes: bool | None) -> None:
            if yes:
                form.set_busy(True)
                self._send(draft)

        self.app.push_screen(ConfirmScreen(self._warned(form.question(draft))), answered)

    def _warned(self, question: Text) -> Text:
        """The question, after a warning when the bot is not taking commands: the operator
        decides knowing the command will wait (a client may need a call instead)."""
        health = self.ctx.bot_health
        if health is None or health.taking_commands or health.since is None:
            return question
        session = self.ctx.session
        since = clock_time(health.since, session.tenant_timezone if session else "UTC")
        warning = Text(t("commands.confirm.bot_stalled", time=since), style="bold red")
        return Text("\n\n").join([warning, question])

    def action_resend(self) -> None:
        command = self.history.selected()
        if command is None:
            self.notify(t("commands.resend.none"), markup=False)
            return
        if command.status != "failed":
            self.notify(t("commands.resend.not_failed"), markup=False)
            return
        question = fill_literal(
            t("commands.confirm.resend"),
            id=Text(str(command.id)),
            type=self.history.type_text(command),
            target=self.history.target_text(command),
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self._resend(command.id)

        self.app.push_screen(ConfirmScreen(self._warned(question)), answered)

    def _explain(self, error: CommandValidationError, draft: Draft) -> str:
        return explain(error.field, error.message, draft.value(error.field), self.form.limits)

    # -- presence of the conversation being answered -------------------------------------------
    def _follow_presence(self, session_id: str | None) -> None:
        self._presence_for = session_id
        self.form.show_viewers([])
        self._leave_presence()
        if session_id:
            self._watch_presence(session_id)

    def _leave_presence(self) -> None:
        watch, self._presence = self._presence, None
        services = self.ctx.services
        if watch is not None and services is not None:
            # On the App: the leave must go out even if this tab is gone meanwhile.
            self.app.run_worker(
                deferred(services.stop_presence, watch),
                group="composer-presence-stop",
                exit_on_error=False,
            )

    def on_unmount(self) -> None:
        self._presence_for = None
        self._leave_presence()

    def on_composer_viewers(self, message: ComposerViewers) -> None:
        if message.session_id == self._presence_for:
            self.form.show_viewers([viewer.name for viewer in message.viewers])

    # -- workers (services only; results go out as messages) -----------------------------------
    @work(exclusive=True, group="composer-presence", exit_on_error=False)
    async def _watch_presence(self, session_id: str) -> None:
        services = self.ctx.require_services()

        def changed(viewers: list[Viewer]) -> None:
            self.post_message(ComposerViewers(session_id, viewers))

        try:
            watch = await services.watch_presence(session_id, changed)
        except ServiceError:
            return  # who else looks is a nicety; the message can still be written
        self._presence = watch
        if self._presence_for != session_id or not self.is_attached:
            self._leave_presence()  # the composer moved on while this joined

    @work(exclusive=True, group="commands-send", exit_on_error=False)
    async def _send(self, draft: Draft) -> None:
        services = self.ctx.require_services()
        try:
            result = await services.commands.enqueue(draft.command_type, draft.payload())
            waiting = await services.commands.waiting()
        except CommandValidationError as exc:
            self.post_message(CommandRefused(exc.field, self._explain(exc, draft)))
        except NotFound as exc:
            field = "client_id" if "client" in str(exc) else "session_id"
            self.post_message(CommandRefused(field, t(f"commands.refused.{field[:-3]}")))
        except PermissionDenied as exc:
            self.post_message(
                CommandRefused("", t("commands.refused.permission", reason=failure_text(exc)))
            )
        except ServiceError as exc:
            self.post_message(CommandFailed(failure_text(exc)))
        except Exception:
            # Whatever failed, the form must leave "Sending…": the busy state ends here. The
            # user reads plain words; the exception's name and text are for the log file.
            log.exception("queueing a command failed")
            self.post_message(CommandFailed(t("worker.reason")))
        else:
            self.post_message(OutboxChanged(waiting))
            self.post_message(CommandSent(result, draft, waiting))

    @work(exclusive=True, group="commands-resend", exit_on_error=False)
    async def _resend(self, command_id: int) -> None:
        services = self.ctx.require_services()
        try:
            result = await services.commands.resend(command_id)
            waiting = await services.commands.waiting()
        except (CommandValidationError, NotFound, PermissionDenied) as exc:
            self.post_message(CommandRefused("", t("commands.refused", reason=failure_text(exc))))
        except ServiceError as exc:
            self.post_message(CommandFailed(failure_text(exc)))
        else:
            self.post_message(OutboxChanged(waiting))
            self.post_message(CommandSent(result, None, waiting))

    @work(exclusive=True, group="commands-older", exit_on_error=False)
    async def _load_older(self, before: Cursor) -> None:
        services = self.ctx.require_services()
        try:
            commands = await services.commands.history(limit=PAGE_SIZE, before=before)
        except ServiceError as exc:
            self.post_message(OlderFailed(failure_text(exc)))
            return
        self.post_message(OlderLoaded(commands, len(commands) < PAGE_SIZE))

    @work(group="commands-names", exit_on_error=False)
    async def _resolve_names(self, clients: list[str], sessions: list[str]) -> None:
        services = self.ctx.require_services()
        try:
            names, owners = await services.conversations.names(clients, sessions)
        except ServiceError:
            # Names are a nicety: the history shows ids until the next batch asks again.
            self._asked_names.difference_update(clients, sessions)
            return
        if names or owners:
            self.post_message(NamesResolved(names, owners))

    def _resolve_unknown_names(self) -> None:
        clients, sessions = self.history.unknown_references()
        clients = [c for c in clients if c not in self._asked_names][:NAMES_PER_BATCH]
        sessions = [s for s in sessions if s not in self._asked_names][:NAMES_PER_BATCH]
        if clients or sessions:
            self._asked_names.update(clients, sessions)
            self._resolve_names(clients, sessions)

    def worker_failed(self, worker: Worker[Any]) -> None:
        # tui/worker_failures.py: undo what the worker held; what was typed stays.
        if worker.group in {"commands-send", "commands-resend"}:
            self.form.set_busy(False)
        elif worker.group == "commands-older":
            self.history.set_paging("more")
        elif worker.group == "commands-names":
            self._asked_names.clear()  # asked again with the next batch

    # -- handlers ------------------------------------------------------------------------------
    def on_command_sent(self, message: CommandSent) -> None:
        form = self.form
        result = message.result
        if message.draft is not None:
            form.set_busy(False)
            # Typed on while it was sending? Then that is new work: keep it.
            if form.draft() == message.draft:
                form.clear()
                self._follow_presence(None)
        if result.command is not None:
            self.history.now = self.ctx.clock()
            self.history.apply([result.command])
        if result.queued_locally:
            self.notify(t("commands.queued_locally"), severity="warning", markup=False, timeout=10)
        elif message.draft is None:
            self.notify(
                t("commands.resent", id=result.command.id if result.command else ""), markup=False
            )
        else:
            self.notify(
                t("commands.sent", id=result.command.id if result.command else ""), markup=False
            )
        self.refresh_bindings()

    def on_command_refused(self, message: CommandRefused) -> None:
        self.form.set_busy(False)
        if message.field:
            self.form.show_error(message.field, message.reason)
        self.notify(message.reason, severity="error", markup=False)

    def on_command_failed(self, message: CommandFailed) -> None:
        self.form.set_busy(False)
        self.notify(
            t("commands.failed_to_send", reason=message.reason), severity="error", markup=False
        )

    def on_older_loaded(self, message: OlderLoaded) -> None:
        self.history.apply(message.commands)
        self.history.set_paging("end" if message.complete else "more")
        self._resolve_unknown_names()

    def on_older_failed(self, message: OlderFailed) -> None:
        self.history.set_paging("more")
        self.notify(
            t("commands.history.load_failed", reason=message.reason), severity="error", markup=False
        )

    def on_names_resolved(self, message: NamesResolved) -> None:
        self.history.learn_names(message.clients, message.sessions)

    @on(DataTable.RowHighlighted, "#history-table")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.refresh_bindings()
        history = self.history
        at_end = event.cursor_row >= history.table.row_count - 1
        if at_end and history.paging == "more":
            self._page_older()

    def _page_older(self) -> None:
        oldest = self.history.oldest()
        if oldest is None:
            return
        self.history.set_paging("loading")
        self._load_older(Cursor(oldest.created_at, str(oldest.id)))
