"""Webhooks: apps, subscriptions, change events and their signatures (docs/webhooks.md).

HubSpot's behaviour follows its webhooks guide (https://developers.hubspot.com/docs/api/webhooks)
and its request-validation page
(https://developers.hubspot.com/docs/api/webhooks/validating-requests).

Events are data: the domain appends ``ChangeEvent``s to the transaction's ``EventSink``
(``StoreTx.events``), and storage writes them to the outbox in the same transaction. The
sink exists only for portals where an installed app has an active subscription, so writes
in every other portal pay one ``is None`` test.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import operator
import random
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import msgspec

from assocdb.domain.models import TypeSet
from assocdb.domain.objecttypes import STANDARD_TYPES, ObjectType, resolve_object_type
from assocdb.domain.registry import Category, defined_pair
from assocdb.errors import AssocdbError, ValidationError

__all__ = [
    "ACTIONS",
    "BATCH_SIZE",
    "DELIVERY_TIMEOUT_S",
    "MAX_ATTEMPTS",
    "MAX_CONCURRENCY",
    "MIN_CONCURRENCY",
    "App",
    "ChangeEvent",
    "DeliveryRecord",
    "EventSink",
    "OutboxEvent",
    "OutboxRow",
    "SubscriptionIndex",
    "SubscriptionRecord",
    "WebhookSettings",
    "association_changes",
    "backoff_ms",
    "expand_event",
    "is_primary",
    "merge_change",
    "new_app_secrets",
    "parse_event_type",
    "removed_associations",
    "request_body",
    "signature_headers",
]

# Delivery, as HubSpot's webhooks guide describes it
# (https://developers.hubspot.com/docs/api/webhooks): up to 100 events per request, a
# response within 5 seconds, and up to 10 attempts spread over about a day.
BATCH_SIZE = 100
DELIVERY_TIMEOUT_S = 5.0
MAX_ATTEMPTS = 10
# HubSpot's settings refuse a concurrency limit below 5; it documents no maximum, so 100
# (HubSpot's own batch size) bounds how many requests one app can have in flight.
MIN_CONCURRENCY = 5
MAX_CONCURRENCY = 100
# The longest wait between two attempts, and what the default backoff base gives:
# 2 min, 4 min, ... doubling, capped at 8 h: ten attempts span about 17 hours.
DEFAULT_RETRY_BASE_MS = 120_000
MAX_RETRY_DELAY_MS = 8 * 3600 * 1000

Action = Literal[
    "creation",
    "deletion",
    "propertyChange",
    "associationChange",
    "merge",
    "restore",
    "privacyDeletion",
]
ACTIONS: tuple[str, ...] = (
    "creation",
    "deletion",
    "propertyChange",
    "associationChange",
    "merge",
    "restore",
    "privacyDeletion",
)
# contact.privacyDeletion is a contact-only "hub event": no other object has it and the
# generic object.* form does not take it
# (https://developers.hubspot.com/changelog/now-live-webhooks-now-support-privacy-compliant-contact-deletions,
# https://developers.hubspot.com/docs/apps/legacy-apps/public-apps/create-generic-webhook-subscriptions).
_PRIVACY_DELETION_ONLY = frozenset({"contact"})
# The legacy ``{object}.{action}`` forms HubSpot lists in its webhooks v3 spec; every
# other object goes through the generic ``object.{action}`` form with an objectTypeId
# (https://developers.hubspot.com/changelog/public-beta-generic-webhook-subscriptions).
_LEGACY_OBJECTS = ("contact", "company", "deal", "ticket", "product", "line_item")
_NO_ASSOCIATION_CHANGE = frozenset({"product"})  # not in HubSpot's list for products
_PROPERTY_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_\-.]{0,99}")


@dataclass(frozen=True, slots=True)
class App:
    app_id: int
    name: str
    client_secret: str
    api_key_hash: str
    created_at_ms: int


def new_app_secrets() -> tuple[str, str]:
    """A client secret and a developer API key, shaped like HubSpot's (uuid-like)."""
    return str(_uuid()), str(_uuid())


def _uuid() -> str:
    raw = secrets.token_hex(16)
    return f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:]}"


