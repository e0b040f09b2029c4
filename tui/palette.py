"""The command palette: the registry's actions that make sense where the user is."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider

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
        for spec, run in self._available():
            label = t(spec.label)
            score = matcher.match(label)
            if score > 0:
                yield Hit(score, matcher.highlight(label), run, help=t("scope." + spec.scope))
