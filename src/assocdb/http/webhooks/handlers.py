"""Handlers of the webhooks v3 API: authenticate the app by its developer API key
(``hapikey``), decode, one domain call, render."""

from __future__ import annotations

from starlette.responses import Response

from assocdb.domain.apps import authenticate_app, webhook_store
from assocdb.domain.clock import now_ms
from assocdb.domain.webhook_service import MAX_BATCH_UPDATE, WebhookService
from assocdb.domain.webhooks import SubscriptionRecord, WebhookSettings
from assocdb.errors import ValidationError
from assocdb.http.call import Call
from assocdb.http.errors import CORRELATION_HEADER, batch_error_item
from assocdb.http.operation import Operation, QueryParam
from assocdb.http.render import batch_answer, iso_ms
from assocdb.http.webhooks.schemas import (
    BatchInputSubscriptionBatchUpdateRequest,
    BatchResponseSubscriptionResponse,
    BatchResponseSubscriptionResponseWithErrors,
    SettingsChangeRequest,
    SettingsResponse,
    SubscriptionCreateRequest,
    SubscriptionListResponse,
    SubscriptionPatchRequest,
    SubscriptionResponse,
    ThrottlingSettings,
)

__all__ = ["OPERATIONS"]

_MAX_ID = 2**31 - 1  # appId and subscriptionId are int32 in HubSpot's spec


async def _app(call: Call) -> tuple[int, WebhookService]:
    """The path's app, once its developer API key (``hapikey``) is checked."""
    app_id = _int32(call, "appId")
    await authenticate_app(call.services.store, app_id, call.request.query_params.get("hapikey"))
    return app_id, WebhookService(webhook_store(call.services.store))


def _int32(call: Call, name: str) -> int:
    raw = call.request.path_params[name]
    # Length first: int() refuses more than 4,300 digits with a ValueError.
    if not raw.isascii() or not raw.isdigit() or len(raw) > 10 or not 0 < int(raw) <= _MAX_ID:
        raise ValidationError(
            f"Invalid {name} '{raw[:40]}': it must be a positive 32-bit integer.",
            context={name: [raw[:40]]},
        )
    return int(raw)


def _settings(s: WebhookSettings) -> SettingsResponse:
    throttling = ThrottlingSettings(s.max_concurrent)
    if s.period is not None:
        throttling.period = s.period
    return SettingsResponse(
        iso_ms(s.created_at_ms), s.target_url, throttling, iso_ms(s.updated_at_ms)
    )


def _subscription(s: SubscriptionRecord) -> SubscriptionResponse:
    wire = SubscriptionResponse(
        str(s.subscription_id),
        s.event_type,
        s.active,
        iso_ms(s.created_at_ms),
        iso_ms(s.updated_at_ms),
    )
    if s.property_name is not None:
        wire.propertyName = s.property_name
    if s.generic:
        wire.objectTypeId = s.object_type_id
    return wire


def _no_content(call: Call) -> Response:
    return Response(status_code=204, headers={CORRELATION_HEADER: call.correlation_id})


async def get_settings(call: Call) -> Response:
    app_id, service = await _app(call)
    return call.json(_settings(await service.settings(app_id)))


async def configure(call: Call) -> Response:
    app_id, service = await _app(call)
    body = await call.body(SettingsChangeRequest)
    period = body.throttling.period if isinstance(body.throttling.period, str) else None
    made = await service.configure(
        app_id, body.targetUrl, body.throttling.maxConcurrentRequests, period, now_ms()
    )
    return call.json(_settings(made))


async def clear_settings(call: Call) -> Response:
    app_id, service = await _app(call)
    await service.clear(app_id)
    return _no_content(call)


async def list_subscriptions(call: Call) -> Response:
    app_id, service = await _app(call)
    found = await service.subscriptions(app_id)
    return call.json(SubscriptionListResponse([_subscription(s) for s in found]))


async def create_subscription(call: Call) -> Response:
    app_id, service = await _app(call)
    body = await call.body(SubscriptionCreateRequest)
    made = await service.subscribe(
        app_id, body.eventType, body.objectTypeId, body.propertyName, body.active, now_ms()
    )
    return call.json(_subscription(made), 201)


