"""Both languages are complete: every key in one is in the other, and every key used exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.actions import ACTIONS
from core.i18n import (
    LANGUAGES,
    PLURAL_FORMS,
    catalog,
    day_month,
    detect_language,
    money,
    number,
    plural_category,
    set_language,
    t,
)

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


# A count is `{count}` in a plural message; any other name for one (`{days}`, `{n}`) or an
# English "(s)" means a text that cannot agree with its number. A unit's abbreviation after
# the number ("3 д", "3 d") does not inflect, so it needs no plural forms.
COUNT_NAMES = re.compile(
    r"\{(count|days|hours|minutes|seconds|n|number|amount|messages|entries)\}"
    r"(?![ \u00a0](д|ч|мин|с|d|h|min|s)\b)"
)
COUNTS = (0, 1, 2, 5, 11, 21, 22, 25, 101, 111)


def placeholders(text: str) -> set[str]:
    return set(re.findall(r"\{(\w+)\}", text))


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_message_that_takes_a_count_is_a_plural_message(language: str) -> None:
    for key, message in catalog(language).items():
        if isinstance(message, str):
            # A number with no words to agree with (a badge: "{name} ●{count}") is fine.
            words = any(char.isalpha() for char in re.sub(r"\{\w+\}", "", message))
            assert not (words and COUNT_NAMES.search(message)), f"{key}: needs plural forms"
            assert "(s)" not in message, f"{key}: a count needs plural forms, not (s)"
        else:
            for form in message.values():
                assert "{count}" in form, f"{key}: every form shows the count"


def test_plural_messages_take_the_same_values_in_both_languages() -> None:
    en, ru = catalog("en"), catalog("ru")
    for key, message in en.items():
        assert isinstance(message, str) == isinstance(ru[key], str), key
        forms_en = [message] if isinstance(message, str) else list(message.values())
        forms_ru = [ru[key]] if isinstance(ru[key], str) else list(ru[key].values())  # type: ignore[union-attr]
        names = {frozenset(placeholders(form)) for form in forms_en + forms_ru}
        assert len(names) == 1, f"{key}: {names}"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("count", COUNTS)
def test_every_plural_message_renders_every_count(language: str, count: int) -> None:
    """Each plural message, each count: the CLDR form for that count, the number grouped."""
    set_language(language)
    try:
        for key, message in catalog(language).items():
            if isinstance(message, str):
                continue
            values = {name: "X" for form in message.values() for name in placeholders(form)}
            values.pop("count", None)
            text = t(key, count=count, **values)
            form = message[plural_category(count, language)]
            assert text == form.format(count=number(count, language), **values), key
            assert number(count, language) in text, key
    finally:
        set_language("en")


@pytest.mark.parametrize(
    ("key", "count", "expected"),
    [
        ("wishlist.info.count", 0, "0 записей"),
        ("wishlist.info.count", 1, "1 запись"),
        ("wishlist.info.count", 2, "2 записи"),
        ("wishlist.info.count", 5, "5 записей"),
        ("wishlist.info.count", 11, "11 записей"),
        ("wishlist.info.count", 21, "21 запись"),
        ("wishlist.info.count", 22, "22 записи"),
        ("wishlist.info.count", 25, "25 записей"),
        ("wishlist.info.count", 101, "101 запись"),
        ("wishlist.info.count", 111, "111 записей"),
        ("wishlist.info.count", 12345, "12\u00a0345 записей"),
        ("commands.error.too_long", 4101, "4\u00a0101 символ,"),
        ("commands.error.too_long", 4102, "4\u00a0102 символа,"),
        ("commands.error.too_long", 4105, "4\u00a0105 символов,"),
        ("thread.count", 21, "21 сообщение"),
        ("thread.count", 111, "111 сообщений"),
        ("sessions.count_all", 1, "Показан 1 диалог"),
        ("sessions.count_all", 2, "Показано 2 диалога"),
        ("sessions.count_all", 5, "Показано 5 диалогов"),
        ("analytics.custom.too_long", 1, "Период — не больше 1 дня"),
        ("analytics.custom.too_long", 21, "Период — не больше 21 дня"),
        ("analytics.custom.too_long", 366, "Период — не больше 366 дней"),
        ("notice.outbox_sent", 1, "Из очереди отправлена 1 команда"),
        ("notice.outbox_sent", 3, "Из очереди отправлены 3 команды"),
        ("notice.outbox_sent", 11, "Из очереди отправлено 11 команд"),
    ],
)
def test_russian_forms_agree_with_the_number(key: str, count: int, expected: str) -> None:
    set_language("ru")
    try:
        assert t(key, count=count, limit="4\u00a0096", shown="1", key="o").startswith(expected)
    finally:
        set_language("en")


@pytest.mark.parametrize(
    ("key", "count", "expected"),
    [
        ("wishlist.info.count", 0, "0 entries"),
        ("wishlist.info.count", 1, "1 entry"),
        ("wishlist.info.count", 21, "21 entries"),
        ("notice.outbox_sent", 1, "1 queued command sent"),
        ("notice.outbox_sent", 2, "2 queued commands sent"),
        ("thread.count", 1234, "1,234 messages"),
    ],
)
def test_english_forms_agree_with_the_number(key: str, count: int, expected: str) -> None:
    assert t(key, count=count).startswith(expected)


@pytest.mark.parametrize(
    ("language", "figures"),
    [
        ("ru", ("1\u00a0956\u00a0290\u00a0₽", "6 дек", "12\u00a0345")),
        ("en", ("1,956,290\u00a0₽", "Dec 6", "12,345")),
    ],
)
def test_numbers_money_and_dates_per_locale(language: str, figures: tuple[str, ...]) -> None:
    from datetime import date

    assert (money(1956290, language), day_month(date(2026, 12, 6), language)) == figures[:2]
    assert number(12345, language) == figures[2]


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
