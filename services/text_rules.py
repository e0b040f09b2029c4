"""What text may contain before it is sent anywhere: by staff to a client, or to the backend."""

from __future__ import annotations

import unicodedata

# Newlines and tabs are how people write; every other control character (ESC of an ANSI
# sequence, NUL, bidi overrides) would reach the client's messenger or a terminal as a weapon.
_ALLOWED_CONTROLS = {"\n", "\t"}
_BIDI_CONTROLS = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}
# Characters that draw nothing by themselves: a message made only of these looks empty.
_INVISIBLE_CATEGORIES = {"Cf", "Mn", "Me", "Zs", "Zl", "Zp", "Cc"}


def forbidden_character(
    text: str, *, allow: frozenset[str] | set[str] = _ALLOWED_CONTROLS
) -> str | None:
    """A printable description of the first forbidden character, or None."""
    for index, char in enumerate(text):
        if char in allow:
            continue
        if unicodedata.category(char) in {"Cc", "Cs"} or char in _BIDI_CONTROLS:
            return f"U+{ord(char):04X} at position {index + 1}"
    return None


def shows_nothing(text: str) -> bool:
    """True when the text would look empty: only spaces, line breaks, zero-width and
    combining characters (a 'message' of U+200B reaches the client as a blank bubble)."""
    return all(unicodedata.category(char) in _INVISIBLE_CATEGORIES for char in text)


def unsendable_character(text: str) -> str | None:
    """What no request can carry and no Postgres text can hold: NUL and unpaired surrogates
    (a broken paste). A printable description of the first one, or None."""
    for index, char in enumerate(text):
        if char == "\x00" or 0xD800 <= ord(char) <= 0xDFFF:
            return f"U+{ord(char):04X} at position {index + 1}"
    return None
