"""UI text of the commands area."""

STRINGS: dict[str, dict[str, str]] = {"en": {}, "ru": {}}
