"""The settings' secret type (services/secret.py): the value only on request."""

from __future__ import annotations

import logging
import traceback

import pytest

from services.secret import SecretStr

KEY = "sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz"


def test_the_value_shows_nowhere_but_on_request(caplog: pytest.LogCaptureFixture) -> None:
    secret = SecretStr(KEY)
    assert secret.get_secret_value() == KEY
    logging.getLogger("test").warning("key %s %r %s", secret, secret, [secret])
    for shown in (str(secret), repr(secret), f"{secret}", f"{secret!r}", caplog.text):
        assert KEY not in shown
    assert repr(secret) == "SecretStr('**********')"
    assert str(SecretStr("")) == ""


def test_a_traceback_with_locals_does_not_show_it() -> None:
    def fails(key: SecretStr) -> None:
        raise RuntimeError("failed")

    try:
        fails(SecretStr(KEY))
    except RuntimeError as exc:
        text = "".join(
            traceback.TracebackException.from_exception(exc, capture_locals=True).format()
        )
    assert "key = SecretStr('**********')" in text
    assert KEY not in text


def test_equal_by_value() -> None:
    assert SecretStr(KEY) == SecretStr(KEY)
    assert SecretStr(KEY) != SecretStr("other")
    assert SecretStr(KEY) != KEY  # never equal to the bare string (no leak by comparison)
    assert len({SecretStr(KEY), SecretStr(KEY)}) == 1
