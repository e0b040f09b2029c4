"""A secret string (a key, a token, a password) whose value never shows in a repr, a str, a log
line or a traceback's locals: only `get_secret_value()` hands it out.

pydantic's `SecretStr` does the same, but importing pydantic cost about a fifth of the app's
start-up before the login screen could paint, and the settings (read before that paint) hold
three of these. The repr is pydantic's, so logs and reports read the same as before.
"""

from __future__ import annotations


class SecretStr:
    __slots__ = ("_secret_value",)

    def __init__(self, secret_value: str) -> None:
        self._secret_value = secret_value

    def get_secret_value(self) -> str:
        return self._secret_value

    def __repr__(self) -> str:
        return f"SecretStr({str(self)!r})"

    def __str__(self) -> str:
        return "**********" if self._secret_value else ""

    def __len__(self) -> int:
        return len(self._secret_value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SecretStr) and self._secret_value == other._secret_value

    def __hash__(self) -> int:
        return hash(self._secret_value)
