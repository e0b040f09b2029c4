"""The main screen: four tabs (1–4), the status bar and the footer."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import ContentSwitcher, Input, TabbedContent, TabPane

from core.actions import admin_actions, bindings
from core.context import context_of
from core.i18n import t
from core.messages import ComposeMessageRequest
from tabs.tab_slot import TabSlot
from tabs.tab_view import TabView
from tabs.wishlist_tab import WishlistTab
from widgets.footer import LocalizedFooter
from widgets.status_bar import StatusBar, StatusInfo

TABS = ("wishlist", "sessions", "commands", "analytics")


# The tabs other than the wishlist, built on their first show (tabs/tab_slot.py).
def _sessions() -> TabView:
    from tabs.sessions_tab import SessionsTab

    return SessionsTab(id="sessions-view")


def _commands() -> TabView:
    from tabs.commands_tab import CommandsTab

    return CommandsTab(id="commands-view")


def _analytics() -> TabView:
    from tabs.analytics_tab import AnalyticsTab

    return AnalyticsTab(id="analytics-view")


def _is_text_area(widget: Widget) -> bool:
    # The composer's message is the app's only TextArea. It exists once the Commands tab was
    # built (its module loaded); importing TextArea here only to ask cost an idle app 0.3 MB.
    module = sys.modules.get("widgets.message_area")
    return module is not None and isinstance(widget, module.MessageArea)


class NavigatedTabs(TabbedContent):
    """TabbedContent whose pane changes only by navigation (MainScreen.navigate, the tab bar).

    Textual also switches to the pane of any widget that reports a focus. After a modal
    closes, the main screen's old widget reports its focus again, and that report can arrive
    after a navigation has moved on to another tab (`m` in a conversation: to the composer).
    The tabs then flipped back, whose landing focused the other tab again, and so on: the
    focus went back and forth for good and typed keys went nowhere. Navigation decides.
    """

    def _on_tab_pane_focused(self, event: TabPane.Focused) -> None:
        # prevent_default: Textual would call TabbedContent's own handler after this one.
        event.prevent_default()
        event.stop()


class MainScreen(Screen[None]):
    BINDINGS = bindings("main")
    DEFAULT_CSS = """
    MainScreen TabbedContent { height: 1fr; }
    MainScreen TabPane { padding: 0; }
    """

    def compose(self) -> ComposeResult:
        with NavigatedTabs(initial="wishlist", id="tabs"):
            with TabPane(t("tab.wishlist"), id="wishlist"):
                yield TabSlot(None, lambda: WishlistTab(id="wishlist-view"), id="wishlist-slot")
            with TabPane(t("tab.sessions"), id="sessions"):
                # The list is a server-side search, read when the tab is built: a batch
                # before that only says "read again" (SessionsTab.apply_batch).
                yield TabSlot(
                    "tabs.sessions_tab", _sessions, id="sessions-slot", owed_batches=False
                )
            with TabPane(t("tab.commands"), id="commands"):
                yield TabSlot("tabs.commands_tab", _commands, id="commands-slot")
            with TabPane(t("tab.analytics"), id="analytics"):
                yield TabSlot("tabs.analytics_tab", _analytics, id="analytics-slot")
        yield StatusBar(id="status")
        yield LocalizedFooter()

    def __init__(self) -> None:
        super().__init__()
        # Where the focus goes once the pending tab switch happens (see navigate).
        self._landing: tuple[str, Callable[[], None] | None] | None = None

    def on_mount(self) -> None:
        self.refresh_status()
        wishlist = self.tab_view("wishlist")
        assert wishlist is not None  # built with the screen
        wishlist.focus_main()
        # Called as the pane is switched in, before the frame that shows it.
        switcher = self.query_one(TabbedContent).query_one(ContentSwitcher)
        self.watch(switcher, "current", self._pane_shown, init=False)

    def _pane_shown(self, pane: str | None) -> None:
        if pane in TABS:
            self.slot(pane).shown()

    @property
    def active_tab(self) -> str:
        return self.query_one(TabbedContent).active or "wishlist"

    def slot(self, name: str) -> TabSlot:
        return self.query_one(f"#{name}-slot", TabSlot)

    def tab_view(self, name: str) -> TabView | None:
        """Tab `name`, or None before its first show has built it."""
        return self.slot(name).tab_view

    def action_show_tab(self, name: str) -> None:
        if name in TABS:
            self.navigate(name)

    def navigate(self, name: str, land: Callable[[], None] | None = None) -> None:
        """Show tab `name` and put the focus on `land` (default: the tab's main widget).

        The one place that decides the focus after a tab switch. The switch itself is a
        message (TabActivated) handled after this returns; focusing here and again there
        sent the focus back and forth, and keys typed meanwhile went to whichever widget held
        it. So the landing is recorded and applied once, when the switch has happened.
        """
        tabs = self.query_one(TabbedContent)
        self._landing = (name, land)
        if tabs.active == name:
            self._land(name)  # no switch, no TabActivated to wait for
        else:
            tabs.active = name

    def _field_tab(self) -> TabView | None:
        """The tab whose text field or area has the focus, if one has."""
        focused = self.focused
        if focused is None or not (isinstance(focused, Input) or _is_text_area(focused)):
            return None
        return next((node for node in focused.ancestors if isinstance(node, TabView)), None)

    def action_leave_field(self) -> None:
        tab = self._field_tab()
        if tab is not None:
            tab.focus_main()

    def _land(self, name: str) -> None:
        view = self.tab_view(name)
        if view is None:
            return  # its first show is still building it: the TabActivated handler lands
        landing, self._landing = self._landing, None
        if landing is not None and landing[0] == name:
            (landing[1] or view.focus_main)()
            return
        focused = self.focused
        pane = self.query_one(f"#{name}", TabPane)
        if focused is None or pane not in focused.ancestors:
            # A click on the tab: start from its main widget. (A switch that follows a focus
            # already inside the pane leaves that focus alone.)
            view.focus_main()

    @on(TabbedContent.TabActivated)
    async def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        pane = event.pane.id or "wishlist"
        if pane in TABS:
            await self.slot(pane).ready()  # a first show: the landing needs the tab
            if self.active_tab == pane:
                self._land(pane)
        self.refresh_bindings()

    def apply_batch(self, feed: str, batch: Any) -> None:
        if self.app.return_code is not None or not self.app.is_running:
            # Exiting (a hang-up, a quit, or a test harness shutting the app down without an
            # exit code): the tabs are being taken down; a late batch has nowhere to go and
            # must not fail the exit.
            return
        if feed in TABS:
            self.slot(feed).apply_batch(batch)

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
        if action == "leave_field":
            # Hidden (and Esc free for others) unless a text field has the focus.
            return self._field_tab() is not None
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
        self.slot("sessions").needs_staff_changed()

    def refresh_permissions(self) -> None:
        for name in TABS:
            self.slot(name).refresh_permissions()
        self.refresh_status()
        self.refresh_bindings()

    @on(ComposeMessageRequest)
    async def _compose_message_requested(self, request: ComposeMessageRequest) -> None:
        request.stop()
        await self.compose_message(request)

    async def compose_message(self, request: ComposeMessageRequest) -> None:
        """Prefill the composer and go there. Awaited by its callers' handlers, so that keys
        typed meanwhile wait for the composer (tui/keyboard.py)."""
        # The composer may not exist yet: the tab is built on its first show.
        commands = await self.slot("commands").ready()
        from tabs.commands_tab import CommandsTab  # loaded by `ready`

        assert isinstance(commands, CommandsTab)
        land = commands.start_message(request.client_id, request.client_name, request.session_id)
        self.navigate("commands", land)
