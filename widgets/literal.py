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


def literal(
    text: object, *, style: str | Style = "", single_line: bool = False, limit: int | None = None
) -> Text:
    raw = "" if text is None else str(text)
    if limit is not None and len(raw) > limit:
        raw = raw[: max(0, limit - 1)] + "…"
    return Text(visible(raw, single_line=single_line), style=style, no_wrap=single_line)
