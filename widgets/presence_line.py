"""Who else has this conversation open ("Анна смотрит"), on the thread screen and the composer.

The names are other users' data: shown literally, never as markup.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from core.i18n import t
from widgets.literal import literal

NAMES_SHOWN = 3


def viewing_text(names: list[str]) -> str | None:
    """ "Анна смотрит", "Анна, Олег смотрят", "Анна, Олег, Вера и ещё 2 человека смотрят"."""
    if not names:
        return None
    if len(names) == 1:
        return t("presence.one", name=names[0])
    shown = ", ".join(names[:NAMES_SHOWN])
    rest = len(names) - NAMES_SHOWN
    if rest > 0:
        shown = t("presence.and", names=shown, more=t("presence.more", count=rest))
    return t("presence.several", names=shown)


class PresenceLine(Static):
    DEFAULT_CSS = """
    PresenceLine { height: auto; padding: 0 1; color: $warning; text-style: bold; display: none; }
    PresenceLine.-shown { display: block; }
    """

    def __init__(self, *, composer: bool = False, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self._composer = composer
        self.names: list[str] = []

    def show(self, names: list[str]) -> None:
        self.names = list(names)
        text = viewing_text(self.names)
        if text is not None and self._composer:
            text = t("presence.composer", who=text)
        self.update(literal(text or "", single_line=True) if text else Text(""))
        self.set_class(text is not None, "-shown")
