"""Both languages are complete: every key in one is in the other, and every key used exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.actions import ACTIONS
from core.i18n import LANGUAGES, PLURAL_FORMS, catalog, detect_language, set_language, t

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
        for key, message in catalog(language).items():
            forms = [message] if isinstance(message, str) else list(message.values())
            assert all(form.strip() for form in forms), key


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_plural_message_has_the_languages_forms(language: str) -> None:
    for key, message in catalog(language).items():
        if not isinstance(message, str):
            assert set(message) == set(PLURAL_FORMS[language]), key


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (0, "0 команд ждут"),
        (1, "1 команда ждёт"),
        (2, "2 команды ждут"),
        (5, "5 команд ждут"),
        (11, "11 команд ждут"),
        (21, "21 команда ждёт"),
        (22, "22 команды ждут"),
        (25, "25 команд ждут"),
        (101, "101 команда ждёт"),
        (111, "111 команд ждут"),
        (4101, "4\u00a0101 команда ждёт"),
    ],
)
def test_russian_plural_forms_follow_cldr(count: int, expected: str) -> None:
    set_language("ru")
    try:
        assert t("status.outbox", count=count).startswith(expected)
    finally:
        set_language("en")


def test_a_plural_message_without_a_count_is_a_programming_error() -> None:
    with pytest.raises(TypeError):
        t("status.outbox")


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
