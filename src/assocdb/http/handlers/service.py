"""Unauthenticated service endpoints: health."""

from __future__ import annotations

import logging

from starlette.responses import Response

from assocdb.errors import ServiceUnavailable
from assocdb.http.call import Call
from assocdb.http.operation import Operation
from assocdb.http.schemas import Health

__all__ = ["OPERATIONS", "healthz"]

log = logging.getLogger("assocdb")


async def healthz(call: Call) -> Response:
    """200 once the store answers a query, else a HubSpot-shaped 503."""
    try:
        await call.services.store.ping()
    except Exception as exc:
        log.warning("health check failed: %s", exc)
        raise ServiceUnavailable("The store is not reachable.") from None
    return call.json(Health("ok"))


OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "GET",
        "/healthz",
        healthz,
        "health",
        "Liveness and store reachability",
        "Service",
        access=None,
        responses={200: Health},
    ),
)
