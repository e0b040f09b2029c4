"""The Audit view (admins): who did what and when in the salon, newest first, a page at a time.

`f` cycles the kind (everything, logins, lockouts, account changes, commands, pauses), `o`
goes to the next older page, `g` back to the newest. Rows come from `AuditView`, which keeps
to the admin's own salon and refuses any other role.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Static
from textual.worker import Worker

from core.actions import bindings
from core.context import AppContext, context_of
from core.i18n import t
from core.worker_failure import ReportsWorkerFailures
from services.audit_view import KINDS, PAGE_SIZE, AuditEntry
from services.errors import ServiceError
from services.keyset import Cursor
from widgets.command_form import fill_literal
from widgets.footer import LocalizedFooter
from widgets.literal import literal
from widgets.timefmt import short_time

KIND_ORDER: tuple[str | None, ...] = (None, *KINDS)


def what(action: str) -> Text:
    label = t(f"audit.what.{action}")
    return literal(action, single_line=True) if label == f"audit.what.{action}" else Text(label)


class AuditScreen(ReportsWorkerFailures, Screen[None]):
    SCOPE = "audit"
    BINDINGS = bindings("audit")
    DEFAULT_CSS = """
    AuditScreen #audit-header { height: 1; padding: 0 1; background: $panel; text-style: bold; }
    AuditScreen #audit-table { height: 1fr; }
    AuditScreen #audit-info { height: auto; padding: 0 1; color: $text-muted; }
    """

    @dataclass
    class Loaded(Message):
        entries: list[AuditEntry]
        people: dict[str, str]
        page: int
        pages: list[Cursor | None]

    @dataclass
    class Failed(Message):
        reason: str

    def __init__(self, page_size: int = PAGE_SIZE) -> None:
        super().__init__()
        self.page_size = page_size
        self.kind: str | None = None
        self.entries: list[AuditEntry] = []
        # The cursor each page starts after (None: the newest page).
        self.pages: list[Cursor | None] = [None]
        self.page = 0
        self.loaded = False

    @property
    def ctx(self) -> AppContext:
        return context_of(self.app)

    def compose(self) -> ComposeResult:
        session = self.ctx.session
        tenant = session.tenant_name if session else ""
        yield Static(
            fill_literal(t("audit.title"), tenant=literal(tenant, single_line=True)),
            id="audit-header",
        )
        table: DataTable[Text] = DataTable(cursor_type="row", zebra_stripes=True, id="audit-table")
        table.add_columns(
            t("audit.col.at"), t("audit.col.who"), t("audit.col.what"), t("audit.col.detail")
        )
        yield table
        yield Static(t("audit.loading"), id="audit-info", markup=False)
        yield LocalizedFooter()

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        self._load(self.kind, 0, list(self.pages))

    @work(exclusive=True, group="audit-load", exit_on_error=False)
    async def _load(self, kind: str | None, page: int, pages: list[Cursor | None]) -> None:
        services = self.ctx.require_services()
        try:
            entries = await services.audit.page(kind=kind, before=pages[page], limit=self.page_size)
            people = {str(m.user.id): m.user.email for m in await services.users.staff()}
        except ServiceError as exc:
            self.post_message(self.Failed(str(exc)))
            return
        self.post_message(self.Loaded(entries, people, page, pages))

    def on_audit_screen_loaded(self, message: Loaded) -> None:
        self.entries, self.page, self.pages = message.entries, message.page, message.pages
        if len(self.entries) == self.page_size and len(self.pages) == self.page + 1:
            last = self.entries[-1]
            self.pages.append(Cursor(last.created_at, str(last.id)))
        table = self.query_one(DataTable)
        table.clear()
        session = self.ctx.session
        zone = session.tenant_timezone if session else "UTC"
        now = self.ctx.clock()
        for entry in self.entries:
            table.add_row(*self._cells(entry, message.people, zone, now), key=str(entry.id))
        info = t("audit.showing", kind=t(f"audit.kind.{self.kind or 'all'}"), page=self.page + 1)
        if not self.entries:
            info = f"{t('audit.empty')} {info}"
        self.query_one("#audit-info", Static).update(info)
        self.loaded = True

    def _cells(
        self, entry: AuditEntry, people: dict[str, str], zone: str, now: datetime
    ) -> list[Text]:
        actor = people.get(str(entry.user_id)) if entry.user_id else None
        # Account changes name their target in `email`; a login names its own account there.
        target = entry.email if entry.action.startswith("user.") else None
        who = actor or (None if target else entry.email) or ""
        detail = Text()
        if target:
            detail.append_text(literal(target, single_line=True, limit=40))
        role = entry.detail.get("role")
        if isinstance(role, str) and role in ("viewer", "operator", "admin"):
            detail.append(" → " + t(f"role.{role}"))
        command = entry.detail.get("command_id")
        if isinstance(command, str) and command.isdigit():
            detail.append(f"#{command}")
        return [
            Text(short_time(entry.created_at, zone, now)),
            literal(who, single_line=True, limit=40),
            what(entry.action),
            detail,
        ]

    def worker_failed(self, worker: Worker[Any]) -> None:
        # tui/worker_failures.py: not "Loading…" for ever; f, o and g ask again.
        if worker.group == "audit-load":
            failed = t("worker.failed", what=t("worker.what.audit"))
            self.query_one("#audit-info", Static).update(failed)

    def on_audit_screen_failed(self, message: Failed) -> None:
        self.query_one("#audit-info", Static).update(literal(message.reason))
        self.notify(message.reason, severity="error", markup=False)

    def action_cycle_kind(self) -> None:
        index = KIND_ORDER.index(self.kind)
        self.kind = KIND_ORDER[(index + 1) % len(KIND_ORDER)]
        self.pages = [None]
        self._load(self.kind, 0, [None])

    def action_older(self) -> None:
        if self.page + 1 < len(self.pages):
            self._load(self.kind, self.page + 1, list(self.pages))
        else:
            self.notify(t("audit.last_page"), markup=False)

    def action_newest(self) -> None:
        self._load(self.kind, 0, list(self.pages))

    def action_close(self) -> None:
        self.app.pop_screen()
