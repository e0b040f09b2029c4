"""YClients / Altegio: async client, shared rate limiter, lenient models, local cache."""

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
