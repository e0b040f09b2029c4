"""Russian phone numbers in any formatting: `8 (912) 345-67-89`, `+7 912 3456789`, `9123456789`."""

from __future__ import annotations

import re

_DIGITS = re.compile(r"\D+")


def phone_digits(text: str) -> str:
    """The number as 11 digits starting with 7 when it looks Russian, else its digits as typed."""
    digits = _DIGITS.sub("", text)
    if len(digits) == 11 and digits[0] in "78":
        return "7" + digits[1:]
    if len(digits) == 10 and digits[0] == "9":
        return "7" + digits
    return digits


def looks_like_phone(text: str) -> bool:
    stripped = text.strip()
    return (
        bool(stripped)
        and not re.search(r"[^\d\s()+\-.]", stripped)
        and len(phone_digits(stripped)) >= 4
    )


def format_phone(digits_or_text: str) -> str:
    digits = phone_digits(digits_or_text)
    if len(digits) == 11 and digits.startswith("7"):
        return f"+7 {digits[1:4]} {digits[4:7]}-{digits[7:9]}-{digits[9:11]}"
    return digits_or_text
