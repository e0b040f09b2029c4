"""The footer: the keys that work here, Help first, each label in the user's language.

Built on public Textual API only (`Screen.active_bindings`, `Screen.bindings_updated_signal`,
`App.get_key_display`, `App.simulate_key`), so a Textual upgrade cannot break it from inside.
Binding descriptions hold i18n keys (core/actions.py) and are translated when drawn.

It is one line, and what does not fit is left out whole, never cut mid-word: Help comes first
and lists everything, then the actions of the place the user is in, then the app-wide ones.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget

from core.i18n import t

GAP = "  "
# App-wide actions go last, in this order: they are the same on every screen and in `?`.
_LATE = ("app.quit", "session.lock", "session.logout")


@dataclass(frozen=True)
class FooterEntry:
    key: str  # the key as Textual names it, for simulate_key
    shown: str  # the key as drawn (^q, ⏎, /)
    label: str
    enabled: bool


def _rank(binding: Binding) -> tuple[int, int]:
    if binding.id == "app.help":
        return (0, 0)
    if binding.id in _LATE:
        return (2, _LATE.index(binding.id))
    return (1, 0)


def fit_entries(entries: list[FooterEntry], width: int) -> list[FooterEntry]:
    """The entries that fit `width` cells whole, in order; the first one always."""
    kept: list[FooterEntry] = []
    used = 0
    for entry in entries:
        size = Text(f"{entry.shown} {entry.label}").cell_len + (len(GAP) if kept else 0)
        if kept and used + size > width:
            continue
        kept.append(entry)
        used += size
    return kept


class LocalizedFooter(Widget):
    COMPONENT_CLASSES = {"footer--key"}
    DEFAULT_CSS = """
    LocalizedFooter {
        dock: bottom;
        height: 1;
        background: $footer-background;
        color: $footer-foreground;
        padding: 0 1;
    }
    LocalizedFooter > .footer--key {
        color: $footer-key-foreground;
        text-style: bold;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._entries: list[FooterEntry] = []
        # (first cell, last cell + 1, key) of each drawn entry, for clicks.
        self._entry_spans: list[tuple[int, int, str]] = []

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        self._entries = self.entries()
        self.refresh()

    def entries(self) -> list[FooterEntry]:
        """Shown bindings of the focused chain, one per action, Help first."""
        seen: set[str] = set()
        found: list[tuple[tuple[int, int], int, FooterEntry]] = []
        for position, active in enumerate(self.screen.active_bindings.values()):
            binding = active.binding
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            entry = FooterEntry(
                binding.key,
                self.app.get_key_display(binding),
                t(binding.description),
                active.enabled,
            )
            found.append((_rank(binding), position, entry))
        return [entry for _, _, entry in sorted(found, key=lambda item: item[:2])]

    def render(self) -> Text:
        line = Text(no_wrap=True, overflow="crop", end="")
        self._entry_spans = []
        key_style = self.get_component_rich_style("footer--key")
        for entry in fit_entries(self._entries, self.content_size.width):
            if line:
                line.append(GAP)
            start = line.cell_len
            line.append(entry.shown, style=key_style if entry.enabled else "dim")
            line.append(" " + entry.label, style="" if entry.enabled else "dim")
            self._entry_spans.append((start, line.cell_len, entry.key))
        return line

    def on_click(self, event: events.Click) -> None:
        for start, end, key in self._entry_spans:
            if start <= event.x - self.styles.padding.left < end:
                event.stop()
                self.app.simulate_key(key)  # as a press of the key would
                return