@dataclass(frozen=True, slots=True)
class WebhookSettings:
    app_id: int
    target_url: str
    max_concurrent: int
    period: str | None
    created_at_ms: int
    updated_at_ms: int


@dataclass(frozen=True, slots=True)
class SubscriptionRecord:
    subscription_id: int
    app_id: int
    event_type: str
    """As created: ``contact.creation`` or ``object.creation``."""
    object_type_id: str
    """Always resolved, also for the legacy forms (``0-1`` for ``contact.*``)."""
    property_name: str | None
    active: bool
    created_at_ms: int
    updated_at_ms: int

    @property
    def action(self) -> str:
        return self.event_type.rpartition(".")[2]

    @property
    def generic(self) -> bool:
        return self.event_type.startswith("object.")


def parse_event_type(
    event_type: str, object_type_id: str | None, property_name: str | None
) -> tuple[str, str | None]:
    """The (object type id, property name) a new subscription listens to, or a 400."""
    subject, _, action = event_type.partition(".")
    if action not in ACTIONS:
        raise _bad_event_type(event_type)
    if action == "privacyDeletion" and subject not in _PRIVACY_DELETION_ONLY:
        raise _bad_event_type(event_type)
    if subject == "object":
        if not object_type_id:
            raise ValidationError(
                "objectTypeId is required for object.* subscriptions.",
                context={"objectTypeId": ["missing"]},
            )
        type_id = _resolve(object_type_id).type_id
    elif subject in _LEGACY_OBJECTS and not (
        action == "associationChange" and subject in _NO_ASSOCIATION_CHANGE
    ):
        type_id = _resolve(subject).type_id
        if object_type_id and _resolve(object_type_id).type_id != type_id:
            raise ValidationError(
                f"objectTypeId {object_type_id} does not match eventType {event_type}."
            )
    else:
        raise _bad_event_type(event_type)
    if action == "propertyChange":
        if not property_name or not _PROPERTY_NAME.fullmatch(property_name):
            raise ValidationError(
                "propertyName is required for propertyChange subscriptions.",
                context={"propertyName": [property_name or ""]},
            )
        return type_id, property_name
    return type_id, None


def _resolve(text: str) -> ObjectType:
    try:
        return resolve_object_type(text)
    except AssocdbError:
        raise ValidationError(
            f"Unknown objectTypeId '{text[:40]}'.", context={"objectTypeId": [text[:40]]}
        ) from None


def _bad_event_type(event_type: str) -> ValidationError:
    return ValidationError(
        f"Invalid eventType '{event_type[:60]}'.", context={"eventType": [event_type[:60]]}
    )


# -- change events and the sink --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChangeEvent:
    """One change as the domain sees it, before it is matched to subscriptions."""

    action: str
    object_type_id: str
    object_id: int
    occurred_at_ms: int
    property_name: str | None = None
    property_value: str | None = None
    # associationChange only: the other side, and what happened to the pair.
    to_type_id: str | None = None
    to_object_id: int | None = None
    association_removed: bool = False
    primary: bool = False
    # merge only: the records merged into ``object_id`` (the primary, which assocdb keeps,
    # so it is also the newObjectId) and how many properties the primary took from them.
    merged_object_ids: tuple[int, ...] = ()
    properties_moved: int = 0


@dataclass(frozen=True, slots=True)
class SubscriptionRef:
    app_id: int
    subscription_id: int
    event_type: str
    property_name: str | None
    generic: bool


class SubscriptionIndex:
    """A portal's active subscriptions (of the apps installed there), keyed for matching."""

    __slots__ = ("_by_key",)

    def __init__(self, subscriptions: Iterable[SubscriptionRecord]) -> None:
        self._by_key: dict[tuple[str, str], list[SubscriptionRef]] = {}
        for s in subscriptions:
            if s.active:
                ref = SubscriptionRef(
                    s.app_id, s.subscription_id, s.event_type, s.property_name, s.generic
                )
                self._by_key.setdefault((s.object_type_id, s.action), []).append(ref)

    def __bool__(self) -> bool:
        return bool(self._by_key)

    def wants(self, object_type_id: str, action: str) -> bool:
        return (object_type_id, action) in self._by_key

    def wants_action(self, action: str) -> bool:
        return any(a == action for _, a in self._by_key)

    def matching(self, change: ChangeEvent) -> list[SubscriptionRef]:
        refs = self._by_key.get((change.object_type_id, change.action), ())
        if change.action != "propertyChange":
            return list(refs)
        return [r for r in refs if r.property_name == change.property_name]


