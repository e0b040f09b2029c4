"""Errors the service layer raises: each carries a message fit to show a person as it is."""

from __future__ import annotations


class ServiceError(Exception):
    """Base: `str(error)` is a complete sentence without secrets or stack details."""


class BackendUnavailable(ServiceError):
    """The backend could not be reached or did not answer; retrying later may work."""


class BackendMisconfigured(ServiceError):
    """The backend answers but is not set up for the dashboard (key, schema, migration)."""


class BackendRejected(ServiceError):
    """The backend refused one request (constraint, bad value); `code` is PostgREST's."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


class PermissionDenied(ServiceError):
    """The user's role does not allow this action."""


class NotFound(ServiceError):
    """Nothing of that id in the user's tenant (whether it exists elsewhere is not said)."""


class SessionClosed(ServiceError):
    """The user session this service was bound to has ended (logout, deactivation)."""


class InvalidInput(ServiceError):
    """What the user typed cannot be used (too long, malformed); nothing was sent."""


class UnreadableRow(ServiceError):
    """A row of the bot's tables the dashboard cannot read (a field of the wrong type)."""
