"""URLs as they may be shown: in an error line, a log record, a doctor report."""

from __future__ import annotations

from urllib.parse import urlsplit


def shown_url(url: str) -> str:
    """A URL fit for an error line or a log: no `user:password@`, no query, no fragment.

    A database or proxy URL can carry a password in it (`https://user:pass@host`), and a
    query an `apikey=`; neither belongs in a sentence someone may paste into a chat."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "(an unreadable URL)"
    if not host:
        return "(an unreadable URL)"
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    return f"{parts.scheme}://{netloc}{parts.path}" if parts.scheme else netloc


def shown_host(url: str) -> str:
    """host[:port] of a URL, never its credentials."""
    shown = shown_url(url)
    return shown.split("://", 1)[-1].split("/", 1)[0]