@dataclass(frozen=True, slots=True)
class OutboxRow:
    app_id: int
    portal_id: int
    subscription_id: int
    occurred_at_ms: int
    payload: str
    """The event's JSON object without ``eventId`` and ``attemptNumber`` (added on send)."""


@dataclass(slots=True)
class EventSink:
    """The changes of one transaction, for the outbox. ``StoreTx.events`` holds one when
    the portal has subscribers, else None."""

    portal_id: int
    index: SubscriptionIndex
    changes: list[ChangeEvent] = field(default_factory=list)
    change_source: str = "API"
    """HubSpot's ``changeSource`` (https://developers.hubspot.com/docs/api/webhooks): ``API``
    for the API, ``IMPORT`` for seeds [inferred: the guide gives no list of values]."""

    def wants(self, object_type_id: str, action: str) -> bool:
        return self.index.wants(object_type_id, action)

    def wants_action(self, action: str) -> bool:
        """Whether any object type's subscriptions take ``action`` (before the types a
        change touches are known, e.g. the to-types of an archived record's associations)."""
        return self.index.wants_action(action)

    def add(self, change: ChangeEvent) -> None:
        if self.index.wants(change.object_type_id, change.action):
            self.changes.append(change)

    def rows(self) -> list[OutboxRow]:
        """One outbox row per (change, matching subscription), in change order."""
        rows: list[OutboxRow] = []
        for change in self.changes:
            for ref in self.index.matching(change):
                body = _payload(change, ref, self.portal_id, self.change_source)
                rows.append(
                    OutboxRow(
                        ref.app_id,
                        self.portal_id,
                        ref.subscription_id,
                        change.occurred_at_ms,
                        _encoder.encode(body).decode(),
                    )
                )
        return rows

    def compact(self) -> list[tuple[object, ...]]:
        """The events of ``rows()``, in the same order, as plain tuples (the subscription's
        fields, the change source, then every ``ChangeEvent`` field): what storage writes,
        one outbox row per transaction. Tuples, not payload objects: half the CPU on the
        write path; the worker builds HubSpot's JSON with ``expand_event`` when it fans the
        row out."""
        source = self.change_source
        return [
            (
                ref.app_id,
                ref.subscription_id,
                ref.event_type,
                ref.generic,
                source,
                *_change_fields(change),
            )
            for change in self.changes
            for ref in self.index.matching(change)
        ]


_change_fields = operator.attrgetter(*(f.name for f in dataclasses.fields(ChangeEvent)))


def expand_event(portal_id: int, item: Sequence[Any]) -> dict[str, object]:
    """HubSpot's payload of one ``EventSink.compact`` tuple (as JSON gave it back)."""
    app_id, subscription_id, event_type, generic, source, *change = item
    ref = SubscriptionRef(int(app_id), int(subscription_id), str(event_type), None, bool(generic))
    return _payload(ChangeEvent(*change), ref, portal_id, str(source))


_encoder = msgspec.json.Encoder()
_TYPE_NAMES = {t.type_id: t.name for t in STANDARD_TYPES}


