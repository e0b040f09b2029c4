"""UI text of the analytics area."""

STRINGS: dict[str, dict[str, str]] = {"en": {}, "ru": {}}
