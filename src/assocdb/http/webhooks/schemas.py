"""Wire types of the webhooks v3 API, named as in HubSpot's spec
(https://developers.hubspot.com/docs/api-reference/webhooks-webhooks-v3/)."""

from __future__ import annotations

from msgspec import UNSET, Struct, UnsetType

from assocdb.http.schemas import BatchErrorItem

__all__ = [
    "BatchInputSubscriptionBatchUpdateRequest",
    "BatchResponseSubscriptionResponse",
    "BatchResponseSubscriptionResponseWithErrors",
    "DeliveryList",
    "DeliveryWire",
    "SettingsChangeRequest",
    "SettingsResponse",
    "SubscriptionBatchUpdateRequest",
    "SubscriptionCreateRequest",
    "SubscriptionListResponse",
    "SubscriptionPatchRequest",
    "SubscriptionResponse",
    "ThrottlingSettings",
]


class ThrottlingSettings(Struct, omit_defaults=True):
    maxConcurrentRequests: int
    # The older ``period`` field: today's clients no longer send it; kept when given.
    period: str | UnsetType = UNSET


class SettingsChangeRequest(Struct):
    targetUrl: str
    throttling: ThrottlingSettings


class SettingsResponse(Struct):
    createdAt: str
    targetUrl: str
    throttling: ThrottlingSettings
    updatedAt: str


class SubscriptionCreateRequest(Struct):
    eventType: str
    propertyName: str | None = None
    active: bool = False
    objectTypeId: str | None = None
    eventTypeName: str | None = None


class SubscriptionPatchRequest(Struct):
    active: bool | None = None


class SubscriptionBatchUpdateRequest(Struct):
    id: int
    active: bool


class BatchInputSubscriptionBatchUpdateRequest(Struct):
    inputs: list[SubscriptionBatchUpdateRequest]


class SubscriptionResponse(Struct, omit_defaults=True):
    id: str
    eventType: str
    active: bool
    createdAt: str
    updatedAt: str
    propertyName: str | UnsetType = UNSET
    objectTypeId: str | UnsetType = UNSET


class SubscriptionListResponse(Struct):
    results: list[SubscriptionResponse]


class BatchResponseSubscriptionResponse(Struct):
    status: str
    results: list[SubscriptionResponse]
    startedAt: str
    completedAt: str


class BatchResponseSubscriptionResponseWithErrors(Struct):
    status: str
    results: list[SubscriptionResponse]
    numErrors: int
    errors: list[BatchErrorItem]
    startedAt: str
    completedAt: str


class DeliveryWire(Struct):
    """One delivery attempt (the admin API and ``assocdb webhooks log --json``)."""

    eventId: int
    appId: int
    portalId: int
    attemptNumber: int
    at: str
    statusCode: int | None
    error: str | None
    latencyMs: int
    delivered: bool
    nextRetryAt: str | None


class DeliveryList(Struct):
    results: list[DeliveryWire]
