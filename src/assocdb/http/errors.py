"""The only place that turns exceptions into HubSpot error bodies.

HubSpot's error format: https://developers.hubspot.com/docs/guides/api/crm/using-object-apis
"""

from __future__ import annotations

import random
import uuid

from starlette.responses import Response

from assocdb.errors import AssocdbError
from assocdb.http.schemas import BatchErrorItem, Error, ErrorDetailWire, encoder

__all__ = ["CORRELATION_HEADER", "batch_error_item", "error_response", "new_correlation_id"]

CORRELATION_HEADER = "x-hubspot-correlation-id"
JSON_UTF8 = "application/json;charset=utf-8"


def new_correlation_id() -> str:
    # A version-4 UUID as uuid4() makes it, from the random module instead of os.urandom:
    # one per request, and a system call each was a measurable share of a small request.
    # Correlation ids only need to be unique, not unpredictable.
    return str(uuid.UUID(int=random.getrandbits(128), version=4))


def _context(exc: AssocdbError) -> dict[str, list[str]] | None:
    if exc.context is None:
        return None
    return {key: list(values) for key, values in exc.context.items()}


def error_body(exc: AssocdbError, correlation_id: str) -> Error:
    details = [
        ErrorDetailWire(
            message=d.message,
            code=d.code,
            subCategory=d.sub_category,
            context={k: list(v) for k, v in d.context.items()} if d.context else None,
        )
        for d in exc.errors
    ]
    return Error(
        status="error",
        message=exc.message,
        correlationId=correlation_id,
        category=exc.category,
        subCategory=exc.sub_category,
        context=_context(exc),
        links=dict(exc.links) if exc.links else None,
        errors=details or None,
    )


def error_response(
    exc: AssocdbError, correlation_id: str, headers: dict[str, str] | None = None
) -> Response:
    all_headers = {CORRELATION_HEADER: correlation_id, **(headers or {})}
    return Response(
        encoder.encode(error_body(exc, correlation_id)),
        status_code=exc.status_code,
        headers=all_headers,
        media_type=JSON_UTF8,
    )


def batch_error_item(exc: AssocdbError) -> BatchErrorItem:
    """One entry of a 207's ``errors[]``: no correlationId, ``status: "error"``.

    HubSpot: https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associate-records/guide
    """
    return BatchErrorItem(
        status="error",
        category=exc.category,
        message=exc.message,
        subCategory=exc.sub_category,
        context=_context(exc),
    )
