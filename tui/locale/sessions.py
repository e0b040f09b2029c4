"""UI text of the sessions area."""

STRINGS: dict[str, dict[str, str]] = {"en": {}, "ru": {}}