def _payload(
    change: ChangeEvent, ref: SubscriptionRef, portal_id: int, source: str
) -> dict[str, object]:
    """The fields of HubSpot's event payload (https://developers.hubspot.com/docs/api/webhooks,
    "Webhook payloads"); the event type is in ``subscriptionType``."""
    body: dict[str, object] = {
        "subscriptionId": ref.subscription_id,
        "portalId": portal_id,
        "appId": ref.app_id,
        "occurredAt": change.occurred_at_ms,
        "subscriptionType": ref.event_type,
        "objectId": change.object_id,
        "changeSource": source,
    }
    if ref.generic:
        body["objectTypeId"] = change.object_type_id
    if change.action == "creation":
        body["changeFlag"] = "CREATED"
    elif change.action == "deletion":
        body["changeFlag"] = "DELETED"
    elif change.action == "propertyChange":
        body["propertyName"] = change.property_name
        body["propertyValue"] = change.property_value if change.property_value is not None else ""
    elif change.action == "associationChange":
        assert change.to_type_id is not None
        assert change.to_object_id is not None
        body["associationType"] = association_type(change.object_type_id, change.to_type_id)
        body["fromObjectId"] = change.object_id
        body["toObjectId"] = change.to_object_id
        body["associationRemoved"] = change.association_removed
        body["isPrimaryAssociation"] = change.primary
    elif change.action == "merge":
        # HubSpot's merge payload fields
        # (https://developers.hubspot.com/changelog/new-subscription-types-for-webhooks).
        body["primaryObjectId"] = change.object_id
        body["mergedObjectIds"] = list(change.merged_object_ids)
        body["newObjectId"] = change.object_id
        body["numberOfPropertiesMoved"] = change.properties_moved
    return body


def association_type(from_type_id: str, to_type_id: str) -> str:
    """``CONTACT_TO_COMPANY``: HubSpot's associationType in associationChange payloads."""
    from_name = _TYPE_NAMES.get(from_type_id, from_type_id)
    to_name = _TYPE_NAMES.get(to_type_id, to_type_id)
    return f"{from_name}_TO_{to_name}".upper()


def association_changes(
    sink: EventSink,
    from_type_id: str,
    to_type_id: str,
    changed: Iterable[tuple[int, int, bool, bool]],
    occurred_at_ms: int,
) -> None:
    """Events for changed pairs ``(from_id, to_id, removed, primary)``: one per side that
    is subscribed, as HubSpot fires them for both sides, same-type pairs included
    (https://developers.hubspot.com/changelog/bugfix-webhook-associationchanges)."""
    forward = sink.wants(from_type_id, "associationChange")
    backward = sink.wants(to_type_id, "associationChange")
    if not forward and not backward:
        return
    for from_id, to_id, removed, primary in changed:
        if forward:
            sink.add(
                ChangeEvent(
                    "associationChange",
                    from_type_id,
                    from_id,
                    occurred_at_ms,
                    to_type_id=to_type_id,
                    to_object_id=to_id,
                    association_removed=removed,
                    primary=primary,
                )
            )
        if backward:
            sink.add(
                ChangeEvent(
                    "associationChange",
                    to_type_id,
                    to_id,
                    occurred_at_ms,
                    to_type_id=from_type_id,
                    to_object_id=from_id,
                    association_removed=removed,
                    primary=primary,
                )
            )


def is_primary(from_type_id: str, to_type_id: str, types: TypeSet) -> bool:
    """Whether an association's types hold a Primary (one-per-record) type: HubSpot's
    ``isPrimaryAssociation``. Only HUBSPOT_DEFINED types can be Primary."""
    pair = defined_pair(from_type_id, to_type_id)
    if pair is None:
        return False
    for category, type_id in types:
        found = pair.types.get(type_id) if category == Category.HUBSPOT_DEFINED else None
        if found is not None and found.primary:
            return True
    return False


def removed_associations(
    sink: EventSink,
    from_type_id: str,
    edges: Iterable[tuple[int, str, int, TypeSet]],
    occurred_at_ms: int,
) -> None:
    """``associationRemoved: true`` events for the associations a record lost when it was
    archived, merged away or deleted: ``(object id, to type, to id, types)`` each, one
    event per subscribed side, as for an unassociate [inferred: HubSpot documents
    associationChange for association removals
    (https://developers.hubspot.com/changelog/new-subscription-types-for-webhooks) but not
    whether a deletion's removals send it]."""
    by_type: dict[str, list[tuple[int, int, bool, bool]]] = {}
    for object_id, to_type_id, to_id, types in edges:
        primary = is_primary(from_type_id, to_type_id, types)
        by_type.setdefault(to_type_id, []).append((object_id, to_id, True, primary))
    for to_type_id, changed in by_type.items():
        association_changes(sink, from_type_id, to_type_id, changed, occurred_at_ms)


