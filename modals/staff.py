"""The Staff screen (admins): the salon's accounts, and adding, (de)activating, roles, resets.

Every change goes through `UserAdmin` bound to the admin's session, which enforces the rules
(own salon only, the last active admin stays, an audit row each); this screen only asks, shows
the answer in the user's language and reloads the list. Service calls run in workers that post
messages back; a generated password is shown once and kept nowhere.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Static
from textual.worker import Worker

from core.actions import admin_actions, bindings
from core.context import AppContext, context_of
from core.i18n import t
from core.worker_failure import ReportsWorkerFailures
from modals.change_password import password_error
from modals.confirm import ConfirmScreen
from modals.password_shown import PasswordShownScreen
from modals.staff_add import NewStaff, StaffAddScreen
from modals.staff_role import StaffRoleScreen
from services.errors import ServiceError
from services.passwords import PasswordPolicyError
from services.user_admin import LastAdminError, StaffMember, UserAdminError
from widgets.command_form import fill_literal
from widgets.footer import LocalizedFooter
from widgets.literal import literal
from widgets.timefmt import clock_time, short_time

EMAIL_CHARS = 22
NAME_CHARS = 12


def staff_error(exc: Exception) -> str:
    """A refusal of the service in the user's language."""
    if isinstance(exc, LastAdminError):
        return t("staff.error.last_admin")
    if isinstance(exc, PasswordPolicyError):
        return password_error(exc)
    text = str(exc)
    if isinstance(exc, UserAdminError):
        if "your own account" in text:
            return t("staff.error.self")
        if "already exists" in text:
            return t("staff.error.exists")
        if "not an email address" in text:
            return t("staff.error.email")
    return t("staff.error.other", reason=text)


