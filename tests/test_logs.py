"""No secret reaches a log line, whatever logs it."""

from __future__ import annotations

import io
import logging
from pathlib import Path

from tui.logs import configure, redact

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoic2VydmljZV9yb2xlIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ"


def test_redact_masks_every_kind_of_secret() -> None:
    line = (
        f"GET ws://127.0.0.1/realtime/v1/websocket?apikey={JWT}&vsn=1.0.0 "
        f"Authorization: Bearer partner-token-123, User user-token-abcdefghijkl "
        f"password=hunter22 service_key: {JWT}"
    )
    cleaned = redact(line)
    for secret in (JWT, "partner-token-123", "user-token-abcdefghijkl", "hunter22"):
        assert secret not in cleaned
    assert "vsn=1.0.0" in cleaned and "apikey=***" in cleaned


def test_records_and_tracebacks_are_redacted(tmp_path: Path) -> None:
    log_file = tmp_path / "logs" / "agentp.log"
    configure(verbose=True, log_file=log_file)
    try:
        logging.getLogger("realtime").error("Connection attempt failed: %s", f"apikey={JWT}")
        try:
            raise RuntimeError(f"boom Bearer {JWT}")
        except RuntimeError:
            logging.getLogger("x").exception("failed")
        for handler in logging.getLogger().handlers:
            handler.flush()
        text = log_file.read_text()
        assert JWT not in text
        assert "Connection attempt failed" in text and "RuntimeError" in text
        assert oct(log_file.stat().st_mode & 0o777) == "0o600"
    finally:
        configure(verbose=False, log_file=None, stream=io.StringIO())


def test_an_sb_secret_key_is_masked_even_in_free_text() -> None:
    secret = "sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz"
    cleaned = redact(f"connecting with {secret} to the project; apikey={secret}")
    assert secret not in cleaned
    assert "sb_secret_" not in cleaned.replace("sb_secret_…", "")
