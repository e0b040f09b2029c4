"""Russian and English UI text.

Catalogs live in `core/locale/*.py`, one per area, each a `STRINGS = {"en": {...}, "ru": {...}}`.
Keys are looked up at render time, so one process can show both languages (tests do).
A leaf module (no Textual, no app imports): every UI layer may use it.

A message that takes a count is a mapping of CLDR plural categories to texts, for example
`{"one": "{count} команда", "few": "{count} команды", "many": "{count} команд",
"other": "{count} команды"}`, and is looked up with `t(key, count=n)`: the category comes from
CLDR's rules for the language (through Babel), and `{count}` is written as that language writes
numbers. English needs `one` and `other`; Russian `one`, `few`, `many` and `other` (fractions).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping
from datetime import date

LANGUAGES = ("en", "ru")
LOCALE_MODULES = (
    "common",
    "login",
    "wishlist",
    "wishlist_day",
    "sessions",
    "commands",
    "analytics",
    "bot",
    "keys",
    "accounts",
    "alerts",
    "presence",
    "security",
)

Message = str | Mapping[str, str]
PLURAL_FORMS: dict[str, tuple[str, ...]] = {
    "en": ("one", "other"),
    "ru": ("one", "few", "many", "other"),
}

_catalogs: dict[str, dict[str, Message]] = {lang: {} for lang in LANGUAGES}
_language = "en"
_loaded = False


def _load() -> None:
    global _loaded
    if _loaded:
        return
    for name in LOCALE_MODULES:
        module = importlib.import_module(f"core.locale.{name}")
        strings: Mapping[str, Mapping[str, Message]] = module.STRINGS
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


def number(value: int, lang: str | None = None) -> str:
    """4,096 in English, 4 096 in Russian (a no-break space keeps it on one line)."""
    text = f"{value:,}"
    return text.replace(",", "\u00a0") if (lang or _language) == "ru" else text


def money(value: int, lang: str | None = None) -> str:
    """Whole roubles as the language writes them: `1 956 290 ₽`, `1,956,290 ₽`.

    The sign follows the number in both languages: the salons are Russian and CLDR's English
    form (`RUB1,956,290.00`) would read as a foreign currency.
    """
    return f"{number(value, lang)}\u00a0₽"


def numeric_date(day: date) -> str:
    """`06.12.2026`: how Russians write a date, and what every date field here accepts."""
    return day.strftime("%d.%m.%Y")


def day_month(day: date, lang: str | None = None) -> str:
    """`6 дек` in Russian, `Dec 6` in English (CLDR's abbreviated month, through Babel)."""
    from babel.dates import format_skeleton

    # CLDR abbreviates «дек.» with a dot; axis labels drop it, as printed calendars do.
    return str(format_skeleton("MMMd", day, locale=lang or _language)).rstrip(".")


def plural_category(count: int | float, lang: str | None = None) -> str:
    """CLDR's plural category of `count` in `lang` (the current language by default)."""
    # Babel costs ~90 ms to import and parse: only the first counted message pays it, never
    # the start-up before the first frame.
    from babel.core import Locale

    return str(Locale.parse(lang or _language).plural_form(count))


def t(key: str, /, **values: object) -> str:
    """The text for `key` in the current language; `values` fill `{placeholders}`.

    A plural message needs `count=`: an int (or float) that picks the form and is written with
    the language's digit grouping.
    """
    _load()
    message = _catalogs[_language].get(key) or _catalogs["en"].get(key)
    if message is None:
        return key
    lang = _language if key in _catalogs[_language] else "en"
    if not isinstance(message, str):
        count = values.get("count")
        if not isinstance(count, int | float) or isinstance(count, bool):
            raise TypeError(f"{key} is a plural message: pass count= as a number")
        category = plural_category(count, lang)
        message = message.get(category) or message["other"]
        values = {**values, "count": number(count, lang) if isinstance(count, int) else count}
    return message.format(**values) if values else message


def catalog(lang: str) -> dict[str, Message]:
    _load()
    return dict(_catalogs[lang])
