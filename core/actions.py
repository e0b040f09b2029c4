"""The one registry of user actions: it drives the bindings, the footer, help and the palette.

Each action has a stable id (the keymap name in the config file's `[keymap]` table), a default
key that tmux and SSH deliver, a label (an i18n key), the scope where it is active and the
namespace that runs it. `write=True` actions change something in the bot's world: they are
hidden in read-only mode and for viewers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from textual.binding import Binding, BindingType


@dataclass(frozen=True)
class ActionSpec:
    id: str
    key: str
    action: str
    label: str
    scope: str
    show: bool = True
    write: bool = False
    priority: bool = False
    # Admins only (managing accounts): hidden, not greyed, for every other role.
    admin: bool = False


ACTIONS: tuple[ActionSpec, ...] = (
    # everywhere
    ActionSpec("app.help", "question_mark", "app.show_help", "action.help", "app"),
    ActionSpec("app.palette", "ctrl+p", "app.command_palette", "action.palette", "app", show=False),
    ActionSpec("app.quit", "ctrl+q", "app.quit", "action.quit", "app", priority=True),
    # the login screen
    ActionSpec("login.retry", "f5", "retry", "login.action.retry", "login"),
    # the main screen
    ActionSpec("tab.wishlist", "1", "show_tab('wishlist')", "tab.wishlist", "main", show=False),
    ActionSpec("tab.sessions", "2", "show_tab('sessions')", "tab.sessions", "main", show=False),
    ActionSpec("tab.commands", "3", "show_tab('commands')", "tab.commands", "main", show=False),
    ActionSpec("tab.analytics", "4", "show_tab('analytics')", "tab.analytics", "main", show=False),
    ActionSpec("session.lock", "ctrl+l", "app.lock", "action.lock", "main"),
    ActionSpec("session.logout", "ctrl+o", "app.logout", "action.logout", "main"),
    # Shown only while a text field has the focus: the way back to the tab's list (and to the
    # keys 1–4, which a field takes as text).
    ActionSpec("main.leave_field", "escape", "leave_field", "action.leave_field", "main"),
    ActionSpec(
        "account.password", "f6", "change_password", "action.change_password", "main", show=False
    ),
    ActionSpec("admin.staff", "f7", "show_staff", "action.staff", "main", show=False, admin=True),
    ActionSpec("admin.audit", "f8", "show_audit", "action.audit", "main", show=False, admin=True),
    # the wishlist tab
    ActionSpec("wishlist.filter", "slash", "filter", "wishlist.action.filter", "wishlist"),
    ActionSpec("wishlist.open", "enter", "open_entry", "wishlist.action.open", "wishlist"),
    ActionSpec(
        "wishlist.message", "m", "message_client", "wishlist.action.message", "wishlist", write=True
    ),
    ActionSpec("wishlist.status", "f", "cycle_status", "wishlist.action.status", "wishlist"),
    ActionSpec("wishlist.sort", "s", "cycle_sort", "wishlist.action.sort", "wishlist"),
    ActionSpec(
        "wishlist.by_day", "d", "toggle_desired_sort", "wishlist.action.sort_desired", "wishlist"
    ),
    ActionSpec("wishlist.older", "o", "load_older", "wishlist.action.older", "wishlist"),
    # The newest rows at the top, with the new ones the table held back (widgets/wishlist_hold).
    ActionSpec("wishlist.newest", "home,g", "show_newest", "wishlist.action.newest", "wishlist"),
    # the sessions tab
    ActionSpec("sessions.search", "slash", "search", "sessions.action.search", "sessions"),
    ActionSpec("sessions.filter", "f", "cycle_filter", "sessions.action.filter", "sessions"),
    ActionSpec("sessions.open", "enter", "open_session", "sessions.action.open", "sessions"),
    ActionSpec("sessions.older", "o", "load_older", "sessions.action.older", "sessions"),
    ActionSpec(
        "sessions.needs_staff", "n", "toggle_needs_staff", "sessions.action.needs_staff", "sessions"
    ),
    # an open conversation
    ActionSpec(
        "thread.message", "m", "message_client", "thread.action.message", "thread", write=True
    ),
    ActionSpec("thread.pause", "p", "pause_bot", "thread.action.pause", "thread", write=True),
    ActionSpec("thread.resume", "r", "resume_bot", "thread.action.resume", "thread", write=True),
    ActionSpec("thread.close", "escape", "close", "thread.action.close", "thread"),
    # the commands tab
    ActionSpec("commands.new", "n", "new_command", "commands.action.new", "commands", write=True),
    ActionSpec("commands.send", "ctrl+s", "send", "commands.action.send", "commands", write=True),
    ActionSpec("commands.resend", "r", "resend", "commands.action.resend", "commands", write=True),
    # the analytics tab
    ActionSpec("analytics.period", "p", "next_period", "analytics.action.period", "analytics"),
    ActionSpec("analytics.sync", "r", "sync", "analytics.action.sync", "analytics"),
    ActionSpec("analytics.cancel", "x", "cancel_sync", "analytics.action.cancel", "analytics"),
    ActionSpec("analytics.export", "e", "export_csv", "analytics.action.export", "analytics"),
    # the Staff screen (admins)
    ActionSpec("staff.add", "a", "add_user", "staff.action.add", "staff", admin=True),
    ActionSpec("staff.toggle", "d", "toggle_active", "staff.action.toggle", "staff", admin=True),
    ActionSpec("staff.role", "r", "change_role", "staff.action.role", "staff", admin=True),
    ActionSpec("staff.reset", "p", "reset_password", "staff.action.reset", "staff", admin=True),
    ActionSpec("staff.close", "escape", "close", "staff.action.close", "staff", admin=True),
    # the Audit view (admins)
    ActionSpec("audit.kind", "f", "cycle_kind", "audit.action.kind", "audit", admin=True),
    ActionSpec("audit.older", "o", "older", "audit.action.older", "audit", admin=True),
    ActionSpec("audit.newest", "g", "newest", "audit.action.newest", "audit", admin=True),
    ActionSpec("audit.close", "escape", "close", "audit.action.close", "audit", admin=True),
    # small forms (own password, a new staff member, a role)
    ActionSpec("form.save", "ctrl+s", "save", "form.action.save", "form"),
    ActionSpec("form.cancel", "escape", "cancel", "form.action.cancel", "form"),
)

SCOPES = (
    "app",
    "login",
    "main",
    "wishlist",
    "sessions",
    "thread",
    "commands",
    "analytics",
    "staff",
    "audit",
    "form",
)


def actions_in(scope: str) -> list[ActionSpec]:
    return [spec for spec in ACTIONS if spec.scope == scope]


def bindings(scope: str) -> list[BindingType]:
    """Bindings for a scope; `description` holds the i18n key, translated when shown."""
    return [
        Binding(
            spec.key,
            spec.action,
            spec.label,
            show=spec.show,
            id=spec.id,
            priority=spec.priority,
        )
        for spec in actions_in(scope)
    ]


def admin_actions() -> set[str]:
    """Action names (without namespace) only an admin may run: hidden for other roles."""
    return {spec.action.split("(")[0].split(".")[-1] for spec in ACTIONS if spec.admin}


def write_actions() -> set[str]:
    """Action names (without namespace) that change something: hidden when not allowed."""
    return {spec.action.split("(")[0].split(".")[-1] for spec in ACTIONS if spec.write}


def spec_by_id(action_id: str) -> ActionSpec:
    for spec in ACTIONS:
        if spec.id == action_id:
            return spec
    raise KeyError(action_id)


_KEY_NAMES = {
    "escape": "Esc",
    "enter": "Enter",
    "tab": "Tab",
    "space": "Space",
    "backspace": "Backspace",
    "delete": "Del",
    "insert": "Ins",
    "home": "Home",
    "end": "End",
    "pageup": "PgUp",
    "pagedown": "PgDn",
    "up": "↑",
    "down": "↓",
    "left": "←",
    "right": "→",
}


def key_display(key: str) -> str:
    """A binding's key as a person reads it: `slash` → `/`, `ctrl+s` → `Ctrl+S`, `f5` → `F5`."""
    from textual.keys import format_key

    first = key.split(",")[0].strip()
    *modifiers, base = first.split("+")
    if base in _KEY_NAMES:
        shown = _KEY_NAMES[base]
    elif len(base) > 1 and base[0] == "f" and base[1:].isdigit():
        shown = base.upper()
    elif len(base) == 1:
        shown = base.upper() if modifiers else base
    else:
        shown = format_key(base)  # Textual's own names: slash → /, question_mark → ?
    return "+".join([*(m.capitalize() for m in modifiers), shown])


def key_for(action_id: str, keymap: Mapping[str, str] | None = None) -> str:
    """The key that runs an action now: the user's `[keymap]` entry, else the default."""
    key = (keymap or {}).get(action_id) or spec_by_id(action_id).key
    return key_display(key)
