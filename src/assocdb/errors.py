"""The one exception tree.

Each class carries HubSpot's error ``category`` and the HTTP status it comes with
(HubSpot's error format, below). The domain raises these (or returns them as per-input
batch errors); ``assocdb.http.errors`` is the only place that turns them into JSON.

HubSpot: https://developers.hubspot.com/docs/guides/api/crm/using-object-apis
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

__all__ = [
    "AlreadyExists",
    "AssocdbError",
    "ClientDisconnected",
    "Conflict",
    "ErrorDetail",
    "InternalError",
    "InvalidAuthentication",
    "MissingScopes",
    "NotFound",
    "ObjectNotFound",
    "PayloadTooLarge",
    "RequestHeadTooLarge",
    "RequestTimeout",
    "ServiceUnavailable",
    "UnsupportedMediaType",
    "ValidationError",
]

Context = Mapping[str, Sequence[str]]


@dataclass(frozen=True, slots=True)
class ErrorDetail:
    """One entry of an error body's ``errors`` list (HubSpot's ``ErrorDetail``)."""

    message: str
    code: str | None = None
    sub_category: str | None = None
    context: Context | None = None


@dataclass(eq=False)
class AssocdbError(Exception):
    """Base class: a HubSpot-shaped failure of a whole request or of one batch input."""

    message: str
    sub_category: str | None = None
    context: Context | None = None
    errors: Sequence[ErrorDetail] = field(default_factory=tuple)
    links: Mapping[str, str] | None = None

    status_code = 500
    category = "INTERNAL_ERROR"

    def __post_init__(self) -> None:
        Exception.__init__(self, self.message)


class ValidationError(AssocdbError):
    status_code = 400
    category = "VALIDATION_ERROR"


class InvalidAuthentication(AssocdbError):
    status_code = 401
    category = "INVALID_AUTHENTICATION"


class MissingScopes(AssocdbError):
    status_code = 403
    category = "MISSING_SCOPES"


class ObjectNotFound(AssocdbError):
    status_code = 404
    category = "OBJECT_NOT_FOUND"


class NotFound(ObjectNotFound):
    """No route matches the path (HubSpot answers these with a 404 as well)."""


class MethodNotAllowed(AssocdbError):
    status_code = 405
    category = "VALIDATION_ERROR"


class PayloadTooLarge(AssocdbError):
    status_code = 413
    category = "VALIDATION_ERROR"


class UnsupportedMediaType(AssocdbError):
    status_code = 415
    category = "VALIDATION_ERROR"


class InternalError(AssocdbError):
    status_code = 500
    category = "INTERNAL_ERROR"


class ServiceUnavailable(AssocdbError):
    status_code = 503
    category = "SERVICE_UNAVAILABLE"


class Conflict(AssocdbError):
    """A value that must be unique already belongs to another record (HubSpot's 409)."""

    status_code = 409
    category = "CONFLICT"


class AlreadyExists(AssocdbError):
    """Creating a definition (a property, a group) whose name is taken (HubSpot's 409)."""

    status_code = 409
    category = "OBJECT_ALREADY_EXISTS"


class RequestTimeout(AssocdbError):
    """The request head did not arrive in time (``http/guard.py``; category [inferred])."""

    status_code = 408
    category = "VALIDATION_ERROR"


class RequestHeadTooLarge(AssocdbError):
    """Request line and headers over the cap (``http/guard.py``; category [inferred])."""

    status_code = 431
    category = "VALIDATION_ERROR"


class ClientDisconnected(AssocdbError):
    """The client went away before its request was read in full. Never seen by the
    client; the request log and metrics record it as 499 (nginx's "client closed
    request"), not as a server error."""

    status_code = 499
    category = "CLIENT_CLOSED_REQUEST"
