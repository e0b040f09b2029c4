"""widgets/error_text.py names SQLite's errors without loading SQLite itself."""

from __future__ import annotations

import sqlite3
import sys

import pytest

from widgets.error_text import kind_of, sqlite_errors


def test_a_sqlite_error_is_told_as_the_cache_once_sqlite_is_loaded() -> None:
    assert kind_of(sqlite3.OperationalError("disk I/O error")) == "cache"
    assert kind_of(PermissionError("denied")) == "file"
    assert sqlite_errors(OSError) == (OSError, sqlite3.Error)


def test_without_sqlite_loaded_the_others_are_all(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "sqlite3")
    assert sqlite_errors(OSError, ValueError) == (OSError, ValueError)
    assert kind_of(ValueError("x")) == "unexpected"
