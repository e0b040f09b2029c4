"""The pieces that keep hostile text off the terminal, with any text at all: the stand-ins of
editable fields, the paste check of the message editor, and the printable error text."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from services.backend import printable
from tests.hostile.conftest import count
from tests.hostile.corpus import CORPUS, huge
from widgets.literal import stand_ins, undrawable, visible

BIDI = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}


def dangerous(char: str) -> bool:
    return unicodedata.category(char) in {"Cc", "Cs"} or char in BIDI


@settings(max_examples=500)
@given(text=st.text())
def test_an_editable_field_draws_no_control_and_keeps_every_position(text: str) -> None:
    count("render.stand_ins.hypothesis")
    shown = stand_ins(text)
    assert len(shown) == len(text), "one character for one: the cursor stays where it is drawn"
    assert not any(dangerous(char) for char in shown)


@settings(max_examples=500)
@given(text=st.text())
def test_the_editor_refuses_exactly_the_pastes_it_could_not_draw(text: str) -> None:
    count("render.undrawable.hypothesis")
    problem = undrawable(text)
    risky = [c for c in text if dangerous(c) and c not in "\n\t\r"]
    assert (problem is None) == (not risky)
    if problem is not None:
        assert problem.startswith(f"U+{ord(risky[0]):04X} at position ")


@settings(max_examples=500)
@given(text=st.text(max_size=2000))
def test_a_database_message_quoting_any_value_is_printable_and_bounded(text: str) -> None:
    count("render.printable.hypothesis")
    shown = printable(f"invalid input syntax for type uuid: {text}")
    assert shown.isprintable()
    assert len(shown) <= 301


def test_the_corpus_reaches_no_terminal_raw() -> None:
    for entry in [*CORPUS, *huge()]:
        count("render.corpus", 3)
        for shown in (stand_ins(entry.text), visible(entry.text, single_line=True)):
            assert not any(dangerous(char) for char in shown), entry.name
        assert printable(entry.text).isprintable(), entry.name
