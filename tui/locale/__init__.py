"""UI text catalogs, one module per area (see tui/i18n.py)."""
