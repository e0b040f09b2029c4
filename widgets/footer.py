"""The footer, with binding descriptions translated when drawn (they hold i18n keys)."""

from __future__ import annotations

from collections import defaultdict

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from core.i18n import t


class LocalizedFooter(Footer):
    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        by_action: defaultdict[str, list[tuple[Binding, bool, str]]] = defaultdict(list)
        for _, binding, enabled, tooltip in self.screen.active_bindings.values():
            if binding.show:
                by_action[binding.action].append((binding, enabled, tooltip))
        self.styles.grid_size_columns = len(by_action)
        for entries in by_action.values():
            binding, enabled, tooltip = entries[0]
            yield FooterKey(
                binding.key,
                self.app.get_key_display(binding),
                t(binding.description),
                binding.action,
                disabled=not enabled,
                tooltip=tooltip,
            ).data_bind(compact=Footer.compact)
