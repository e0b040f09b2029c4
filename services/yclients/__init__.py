"""YClients / Altegio: async client, shared rate limiter, lenient models, local cache.

The names below are imported on first use (PEP 562): the app's error texts need only
`services.yclients.errors`, and the client, its models and httpx are not wanted on the way to the
login screen.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from services.yclients.client import (
        ACCEPT_ALTEGIO,
        ACCEPT_YCLIENTS,
        ALTEGIO_BASE_URL,
        YCLIENTS_BASE_URL,
        YClientsClient,
    )
    from services.yclients.errors import (
        YClientsApiError,
        YClientsAuthError,
        YClientsError,
        YClientsForbiddenError,
        YClientsNetworkError,
        YClientsNotFoundError,
        YClientsPaymentRequiredError,
        YClientsProtocolError,
        YClientsRateLimitError,
        YClientsServerError,
        YClientsUnstableDataError,
        YClientsValidationError,
    )
    from services.yclients.limiter import RateLimiter, Window, shared_limiter
    from services.yclients.models import Record, ServiceLine
    from services.yclients.responses import ClientStats, RecordPage

_WHERE = {
    "ACCEPT_ALTEGIO": "services.yclients.client",
    "ACCEPT_YCLIENTS": "services.yclients.client",
    "ALTEGIO_BASE_URL": "services.yclients.client",
    "YCLIENTS_BASE_URL": "services.yclients.client",
    "YClientsClient": "services.yclients.client",
    "YClientsApiError": "services.yclients.errors",
    "YClientsAuthError": "services.yclients.errors",
    "YClientsError": "services.yclients.errors",
    "YClientsForbiddenError": "services.yclients.errors",
    "YClientsNetworkError": "services.yclients.errors",
    "YClientsNotFoundError": "services.yclients.errors",
    "YClientsPaymentRequiredError": "services.yclients.errors",
    "YClientsProtocolError": "services.yclients.errors",
    "YClientsRateLimitError": "services.yclients.errors",
    "YClientsServerError": "services.yclients.errors",
    "YClientsUnstableDataError": "services.yclients.errors",
    "YClientsValidationError": "services.yclients.errors",
    "RateLimiter": "services.yclients.limiter",
    "Window": "services.yclients.limiter",
    "shared_limiter": "services.yclients.limiter",
    "Record": "services.yclients.models",
    "ServiceLine": "services.yclients.models",
    "ClientStats": "services.yclients.responses",
    "RecordPage": "services.yclients.responses",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "ACCEPT_ALTEGIO",
    "ACCEPT_YCLIENTS",
    "ALTEGIO_BASE_URL",
    "YCLIENTS_BASE_URL",
    "ClientStats",
    "RateLimiter",
    "Record",
    "RecordPage",
    "ServiceLine",
    "Window",
    "YClientsApiError",
    "YClientsAuthError",
    "YClientsClient",
    "YClientsError",
    "YClientsForbiddenError",
    "YClientsNetworkError",
    "YClientsNotFoundError",
    "YClientsPaymentRequiredError",
    "YClientsProtocolError",
    "YClientsRateLimitError",
    "YClientsServerError",
    "YClientsUnstableDataError",
    "YClientsValidationError",
    "shared_limiter",
]
