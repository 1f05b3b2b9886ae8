"""What both backends' webhook parts share: row mapping and the per-portal cache of
active subscriptions that decides, per write transaction, whether events are wanted."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import msgspec

from assocdb.domain.webhook_store import AttemptOutcome, DeliveryQuery
from assocdb.domain.webhooks import (
    App,
    DeliveryRecord,
    EventSink,
    OutboxEvent,
    SubscriptionIndex,
    SubscriptionRecord,
    WebhookSettings,
    expand_event,
)

__all__ = [
    "SinkCache",
    "app",
    "change_params",
    "delivery",
    "delivery_filter_params",
    "delivery_params",
    "event",
    "fan_out",
    "finish_params",
    "settings",
    "subscription",
]

# How long a portal's subscriptions are trusted without a look at the database. Changes
# made through this process apply at once (the cache is cleared); changes made by another
# worker or host apply within this time.
SUBSCRIPTIONS_TTL_S = 1.0


def app(row: Sequence[Any]) -> App:
    return App(int(row[0]), row[1], row[2], row[3], int(row[4]))


def settings(row: Sequence[Any]) -> WebhookSettings:
    return WebhookSettings(int(row[0]), row[1], int(row[2]), row[3], int(row[4]), int(row[5]))


def subscription(row: Sequence[Any]) -> SubscriptionRecord:
    return SubscriptionRecord(
        int(row[0]), int(row[1]), row[2], row[3], row[4], bool(row[5]), int(row[6]), int(row[7])
    )


def event(row: Sequence[Any]) -> OutboxEvent:
    return OutboxEvent(
        int(row[0]), int(row[1]), int(row[2]), int(row[3]), int(row[4]), row[5], int(row[6])
    )


def delivery(row: Sequence[Any]) -> DeliveryRecord:
    """A row of ``LIST_DELIVERIES``: the attempt, and from its event's stored payload
    the subscription type and object id (None once the event is gone)."""
    payload: dict[str, Any] = {}
    if row[10]:
        payload = msgspec.json.decode(row[10])
    object_id = payload.get("objectId")
    return DeliveryRecord(
        int(row[0]),
        int(row[1]),
        int(row[2]),
        int(row[3]),
        int(row[4]),
        row[5],
        row[6],
        int(row[7]),
        row[8],
        int(row[9]),
        payload.get("subscriptionType"),
        object_id if isinstance(object_id, int) else None,
    )


def delivery_filter_params(
    portal_id: int | None, app_id: int | None, query: DeliveryQuery
) -> tuple[object, ...]:
    """Parameters of ``LIST_DELIVERIES``."""
    ok = {"delivered": 1, "failed": 0, "retrying": 0}.get(query.outcome)
    retrying = 1 if query.outcome == "retrying" else None
    before = query.before
    return (portal_id, portal_id, app_id, app_id, before, before, ok, ok, retrying, query.limit)


class SinkCache:
    """Per portal: the active subscriptions of its installed apps, for a short while."""

    def __init__(self, load: Callable[[int], Awaitable[list[SubscriptionRecord]]]) -> None:
        self._load = load
        self._cache: dict[int, tuple[float, SubscriptionIndex]] = {}
        self.listener: Callable[[], None] | None = None
        """Called after a transaction that wrote events commits (wakes the worker)."""

    async def sink(
        self,
        portal_id: int,
        load: Callable[[int], Awaitable[list[SubscriptionRecord]]] | None = None,
    ) -> EventSink | None:
        """The portal's sink; on a cache miss the subscriptions come from ``load`` (default:
        the store's own loader), e.g. a transaction's connection instead of the pool."""
        now = time.monotonic()
        found = self._cache.get(portal_id)
        if found is None or found[0] < now:
            index = SubscriptionIndex(await (load or self._load)(portal_id))
            found = self._cache[portal_id] = (now + SUBSCRIPTIONS_TTL_S, index)
        return EventSink(portal_id, found[1]) if found[1] else None

    def clear(self) -> None:
        self._cache.clear()

    def committed(self, sink: EventSink | None) -> None:
        if sink is not None and sink.changes and self.listener is not None:
            self.listener()


_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(tuple[int, list[list[Any]]])


def change_params(sink: EventSink | None) -> tuple[int, str] | None:
    """Parameters of ``INSERT_CHANGE``: a transaction's events as ONE outbox row
    (``[portalId, [compact event, ...]]``), or None when it has none. One row and one
    encode of plain tuples per transaction, whatever its number of events, is what keeps
    the outbox's cost on writes low (docs/benchmarks.md); the worker fans the row out."""
    if sink is None or not sink.changes:
        return None
    events = sink.compact()
    if not events:
        return None
    return len(events), _encoder.encode((sink.portal_id, events)).decode()


FanOutRow = tuple[int, int, int, int, str, int]
"""Parameters of ``INSERT_EVENT``: app, portal, subscription, occurredAt, payload, due."""


def fan_out(changes: Sequence[str], now_ms: int) -> list[FanOutRow]:
    """The ``webhook_events`` rows of change rows' ``events`` texts, in order: one per
    event with HubSpot's payload built now; each then gets its own eventId (the same on
    every attempt)."""
    out: list[FanOutRow] = []
    for text in changes:
        portal_id, events = _decoder.decode(text)
        for item in events:
            body = expand_event(portal_id, item)
            payload = _encoder.encode(body).decode()
            out.append((int(item[0]), portal_id, int(item[1]), _occurred(body), payload, now_ms))
    return out


def _occurred(body: dict[str, object]) -> int:
    occurred = body["occurredAt"]
    assert isinstance(occurred, int)
    return occurred


def delivery_params(o: AttemptOutcome) -> tuple[object, ...]:
    """Parameters of ``INSERT_DELIVERY``."""
    return (
        o.attempt,
        o.at_ms,
        o.status_code,
        o.error,
        o.latency_ms,
        o.next_attempt_at_ms,
        o.event_id,
    )


def finish_params(o: AttemptOutcome, owner: str) -> tuple[object, ...]:
    """Parameters of ``FINISH_EVENT``: delivered (1), given up (2) or pending again (0)."""
    status = 1 if o.delivered else 2 if o.gave_up else 0
    next_at = o.next_attempt_at_ms if o.next_attempt_at_ms is not None else o.at_ms
    delivered_at = o.at_ms if o.delivered else None
    return (status, o.attempt + 1, next_at, delivered_at, o.event_id, owner)
