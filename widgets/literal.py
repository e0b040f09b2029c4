"""Text from clients and the bot is data: shown as typed, never as markup or escape codes.

`literal()` returns a Rich `Text` (never parsed for `[markup]`) in which control characters
are replaced by visible stand-ins: an ANSI escape `\\x1b[31m` shows as `␛[31m`, a bidi override
shows as `⟨U+202E⟩`, so a message cannot recolour the terminal, move the cursor or reorder a line.
"""

from __future__ import annotations

import unicodedata

from rich.style import Style
from rich.text import Text

_C0 = {code: chr(0x2400 + code) for code in range(0x20)}  # ␀ … ␟
_C0[0x7F] = "␡"
_KEEP = {"\n", "\t"}
# ZERO WIDTH JOINER binds emoji sequences (👩‍👩‍👧); it cannot reorder or hide text.
_ALLOWED_FORMAT = {"\u200d"}


def visible(text: str, *, single_line: bool = False) -> str:
    if text.isprintable():
        # The common case, and cheap: nothing below would replace a printable character
        # (controls, format, surrogate and private-use characters are all unprintable).
        return text
    out: list[str] = []
    for char in text:
        code = ord(char)
        if char in _KEEP and not single_line:
            out.append(char)
        elif char in _KEEP:
            out.append("↵" if char == "\n" else " ")
        elif code < 0x20 or code == 0x7F:
            out.append(_C0[code])
        elif char in _ALLOWED_FORMAT:
            out.append(char)
        elif 0x80 <= code < 0xA0 or unicodedata.category(char) in {"Cf", "Cs", "Co"}:
            # C1 controls, bidi overrides, zero-width and private-use characters.
            out.append(f"⟨U+{code:04X}⟩")
        else:
            out.append(char)
    return "".join(out)


_BIDI_CONTROLS = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}


def undrawable(text: str, *, allow: str = "\n\t\r") -> str | None:
    """The first character an editor would hand to the terminal as a command rather than
    draw (a C0 or C1 control, a bidi override, a lone surrogate), described, or None."""
    for index, char in enumerate(text):
        code = ord(char)
        if char in allow:
            continue
        if code < 0x20 or 0x7F <= code < 0xA0 or char in _BIDI_CONTROLS or 0xD800 <= code < 0xE000:
            return f"U+{code:04X} at position {index + 1}"
    return None


def stand_ins(text: str) -> str:
    """`visible()` for an editable field: one character for one, so the cursor, which counts
    characters, stays where it is drawn. C0 controls become ␀…␟, DEL ␡, and C1 controls,
    bidi and zero-width characters and lone surrogates become U+FFFD."""
    if text.isprintable():
        return text  # the common case, and cheap: nothing to replace
    out: list[str] = []
    for char in text:
        code = ord(char)
        if code < 0x20 or code == 0x7F:
            out.append(_C0[code])
        elif char in _ALLOWED_FORMAT or char == " ":
            out.append(char)
        elif 0x80 <= code < 0xA0 or unicodedata.category(char) in {"Cf", "Cs", "Co", "Zl", "Zp"}:
            out.append("\ufffd")
        else:
            out.append(char)
    return "".join(out)


def literal(
    text: object, *, style: str | Style = "", single_line: bool = False, limit: int | None = None
) -> Text:
    raw = "" if text is None else str(text)
    if limit is not None and len(raw) > limit:
        raw = raw[: max(0, limit - 1)] + "…"
    return Text(visible(raw, single_line=single_line), style=style, no_wrap=single_line)
