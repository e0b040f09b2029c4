"""Both languages are complete: every key in one is in the other, and every key used exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.actions import ACTIONS
from core.i18n import LANGUAGES, catalog, detect_language

ROOT = Path(__file__).resolve().parents[2]
# t("some.key") and t('some.key', ...) with a literal key: the ones we can check statically.
LITERAL_KEY = re.compile(r"""\bt\(\s*["']([a-z0-9_]+(?:\.[a-z0-9_]+)+)["']""")


def used_keys() -> set[str]:
    keys: set[str] = set()
    for folder in ("tui", "cli", "screens", "tabs", "modals", "widgets", "core"):
        for path in (ROOT / folder).rglob("*.py"):
            keys |= set(LITERAL_KEY.findall(path.read_text()))
    return keys


def test_both_languages_have_the_same_keys() -> None:
    en, ru = set(catalog("en")), set(catalog("ru"))
    assert sorted(en - ru) == [], "missing in Russian"
    assert sorted(ru - en) == [], "missing in English"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_key_used_in_code_exists(language: str) -> None:
    missing = sorted(used_keys() - set(catalog(language)))
    assert missing == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_action_label_and_scope_exists(language: str) -> None:
    strings = catalog(language)
    missing = sorted(
        {spec.label for spec in ACTIONS if spec.label not in strings}
        | {f"scope.{spec.scope}" for spec in ACTIONS if f"scope.{spec.scope}" not in strings}
    )
    assert missing == []


def test_no_empty_translations() -> None:
    for language in LANGUAGES:
        assert [k for k, v in catalog(language).items() if not v.strip()] == []


@pytest.mark.parametrize(
    ("setting", "env", "expected"),
    [
        ("ru", {"LANG": "en_US.UTF-8"}, "ru"),
        (None, {"LANG": "ru_RU.UTF-8"}, "ru"),
        (None, {"LC_ALL": "en_GB.UTF-8", "LANG": "ru_RU.UTF-8"}, "en"),
        (None, {}, "en"),
        (None, {"LANG": "C"}, "en"),
    ],
)
def test_language_from_setting_or_locale(
    setting: str | None, env: dict[str, str], expected: str
) -> None:
    assert detect_language(setting, env) == expected
