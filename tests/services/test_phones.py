from __future__ import annotations

import pytest

from services.phones import format_phone, looks_like_phone, phone_digits


@pytest.mark.parametrize(
    "typed",
    [
        "+7 912 345-67-89",
        "8 (912) 345-67-89",
        "89123456789",
        "9123456789",
        "+7(912)3456789",
        "7 912 345 67 89",
    ],
)
def test_every_formatting_of_one_russian_number_is_the_same(typed: str) -> None:
    assert phone_digits(typed) == "79123456789"
    assert looks_like_phone(typed)
    assert format_phone(typed) == "+7 912 345-67-89"


def test_partial_numbers_and_names() -> None:
    assert phone_digits("345-67") == "34567"
    assert looks_like_phone("345-67")
    assert not looks_like_phone("Анна")
    assert not looks_like_phone("12")
    assert format_phone("not a phone") == "not a phone"
