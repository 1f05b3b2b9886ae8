"""Admin API: webhook delivery attempts (``GET /_assocdb/webhooks/deliveries``), served
with the rest of the admin API (``serve --admin``)."""

from __future__ import annotations

import hmac

from starlette.responses import Response

from assocdb.domain.apps import webhook_store
from assocdb.domain.webhooks import DeliveryRecord
from assocdb.errors import InvalidAuthentication
from assocdb.http.call import Call, parse_object_id, query_limit
from assocdb.http.operation import Operation, QueryParam
from assocdb.http.render import iso_ms
from assocdb.http.webhooks.schemas import DeliveryList, DeliveryWire

__all__ = ["OPERATIONS", "delivery_wire"]

MAX_DELIVERIES = 1000  # per call: the log is for looking, not exporting


def delivery_wire(r: DeliveryRecord) -> DeliveryWire:
    return DeliveryWire(
        eventId=r.event_id,
        appId=r.app_id,
        portalId=r.portal_id,
        attemptNumber=r.attempt,
        at=iso_ms(r.at_ms),
        statusCode=r.status_code,
        error=r.error,
        latencyMs=r.latency_ms,
        delivered=r.status_code is not None and 200 <= r.status_code < 300,
        nextRetryAt=iso_ms(r.next_retry_at_ms) if r.next_retry_at_ms is not None else None,
    )


def _check_admin(call: Call) -> None:
    expected = call.request.app.state.harness.admin_token or ""
    scheme, _, given = (call.request.headers.get("authorization") or "").partition(" ")
    if (
        not expected
        or scheme.lower() != "bearer"
        or not hmac.compare_digest(given.strip().encode(), expected.encode())
    ):
        raise InvalidAuthentication("The admin API needs 'Authorization: Bearer <admin token>'.")


def _optional_id(raw: str | None, name: str) -> int | None:
    return None if not raw else parse_object_id(raw, name)


async def list_deliveries(call: Call) -> Response:
    _check_admin(call)
    params = call.request.query_params
    found = await webhook_store(call.services.store).list_deliveries(
        _optional_id(params.get("portalId"), "portalId"),
        _optional_id(params.get("appId"), "appId"),
        query_limit(params.get("limit"), 100, MAX_DELIVERIES),
    )
    return call.json(DeliveryList([delivery_wire(r) for r in found]))


OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "GET",
        "/_assocdb/webhooks/deliveries",
        list_deliveries,
        "adminWebhookDeliveries",
        "Webhook delivery attempts, latest first (event, attempt, status, latency, next retry)",
        "Admin",
        access=None,
        responses={200: DeliveryList},
        query=(
            QueryParam("portalId", "integer", "Only this portal's events."),
            QueryParam("appId", "integer", "Only this app's events."),
            QueryParam(
                "limit", "integer", f"At most this many (default 100, max {MAX_DELIVERIES})."
            ),
        ),
    ),
)