async def get_subscription(call: Call) -> Response:
    app_id, service = await _app(call)
    found = await service.subscription(app_id, _int32(call, "subscriptionId"))
    return call.json(_subscription(found))


async def update_subscription(call: Call) -> Response:
    app_id, service = await _app(call)
    body = await call.body(SubscriptionPatchRequest)
    sub_id = _int32(call, "subscriptionId")
    return call.json(_subscription(await service.set_active(app_id, sub_id, body.active, now_ms())))


async def delete_subscription(call: Call) -> Response:
    app_id, service = await _app(call)
    await service.unsubscribe(app_id, _int32(call, "subscriptionId"))
    return _no_content(call)


async def batch_update(call: Call) -> Response:
    app_id, service = await _app(call)
    body = await call.body(BatchInputSubscriptionBatchUpdateRequest)
    changes = [(i.id, i.active) for i in body.inputs]
    updated, errors = await service.batch_set_active(app_id, changes, now_ms())
    return batch_answer(
        call,
        [_subscription(s) for s in updated],
        [batch_error_item(e) for e in errors],
        BatchResponseSubscriptionResponse,
        BatchResponseSubscriptionResponseWithErrors,
    )


_HAPIKEY = (QueryParam("hapikey", "string", "The app's developer API key."),)
_BASE = "/webhooks/v3/{appId}"


def _op(
    method: str,
    path: str,
    handler: object,
    operation_id: str,
    summary: str,
    request: type | None = None,
    responses: dict[int, type | None] | None = None,
    batch_limit: int | None = None,
) -> Operation:
    return Operation(
        method,
        _BASE + path,
        handler,  # type: ignore[arg-type]
        operation_id,
        summary + " (the app's developer API key as hapikey)",
        "Webhooks",
        access=None,  # the developer API key, not a portal token (checked in _app)
        request=request,
        responses=responses or {204: None},
        query=_HAPIKEY,
        batch_limit=batch_limit,
    )


OPERATIONS: tuple[Operation, ...] = (
    _op(
        "GET",
        "/settings",
        get_settings,
        "webhooksGetSettings",
        "Read webhook settings",
        responses={200: SettingsResponse},
    ),
    _op(
        "PUT",
        "/settings",
        configure,
        "webhooksConfigure",
        "Set the target URL and throttling",
        SettingsChangeRequest,
        {200: SettingsResponse},
    ),
    _op("DELETE", "/settings", clear_settings, "webhooksClearSettings", "Delete the settings"),
    _op(
        "GET",
        "/subscriptions",
        list_subscriptions,
        "webhooksListSubscriptions",
        "List event subscriptions",
        responses={200: SubscriptionListResponse},
    ),
    _op(
        "POST",
        "/subscriptions",
        create_subscription,
        "webhooksCreateSubscription",
        "Create an event subscription (paused unless active: true)",
        SubscriptionCreateRequest,
        {201: SubscriptionResponse},
    ),
    _op(
        "POST",
        "/subscriptions/batch/update",
        batch_update,
        "webhooksBatchUpdate",
        "Activate or pause subscriptions in a batch",
        BatchInputSubscriptionBatchUpdateRequest,
        {200: BatchResponseSubscriptionResponse, 207: BatchResponseSubscriptionResponseWithErrors},
        batch_limit=MAX_BATCH_UPDATE,
    ),
    _op(
        "GET",
        "/subscriptions/{subscriptionId}",
        get_subscription,
        "webhooksGetSubscription",
        "Read an event subscription",
        responses={200: SubscriptionResponse},
    ),
    _op(
        "PATCH",
        "/subscriptions/{subscriptionId}",
        update_subscription,
        "webhooksUpdateSubscription",
        "Activate or pause an event subscription",
        SubscriptionPatchRequest,
        {200: SubscriptionResponse},
    ),
    _op(
        "DELETE",
        "/subscriptions/{subscriptionId}",
        delete_subscription,
        "webhooksDeleteSubscription",
        "Delete an event subscription",
    ),
)
