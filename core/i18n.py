"""Russian and English UI text.

Catalogs live in `core/locale/*.py`, one per area, each a `STRINGS = {"en": {...}, "ru": {...}}`.
Keys are looked up at render time, so one process can show both languages (tests do).
A leaf module (no Textual, no app imports): every UI layer may use it.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping

LANGUAGES = ("en", "ru")
LOCALE_MODULES = ("common", "login", "wishlist", "sessions", "commands", "analytics")

_catalogs: dict[str, dict[str, str]] = {lang: {} for lang in LANGUAGES}
_language = "en"
_loaded = False


def _load() -> None:
    global _loaded
    if _loaded:
        return
    for name in LOCALE_MODULES:
        module = importlib.import_module(f"core.locale.{name}")
        strings: Mapping[str, Mapping[str, str]] = module.STRINGS
        for lang in LANGUAGES:
            _catalogs[lang].update(strings.get(lang, {}))
    _loaded = True


def detect_language(setting: str | None, environ: Mapping[str, str] | None = None) -> str:
    """The setting if given, else Russian when the locale says so, else English."""
    if setting in LANGUAGES:
        return setting
    env = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "")
        if value:
            return "ru" if value.lower().startswith("ru") else "en"
    return "en"


def set_language(language: str) -> None:
    global _language
    _language = language if language in LANGUAGES else "en"


def language() -> str:
    return _language


def number(value: int) -> str:
    """4,096 in English, 4 096 in Russian (a no-break space keeps it on one line)."""
    text = f"{value:,}"
    return text.replace(",", "\u00a0") if _language == "ru" else text


def t(key: str, **values: object) -> str:
    """The text for `key` in the current language; `values` fill `{placeholders}`."""
    _load()
    text = _catalogs[_language].get(key) or _catalogs["en"].get(key)
    if text is None:
        return key
    return text.format(**values) if values else text


def catalog(lang: str) -> dict[str, str]:
    _load()
    return dict(_catalogs[lang])
