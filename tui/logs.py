"""Logging: to a file while the app owns the terminal, and never a secret in any line.

Textual draws on the terminal, so a library's warning printed there (a realtime reconnect, say)
would scribble over the screen: the app logs to `<data dir>/agentp.log` instead. Every record
passes a filter that masks JWTs (the service key), `apikey=` query values, bearer and YClients
tokens, and passwords in `key=value` form.
"""

from __future__ import annotations

import io
import logging
import logging.handlers
import re
from pathlib import Path
from typing import TextIO

from services.private_files import open_private, private_dir

_PATTERNS = (
    re.compile(r"eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]{8,}"),  # JWTs: Supabase keys and user tokens
    re.compile(r"sb_secret_[\w-]{8,}"),  # Supabase's current secret keys, wherever they appear
    re.compile(r"(?i)(apikey=)[^&\s'\"]+"),
    re.compile(r"(?i)(bearer\s+)[^\s,'\"]+"),
    re.compile(r"(?i)(user\s+)[A-Za-z0-9._-]{12,}"),  # YClients `Authorization: ..., User <t>`
    re.compile(r"(?i)((?:password|passwd|token|secret|service_key)\s*[=:]\s*)[^\s,'\"&]+"),
)
MASK = "***"


def redact(text: str) -> str:
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: (m.group(1) if m.groups() else "") + MASK, text)
    return text


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if record.exc_info and record.exc_info[1] is not None:
            # Tracebacks render the exception text; keep the type, mask the text.
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        record.msg, record.args = cleaned, None
        return True


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """Every file it opens, the first and each one after a rotation, is created 0600."""

    def _open(self) -> io.TextIOWrapper:
        return open_private(Path(self.baseFilename), "a", encoding=self.encoding or "utf-8")


def configure(
    *,
    verbose: bool,
    log_file: Path | None,
    stream: TextIO | None = None,
    max_bytes: int = 2_000_000,
) -> None:
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    handler: logging.Handler
    if log_file is not None:
        private_dir(log_file.parent)
        handler = PrivateRotatingFileHandler(
            log_file, maxBytes=max_bytes, backupCount=2, encoding="utf-8"
        )
    else:
        handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.INFO if verbose else logging.WARNING)
