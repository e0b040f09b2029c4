"""A failure told in the user's language: the kind of error picks a text from the catalog.

Services explain failures in English sentences (the CLI and the log file show them as they
are). Pasted into a Russian message they would read «Сервер недоступен: cannot reach…», so the
UI names the kind of failure in the current language instead; in English the service's own
sentence, which says more, is kept. The full sentence always goes to the log file.
"""

from __future__ import annotations

import logging
import sys

from core.i18n import language, t
from services import errors
from services.yclients import errors as yclients

log = logging.getLogger(__name__)

_KINDS: tuple[tuple[type[BaseException], str], ...] = (
    (errors.BackendUnavailable, "unavailable"),
    (errors.BackendMisconfigured, "misconfigured"),
    (errors.BackendRejected, "rejected"),
    (errors.PermissionDenied, "permission"),
    (errors.NotFound, "not_found"),
    (errors.SessionClosed, "session_closed"),
    (errors.InvalidInput, "invalid"),
    (errors.UnreadableRow, "unreadable"),
    (yclients.YClientsAuthError, "yclients_auth"),
    (yclients.YClientsForbiddenError, "yclients_forbidden"),
    (yclients.YClientsNotFoundError, "yclients_not_found"),
    (yclients.YClientsPaymentRequiredError, "yclients_payment"),
    (yclients.YClientsRateLimitError, "yclients_rate_limit"),
    (yclients.YClientsError, "yclients"),
    (OSError, "file"),
)
# Sentences written for people: shown as they are in English.
_SPOKEN = (errors.ServiceError, yclients.YClientsError)


def sqlite_errors(*others: type[BaseException]) -> tuple[type[BaseException], ...]:
    """`others`, and `sqlite3.Error` once SQLite is loaded: for `except` and `isinstance`.

    Only what has loaded SQLite (the outbox with something in it, the YClients cache) can
    raise its errors, and loading it just to name its exception cost 2 MB of an idle app."""
    module = sys.modules.get("sqlite3")
    return (*others, module.Error) if module is not None else others


def kind_of(error: BaseException) -> str:
    if isinstance(error, sqlite_errors()):
        return "cache"
    for cls, kind in _KINDS:
        if isinstance(error, cls):
            return kind
    return "unexpected"


def failure_text(error: BaseException) -> str:
    """A short clause for `{reason}` in the current language."""
    log.info("shown to the user as a failure: %s: %s", type(error).__name__, error)
    if language() == "en" and isinstance(error, _SPOKEN):
        return str(error)
    return t(f"error.kind.{kind_of(error)}")
