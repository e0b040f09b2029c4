"""Client and bot text is data: markup and escape codes are shown, never applied."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

from widgets.literal import literal, visible


def rendered(text: str) -> str:
    console = Console(width=200, record=True, force_terminal=True, color_system="truecolor")
    console.print(literal(text))
    return console.export_text()


def test_markup_is_printed_as_typed() -> None:
    assert rendered("[bold]Анна[/bold] [link=https://evil.example]x[/link]").strip() == (
        "[bold]Анна[/bold] [link=https://evil.example]x[/link]"
    )


def test_escape_sequences_become_visible() -> None:
    assert visible("\x1b[31mКРАСНЫЙ\x1b[0m") == "␛[31mКРАСНЫЙ␛[0m"
    assert visible("a\x00b\x07c\x7f") == "a␀b␇c␡"
    assert visible("\x9b31m") == "⟨U+009B⟩31m"  # C1 CSI
    assert visible("abc\u202edef") == "abc⟨U+202E⟩def"  # right-to-left override
    assert visible("zero\u200bwidth") == "zero⟨U+200B⟩width"


def test_newlines_stay_or_fold_on_one_line() -> None:
    assert visible("a\nb\tc") == "a\nb\tc"
    assert visible("a\nb\tc", single_line=True) == "a↵b c"


def test_emoji_sequences_survive() -> None:
    family = "👩\u200d👩\u200d👧"
    assert visible(family) == family


def test_limit_truncates_with_an_ellipsis() -> None:
    assert literal("абвгдеёж", limit=5).plain == "абвг…"


@given(st.text())
def test_nothing_reaches_the_terminal_as_a_control_character(text: str) -> None:
    shown = visible(text, single_line=True)
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in shown)
    assert "\x1b" not in rendered(text).replace("\n", "")
