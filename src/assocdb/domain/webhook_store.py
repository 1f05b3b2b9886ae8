"""The storage port of apps, webhook settings and subscriptions, and the outbox.

A role-sized port (not methods on the big ``Store``): the webhooks API, the delivery
worker and the CLI see only this. Storage implements it in ``sqlite_webhooks`` and
``postgres_webhooks``.

The outbox itself is written through the write transaction (``StoreTx.events``, an
``EventSink`` or None), never through this port: see ``domain/webhooks.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from assocdb.domain.webhooks import (
    App,
    DeliveryRecord,
    OutboxEvent,
    SubscriptionRecord,
    WebhookSettings,
)

__all__ = ["DELIVERY_OUTCOMES", "AttemptOutcome", "DeliveryQuery", "WebhookStore"]


DELIVERY_OUTCOMES = ("", "delivered", "failed", "retrying")


@dataclass(frozen=True, slots=True)
class DeliveryQuery:
    """A page of delivery attempts for the explorer: at most ``limit``, older than the
    attempt ``before`` (keyset), of one ``outcome`` of ``DELIVERY_OUTCOMES`` ("" any;
    "retrying": failed with a retry scheduled)."""

    limit: int
    before: int | None = None
    outcome: str = ""


@dataclass(frozen=True, slots=True)
class AttemptOutcome:
    """What one attempt at one event came to; storage records it and updates the event."""

    event_id: int
    attempt: int
    """The attemptNumber sent (0 for the first)."""
    delivered: bool
    gave_up: bool
    at_ms: int
    status_code: int | None
    error: str | None
    latency_ms: int
    next_attempt_at_ms: int | None


class WebhookStore(Protocol):
    # -- apps ---------------------------------------------------------------------------

    async def create_app(self, app: App, portal_id: int) -> App:
        """Store an app (``app_id`` 0: the next free id) installed in ``portal_id``; a
        taken id or a missing portal is a ``ValidationError``."""
        ...

    async def get_app(self, app_id: int) -> App | None: ...

    async def find_app_by_key(self, api_key_hash: str) -> App | None: ...

    async def install_app(self, app_id: int, portal_id: int, now_ms: int) -> None:
        """Idempotent; a missing app or portal is a ``ValidationError``."""
        ...

    async def app_portals(self, app_id: int) -> list[int]: ...

    async def add_app_token(self, token_hash: str, app_id: int) -> None: ...

    # -- settings and subscriptions -----------------------------------------------------

    async def get_webhook_settings(self, app_id: int) -> WebhookSettings | None: ...

    async def put_webhook_settings(self, settings: WebhookSettings) -> WebhookSettings:
        """Insert or replace; the stored ``created_at_ms`` of an existing row is kept."""
        ...

    async def delete_webhook_settings(self, app_id: int) -> bool: ...

    async def list_subscriptions(self, app_id: int) -> list[SubscriptionRecord]: ...

    async def create_subscription(
        self,
        app_id: int,
        event_type: str,
        object_type_id: str,
        property_name: str | None,
        active: bool,
        now_ms: int,
    ) -> SubscriptionRecord: ...

    async def set_subscriptions_active(
        self, app_id: int, changes: Sequence[tuple[int, bool]], now_ms: int
    ) -> list[SubscriptionRecord]:
        """Set ``active`` on the app's subscriptions by id; returns those that exist."""
        ...

    async def delete_subscription(self, app_id: int, subscription_id: int) -> bool: ...

    # -- the outbox ----------------------------------------------------------------------

    def on_events(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` (on the event loop) after a transaction that wrote events
        commits in this process: it wakes the delivery worker."""
        ...

    async def claim_events(
        self, owner: str, now_ms: int, lease_ms: int, limit: int
    ) -> list[OutboxEvent]:
        """Fans committed transactions' change rows out into events first (each event gets
        its eventId once), then: due pending events no other worker holds, leased to
        ``owner`` until ``now_ms + lease_ms``; two workers never hold the same event."""
        ...

    async def finish_events(self, owner: str, outcomes: Sequence[AttemptOutcome]) -> None:
        """Record attempts and release the events (delivered, rescheduled or given up);
        an event whose lease ``owner`` lost meanwhile is left alone."""
        ...

    async def list_deliveries(
        self,
        portal_id: int | None,
        app_id: int | None,
        limit: int,
        query: DeliveryQuery | None = None,
    ) -> list[DeliveryRecord]:
        """The latest attempts first; ``query`` (the explorer's) pages and filters them,
        and then its ``limit`` is the one used."""
        ...

    async def count_pending_events(self) -> int:
        """Events not delivered nor given up yet (including those not fanned out)."""
        ...

    async def prune_events(self, cutoff_ms: int, limit: int) -> int:
        """Delete at most ``limit`` finished events (delivered or given up) that finished
        before ``cutoff_ms``, with their delivery attempts, oldest first; the newest event
        is always kept. Returns how many were deleted."""
        ...

    # -- throttling across processes ----------------------------------------------------

    async def take_slot(
        self, app_id: int, limit: int, owner: str, now_ms: int, lease_ms: int
    ) -> int | None:
        """One of the app's ``limit`` request slots for ``owner`` until ``now_ms +
        lease_ms``, or None when all are held (by any process or host)."""
        ...

    async def release_slot(self, app_id: int, slot: int, owner: str) -> None:
        """Give the slot back (nothing when ``owner`` no longer holds it)."""
        ...
