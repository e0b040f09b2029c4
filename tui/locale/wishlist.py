"""UI text of the wishlist area."""

STRINGS: dict[str, dict[str, str]] = {"en": {}, "ru": {}}