class StaffScreen(ReportsWorkerFailures, Screen[None]):
    SCOPE = "staff"
    BINDINGS = bindings("staff")
    DEFAULT_CSS = """
    StaffScreen #staff-header { height: 1; padding: 0 1; background: $panel; text-style: bold; }
    StaffScreen #staff-table { height: 1fr; }
    StaffScreen #staff-info { height: auto; padding: 0 1; color: $text-muted; }
    """

    @dataclass
    class Loaded(Message):
        members: list[StaffMember]

    @dataclass
    class Done(Message):
        notice: str | None  # None with an error
        error: str | None = None
        shown: tuple[str, str] | None = None  # (email, generated password) to show once
        draft: NewStaff | None = None  # a refused new member, to edit again

    def __init__(self) -> None:
        super().__init__()
        self.members: list[StaffMember] = []
        self.loaded = False

    @property
    def ctx(self) -> AppContext:
        return context_of(self.app)

    def compose(self) -> ComposeResult:
        session = self.ctx.session
        tenant = session.tenant_name if session else ""
        yield Static(
            fill_literal(t("staff.title"), tenant=literal(tenant, single_line=True)),
            id="staff-header",
        )
        table: DataTable[Text] = DataTable(cursor_type="row", zebra_stripes=True, id="staff-table")
        # Text: a str label is parsed as Rich markup (widgets/command_history.py).
        table.add_columns(
            Text(t("staff.col.email")),
            Text(t("staff.col.name")),
            Text(t("staff.col.role")),
            Text(t("staff.col.active")),
            Text(t("staff.col.last_login")),
            Text(t("staff.col.logins")),
        )
        yield table
        yield Static(t("staff.loading"), id="staff-info", markup=False)
        yield LocalizedFooter()

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        self.reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # A role changed to non-admin while this screen is open: its actions go at once,
        # all but the way out.
        if action == "close":
            return True
        return not (action in admin_actions() and not self.ctx.is_admin())

    # -- loading ------------------------------------------------------------------------------
    @work(exclusive=True, group="staff-load", exit_on_error=False)
    async def reload(self) -> None:
        try:
            members = await self.ctx.require_services().users.staff()
        except ServiceError as exc:
            self.post_message(self.Done(None, staff_error(exc)))
            return
        self.post_message(self.Loaded(members))

    def on_staff_screen_loaded(self, message: Loaded) -> None:
        table = self.query_one(DataTable)
        selected = self.selected()
        self.members = message.members
        table.clear()
        for member in self.members:
            table.add_row(*self._cells(member), key=str(member.user.id))
        if selected is not None:
            for index, member in enumerate(self.members):
                if member.user.id == selected.user.id:
                    table.move_cursor(row=index)
        self.query_one("#staff-info", Static).update(t("staff.count", count=len(self.members)))
        self.loaded = True

    def _cells(self, member: StaffMember) -> list[Text]:
        user = member.user
        session = self.ctx.session
        zone = session.tenant_timezone if session else "UTC"
        now = self.ctx.clock()
        active = t("staff.active.yes") if user.active else t("staff.active.no")
        last = short_time(user.last_login_at, zone, now) if user.last_login_at else ""
        if member.locked_until is not None:
            logins = Text(t("staff.locked", time=clock_time(member.locked_until, zone)), "red")
        elif member.failed_attempts:
            logins = Text(t("staff.failures", count=member.failed_attempts), "yellow")
        else:
            logins = Text("")
        return [
            # Cut short so the six columns fit 80 characters; the row's detail is in the audit.
            literal(user.email, single_line=True, limit=EMAIL_CHARS),
            literal(user.name or "", single_line=True, limit=NAME_CHARS),
            Text(t(f"role.{user.role.value}")),
            Text(active, style="" if user.active else "dim"),
            Text(last or t("staff.never"), style="" if last else "dim"),
            logins,
        ]

    def selected(self) -> StaffMember | None:
        table = self.query_one(DataTable)
        if not self.members or table.cursor_row < 0 or table.cursor_row >= len(self.members):
            return None
        return self.members[table.cursor_row]

    # -- actions ------------------------------------------------------------------------------
    def action_close(self) -> None:
        self.app.pop_screen()

    def action_add_user(self) -> None:
        self._ask_new_member(None, "")

    def _ask_new_member(self, draft: NewStaff | None, error: str) -> None:
        def chosen(result: NewStaff | None) -> None:
            if result is not None:
                self._add(result)

        self.app.push_screen(StaffAddScreen(error, draft), chosen)

    def action_toggle_active(self) -> None:
        member = self.selected()
        if member is None:
            return
        email = member.user.email
        active = not member.user.active
        key = "staff.confirm.activate" if active else "staff.confirm.deactivate"
        question = fill_literal(t(key), email=literal(email, single_line=True, style="bold"))
        done = t("staff.done.activated" if active else "staff.done.deactivated", email=email)

        def answered(yes: bool | None) -> None:
            if yes:
                self._run(lambda users: users.set_active(email, active), done)

        self.app.push_screen(ConfirmScreen(question), answered)

    def action_change_role(self) -> None:
        member = self.selected()
        if member is None:
            return
        email = member.user.email

        def chosen(role: str | None) -> None:
            if role is not None and role != member.user.role.value:
                done = t("staff.done.role", email=email, role=t(f"role.{role}"))
                self._run(lambda users: users.set_role(email, role), done)

        self.app.push_screen(StaffRoleScreen(email, member.user.role.value), chosen)

    def action_reset_password(self) -> None:
        member = self.selected()
        if member is None:
            return
        email = member.user.email
        question = fill_literal(
            t("staff.confirm.reset"), email=literal(email, single_line=True, style="bold")
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self._reset(email)

        self.app.push_screen(ConfirmScreen(question), answered)

    # -- workers ------------------------------------------------------------------------------
    @work(exclusive=True, group="staff-change", exit_on_error=False)
    async def _run(self, change: Callable[[Any], Awaitable[object]], notice: str) -> None:
        try:
            await change(self.ctx.require_services().users)
        except (ServiceError, PasswordPolicyError) as exc:
            self.post_message(self.Done(None, staff_error(exc)))
            return
        self.post_message(self.Done(notice))

    @work(exclusive=True, group="staff-change", exit_on_error=False)
    async def _reset(self, email: str) -> None:
        try:
            password = await self.ctx.require_services().users.reset_password(email)
        except (ServiceError, PasswordPolicyError) as exc:
            self.post_message(self.Done(None, staff_error(exc)))
            return
        self.post_message(self.Done(t("staff.done.reset", email=email), shown=(email, password)))

    @work(exclusive=True, group="staff-change", exit_on_error=False)
    async def _add(self, draft: NewStaff) -> None:
        users = self.ctx.require_services().users
        session = self.ctx.session
        name = draft.name.strip() or None
        try:
            if not draft.password:
                user, password = await users.add_with_generated_password(
                    email=draft.email, role=draft.role, name=name
                )
                shown: tuple[str, str] | None = (user.email, password)
            else:
                if draft.password != draft.repeated:
                    raise PasswordPolicyError("the two passwords differ", "mismatch")
                user = await users.add(
                    email=draft.email,
                    tenant=str(session.tenant_id if session else ""),
                    role=draft.role,
                    password=draft.password,
                    name=name,
                )
                shown = None
        except (ServiceError, PasswordPolicyError) as exc:
            blank = NewStaff(draft.email, draft.name, draft.role, "", "")
            self.post_message(self.Done(None, staff_error(exc), draft=blank))
            return
        self.post_message(self.Done(t("staff.done.added", email=user.email), shown=shown))

    def worker_failed(self, worker: Worker[Any]) -> None:
        # tui/worker_failures.py: not "Loading…" for ever; after a change that raised, the list
        # is read again, since the change may have been made before the error.
        if worker.group == "staff-load":
            failed = t("worker.failed", what=t("worker.what.staff"))
            self.query_one("#staff-info", Static).update(failed)
        elif worker.group == "staff-change":
            self.reload()

    def on_staff_screen_done(self, message: Done) -> None:
        if message.error is not None:
            if message.draft is not None:
                # The form again, as typed (passwords aside), with the reason on it.
                self._ask_new_member(message.draft, message.error)
            else:
                self.notify(message.error, severity="error", markup=False)
        elif message.notice:
            self.notify(message.notice, markup=False)
        if message.shown is not None:
            self.app.push_screen(PasswordShownScreen(*message.shown))
        self.reload()
