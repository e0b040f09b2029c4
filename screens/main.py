"""The main screen: four tabs (1–4), the status bar and the footer."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import TabbedContent, TabPane

from core.actions import admin_actions, bindings
from core.context import context_of
from core.i18n import t
from core.messages import ComposeMessageRequest
from tabs.analytics_tab import AnalyticsTab
from tabs.commands_tab import CommandsTab
from tabs.sessions_tab import SessionsTab
from tabs.tab_view import TabView
from tabs.wishlist_tab import WishlistTab
from widgets.footer import LocalizedFooter
from widgets.status_bar import StatusBar, StatusInfo

TABS = ("wishlist", "sessions", "commands", "analytics")


class MainScreen(Screen[None]):
    BINDINGS = bindings("main")
    DEFAULT_CSS = """
    MainScreen TabbedContent { height: 1fr; }
    MainScreen TabPane { padding: 0; }
    """

    def compose(self) -> ComposeResult:
        with TabbedContent(initial="wishlist", id="tabs"):
            with TabPane(t("tab.wishlist"), id="wishlist"):
                yield WishlistTab(id="wishlist-view")
            with TabPane(t("tab.sessions"), id="sessions"):
                yield SessionsTab(id="sessions-view")
            with TabPane(t("tab.commands"), id="commands"):
                yield CommandsTab(id="commands-view")
            with TabPane(t("tab.analytics"), id="analytics"):
                yield AnalyticsTab(id="analytics-view")
        yield StatusBar(id="status")
        yield LocalizedFooter()

    def on_mount(self) -> None:
        self.refresh_status()
        self.tab_view("wishlist").focus_main()

    @property
    def active_tab(self) -> str:
        return self.query_one(TabbedContent).active or "wishlist"

    def tab_view(self, name: str) -> TabView:
        return self.query_one(f"#{name}-view", TabView)

    def action_show_tab(self, name: str) -> None:
        if name in TABS:
            self.query_one(TabbedContent).active = name
            self.tab_view(name).focus_main()

    @on(TabbedContent.TabActivated)
    def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        pane = event.pane.id or "wishlist"
        if pane in TABS:
            self.tab_view(pane).focus_main()
        self.refresh_bindings()

    def apply_batch(self, feed: str, batch: Any) -> None:
        if feed in TABS:
            self.tab_view(feed).apply_batch(batch)

    def refresh_status(self) -> None:
        ctx = context_of(self.app)
        session = ctx.session
        self.query_one(StatusBar).show(
            StatusInfo(
                email=session.email if session else "",
                role=session.role.value if session else "",
                tenant=session.tenant_name if session else "",
                timezone=session.tenant_timezone if session else "UTC",
                read_only=ctx.read_only,
                feeds=dict(ctx.feed_status),
                outbox=ctx.outbox_waiting,
                bot=ctx.bot_health,
            )
        )

    # -- accounts: everyone's own password; Staff and Audit for admins only ------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Hidden, not greyed: only an admin sees that Staff and Audit exist.
        ctx = context_of(self.app)
        if action == "change_password" and ctx.read_only:
            return False
        return not (action in admin_actions() and not ctx.is_admin())

    def action_change_password(self) -> None:
        from modals.change_password import ChangePasswordScreen

        self.app.push_screen(ChangePasswordScreen())

    def action_show_staff(self) -> None:
        from modals.staff import StaffScreen

        if context_of(self.app).is_admin():
            self.app.push_screen(StaffScreen())

    def action_show_audit(self) -> None:
        from modals.audit import AuditScreen

        if context_of(self.app).is_admin():
            self.app.push_screen(AuditScreen())

    def refresh_needs_staff(self) -> None:
        """The Sessions tab's badge, and its "needs staff" list when that is shown."""
        tabs = self.query(TabbedContent)
        if not tabs:
            return  # the screen is being taken down (logout, exit) as the answer arrives
        count = len(context_of(self.app).needs_staff)
        label = t("tab.sessions")
        if count:
            label = t("tab.sessions.badge", name=label, count=count)
        tabs.first().get_tab("sessions").label = label
        sessions = self.tab_view("sessions")
        assert isinstance(sessions, SessionsTab)
        sessions.needs_staff_changed()

    def refresh_permissions(self) -> None:
        for name in TABS:
            self.tab_view(name).refresh_permissions()
        self.refresh_status()
        self.refresh_bindings()

    @on(ComposeMessageRequest)
    def compose_message(self, request: ComposeMessageRequest) -> None:
        request.stop()
        self.action_show_tab("commands")
        commands = self.tab_view("commands")
        assert isinstance(commands, CommandsTab)
        commands.start_message(request.client_id, request.client_name, request.session_id)
