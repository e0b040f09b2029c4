"""UI text catalogs, one module per area (see core/i18n.py)."""
