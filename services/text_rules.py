"""What text from staff may contain before it is sent anywhere."""

from __future__ import annotations

import unicodedata

# Newlines and tabs are how people write; every other control character (ESC of an ANSI
# sequence, NUL, bidi overrides) would reach the client's messenger or a terminal as a weapon.
_ALLOWED_CONTROLS = {"\n", "\t"}
_BIDI_CONTROLS = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}


def forbidden_character(text: str) -> str | None:
    """A printable description of the first forbidden character, or None."""
    for index, char in enumerate(text):
        if char in _ALLOWED_CONTROLS:
            continue
        if unicodedata.category(char) in {"Cc", "Cs"} or char in _BIDI_CONTROLS:
            return f"U+{ord(char):04X} at position {index + 1}"
    return None