def merge_change(
    sink: EventSink,
    object_type_id: str,
    primary_id: int,
    merged_ids: Sequence[int],
    properties_moved: int,
    occurred_at_ms: int,
) -> None:
    """A ``*.merge`` event on the primary record."""
    sink.add(
        ChangeEvent(
            "merge",
            object_type_id,
            primary_id,
            occurred_at_ms,
            merged_object_ids=tuple(merged_ids),
            properties_moved=properties_moved,
        )
    )


def object_changes(
    sink: EventSink,
    object_type_id: str,
    object_id: int,
    action: str,
    occurred_at_ms: int,
    properties: Mapping[str, str | None] | None = None,
) -> None:
    """A creation, deletion or privacyDeletion event, and one propertyChange per property
    given."""
    if action in ("creation", "deletion", "privacyDeletion"):
        sink.add(ChangeEvent(action, object_type_id, object_id, occurred_at_ms))
    if properties and sink.wants(object_type_id, "propertyChange"):
        for name, value in properties.items():
            sink.add(
                ChangeEvent(
                    "propertyChange",
                    object_type_id,
                    object_id,
                    occurred_at_ms,
                    property_name=name,
                    property_value=value,
                )
            )


# -- delivery ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OutboxEvent:
    """A claimed outbox row: ``attempts`` made so far (the next attemptNumber)."""

    event_id: int
    app_id: int
    portal_id: int
    subscription_id: int
    occurred_at_ms: int
    payload: str
    attempts: int


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    """One attempt at one event, for ``assocdb webhooks log`` and the admin API."""

    event_id: int
    app_id: int
    portal_id: int
    attempt: int
    at_ms: int
    status_code: int | None
    error: str | None
    latency_ms: int
    next_retry_at_ms: int | None
    delivery_id: int = 0
    """The attempt's own id, newest highest: the explorer's keyset."""
    subscription_type: str | None = None
    """From the event's payload (``contact.creation``); None once the event is gone."""
    object_id: int | None = None


def request_body(events: Sequence[OutboxEvent]) -> bytes:
    """The JSON array HubSpot posts: each stored object gains ``eventId`` and
    ``attemptNumber`` (counting from 0) at send time, so the stored payload never changes."""
    parts = [
        f'{{"eventId":{e.event_id},"attemptNumber":{e.attempts},{e.payload[1:]}' for e in events
    ]
    return ("[" + ",".join(parts) + "]").encode()


def signature_headers(secret: str, url: str, body: bytes, timestamp_ms: int) -> dict[str, str]:
    """HubSpot's signature headers: v1 (SHA-256 of secret + body, sent for webhooks) and
    v3 (base64 HMAC-SHA256 of method + URI + body + timestamp)
    (https://developers.hubspot.com/docs/api/webhooks/validating-requests)."""
    text = body.decode()
    v1 = hashlib.sha256(f"{secret}{text}".encode()).hexdigest()
    source = f"POST{url}{text}{timestamp_ms}".encode()
    v3 = base64.b64encode(hmac.new(secret.encode(), source, hashlib.sha256).digest()).decode()
    return {
        "X-HubSpot-Signature": v1,
        "X-HubSpot-Signature-Version": "v1",
        "X-HubSpot-Signature-v3": v3,
        "X-HubSpot-Request-Timestamp": str(timestamp_ms),
    }


def backoff_ms(attempts_made: int, base_ms: int, retry_after_s: float | None = None) -> int:
    """Wait before the next attempt: a 429's ``Retry-After`` when given, else ``base_ms``
    doubling per attempt made, with ±20 % jitter so failed batches do not retry in step."""
    if retry_after_s is not None:
        return int(min(max(retry_after_s, 0.0) * 1000, MAX_RETRY_DELAY_MS))
    delay = min(base_ms * 2 ** max(attempts_made - 1, 0), MAX_RETRY_DELAY_MS)
    return int(delay * random.uniform(0.8, 1.2))
