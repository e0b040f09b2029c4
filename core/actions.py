"""The one registry of user actions: it drives the bindings, the footer, help and the palette.

Each action has a stable id (the keymap name in the config file's `[keymap]` table), a default
key that tmux and SSH deliver, a label (an i18n key), the scope where it is active and the
namespace that runs it. `write=True` actions change something in the bot's world: they are
hidden in read-only mode and for viewers.
"""

from __future__ import annotations

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


ACTIONS: tuple[ActionSpec, ...] = (
    # everywhere
    ActionSpec("app.help", "question_mark", "app.show_help", "action.help", "app"),
    ActionSpec("app.palette", "ctrl+p", "app.command_palette", "action.palette", "app", show=False),
    ActionSpec("app.quit", "ctrl+q", "app.quit", "action.quit", "app", priority=True),
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
    # the wishlist tab
    ActionSpec("wishlist.filter", "slash", "filter", "wishlist.action.filter", "wishlist"),
    ActionSpec("wishlist.open", "enter", "open_entry", "wishlist.action.open", "wishlist"),
    ActionSpec(
        "wishlist.message", "m", "message_client", "wishlist.action.message", "wishlist", write=True
    ),
    ActionSpec("wishlist.sort", "s", "cycle_sort", "wishlist.action.sort", "wishlist"),
    ActionSpec("wishlist.older", "o", "load_older", "wishlist.action.older", "wishlist"),
    # the sessions tab
    ActionSpec("sessions.search", "slash", "search", "sessions.action.search", "sessions"),
    ActionSpec("sessions.filter", "f", "cycle_filter", "sessions.action.filter", "sessions"),
    ActionSpec("sessions.open", "enter", "open_session", "sessions.action.open", "sessions"),
    ActionSpec("sessions.older", "o", "load_older", "sessions.action.older", "sessions"),
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
)

SCOPES = ("app", "main", "wishlist", "sessions", "thread", "commands", "analytics")


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


def write_actions() -> set[str]:
    """Action names (without namespace) that change something: hidden when not allowed."""
    return {spec.action.split("(")[0].split(".")[-1] for spec in ACTIONS if spec.write}


def spec_by_id(action_id: str) -> ActionSpec:
    for spec in ACTIONS:
        if spec.id == action_id:
            return spec
    raise KeyError(action_id)
