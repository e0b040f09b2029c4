"""The shared app-test fixtures keep salons apart (a collision once broke whole-suite runs)."""

from __future__ import annotations

from tests.tui.conftest import _slug


def test_each_salon_name_gets_its_own_email_domain() -> None:
    names = ["Салон «Снимок Листа»", "Салон «Снимок Диалогов»", "Салон «Снимок»", "Lotos", "lotos"]
    slugs = [_slug(name) for name in names]
    assert len(set(slugs)) == len(names)
    assert _slug("Салон «Снимок Листа»") == _slug("Салон «Снимок Листа»")
    assert all(slug.replace("-", "").isalnum() and slug.isascii() for slug in slugs)
