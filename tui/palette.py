"""The command palette: the registry's actions that make sense where the user is."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from rich.text import Text
from textual.app import App, SystemCommand
from textual.command import CommandPalette, DiscoveryHit, Hit, Hits, Provider

from core.actions import ACTIONS, ActionSpec
from core.context import context_of
from core.i18n import t


class DashboardCommands(Provider):
    def _available(self) -> list[tuple[ActionSpec, Callable[[], Any]]]:
        app = self.app
        if getattr(app, "locked", False) or context_of(app).session is None:
            return []
        screen = self.screen
        main: Any = screen if hasattr(screen, "tab_view") else None
        active_scope = getattr(screen, "SCOPE", None)
        found: list[tuple[ActionSpec, Callable[[], Any]]] = []
        for spec in ACTIONS:
            if spec.id == "app.palette":
                continue
            if spec.write and not context_of(app).can_write():
                continue
            if spec.admin and not context_of(app).is_admin():
                continue
            if spec.id == "account.password" and context_of(app).read_only:
                continue
            target: Any = None
            if spec.scope == "app":
                target = app
                action = spec.action.removeprefix("app.")
            elif spec.scope == "main" and main is not None:
                target = app if spec.action.startswith("app.") else main
                action = spec.action.removeprefix("app.")
            elif main is not None and spec.scope == main.active_tab:
                target = main.tab_view(spec.scope)
                action = spec.action
            elif spec.scope == active_scope:
                target = screen
                action = spec.action
            if target is not None:
                found.append((spec, partial(target.run_action, action)))
        return found

    async def discover(self) -> Hits:
        for spec, run in self._available():
            yield DiscoveryHit(t(spec.label), run, help=t("scope." + spec.scope))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        found = False
        for spec, run in self._available():
            label = t(spec.label)
            score = matcher.match(label)
            if score > 0:
                found = True
                yield Hit(score, matcher.highlight(label), run, help=t("scope." + spec.scope))
        if not found and matcher.match(t("palette.theme")) == 0:
            yield nothing_matches("palette.none")


class ThemeChoices(Provider):
    """The theme picker: Textual's own (App.search_commands) says "No matches found"."""

    def _themes(self) -> list[tuple[str, Callable[[], Any]]]:
        app = self.app
        return [
            (name, partial(setattr, app, "theme", name)) for name in sorted(app.available_themes)
        ]

    async def discover(self) -> Hits:
        for name, choose in self._themes():
            yield DiscoveryHit(name, choose)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        found = False
        for name, choose in self._themes():
            score = matcher.match(name)
            if score > 0:
                found = True
                yield Hit(score, matcher.highlight(name), choose)
        if not found:
            yield nothing_matches("palette.no_theme")


def nothing_matches(text: str) -> Hit:
    """Textual's own "No matches found" is English and cannot be set: a hit says it instead,
    and Textual shows its line only when no provider found anything."""
    return Hit(0.001, Text(t(text), style="dim"), _nothing)


def _nothing() -> None:
    """Choosing "nothing matches" closes the palette and does nothing else."""


def open_palette(app: App[Any]) -> None:
    """The palette with its own texts in the user's language (Textual's are English)."""
    if not CommandPalette.is_open(app):
        app.push_screen(
            CommandPalette(placeholder=t("palette.placeholder"), id="--command-palette")
        )


def system_commands(app: App[Any]) -> Iterable[SystemCommand]:
    """Of Textual's own commands only the theme picker: quitting and help are in the
    registry, and the built-in keys panel would show untranslated ids."""

    def pick_theme() -> None:
        app.push_screen(
            CommandPalette(providers=[ThemeChoices], placeholder=t("palette.theme_placeholder"))
        )

    yield SystemCommand(t("palette.theme"), t("palette.theme_help"), pick_theme)
