"""The webhooks v3 API's rules: settings and subscriptions of one app (docs/webhooks.md).

HubSpot's reference: https://developers.hubspot.com/docs/api/webhooks and the webhooks v3
endpoints under https://developers.hubspot.com/docs/api-reference/webhooks-webhooks-v3/.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from assocdb.domain.webhook_store import WebhookStore
from assocdb.domain.webhooks import (
    MAX_CONCURRENCY,
    MIN_CONCURRENCY,
    SubscriptionRecord,
    WebhookSettings,
    parse_event_type,
)
from assocdb.errors import AssocdbError, ObjectNotFound, ValidationError

__all__ = ["MAX_BATCH_UPDATE", "SubscriptionConflict", "WebhookService"]

MAX_BATCH_UPDATE = 100  # inputs per batch/update call, HubSpot's usual batch bound
MAX_SUBSCRIPTIONS = 1000  # per app: a bound on what every write in a portal matches
MAX_URL_LENGTH = 2048


class SubscriptionConflict(AssocdbError):
    """The app already has a subscription to this event (and property)."""

    status_code = 409
    category = "CONFLICT"


class WebhookService:
    def __init__(self, store: WebhookStore) -> None:
        self.store = store

    # -- settings ---------------------------------------------------------------------

    async def settings(self, app_id: int) -> WebhookSettings:
        found = await self.store.get_webhook_settings(app_id)
        if found is None:
            raise ObjectNotFound(f"No webhook settings exist for app {app_id}.")
        return found

    async def configure(
        self, app_id: int, target_url: str, max_concurrent: int, period: str | None, now: int
    ) -> WebhookSettings:
        _check_url(target_url)
        if not MIN_CONCURRENCY <= max_concurrent <= MAX_CONCURRENCY:
            # HubSpot refuses a concurrency limit below 5 (webhooks guide, "Webhook settings").
            raise ValidationError(
                f"throttling.maxConcurrentRequests must be between {MIN_CONCURRENCY} and"
                f" {MAX_CONCURRENCY}.",
                context={"maxConcurrentRequests": [str(max_concurrent)]},
            )
        return await self.store.put_webhook_settings(
            WebhookSettings(app_id, target_url, max_concurrent, period, now, now)
        )

    async def clear(self, app_id: int) -> None:
        await self.store.delete_webhook_settings(app_id)

    # -- subscriptions ------------------------------------------------------------------

    async def subscriptions(self, app_id: int) -> list[SubscriptionRecord]:
        return await self.store.list_subscriptions(app_id)

    async def subscription(self, app_id: int, subscription_id: int) -> SubscriptionRecord:
        for found in await self.store.list_subscriptions(app_id):
            if found.subscription_id == subscription_id:
                return found
        raise _missing(subscription_id)

    async def subscribe(
        self,
        app_id: int,
        event_type: str,
        object_type_id: str | None,
        property_name: str | None,
        active: bool,
        now: int,
    ) -> SubscriptionRecord:
        """New subscriptions are paused unless ``active`` (HubSpot's SubscriptionCreateRequest:
        "Defaults to false")."""
        type_id, prop = parse_event_type(event_type, object_type_id, property_name)
        existing = await self.store.list_subscriptions(app_id)
        if len(existing) >= MAX_SUBSCRIPTIONS:
            raise ValidationError(f"An app has at most {MAX_SUBSCRIPTIONS} subscriptions.")
        for s in existing:
            if (s.event_type, s.object_type_id, s.property_name) == (event_type, type_id, prop):
                raise SubscriptionConflict(
                    f"A subscription to {event_type}"
                    + (f" for {prop}" if prop else "")
                    + f" already exists (id {s.subscription_id}).",
                )
        return await self.store.create_subscription(app_id, event_type, type_id, prop, active, now)

    async def set_active(
        self, app_id: int, subscription_id: int, active: bool | None, now: int
    ) -> SubscriptionRecord:
        if active is None:  # an empty PATCH changes nothing
            return await self.subscription(app_id, subscription_id)
        updated = await self.store.set_subscriptions_active(
            app_id, [(subscription_id, active)], now
        )
        if not updated:
            raise _missing(subscription_id)
        return updated[0]

    async def batch_set_active(
        self, app_id: int, changes: Sequence[tuple[int, bool]], now: int
    ) -> tuple[list[SubscriptionRecord], list[AssocdbError]]:
        if len(changes) > MAX_BATCH_UPDATE:
            raise ValidationError(
                f"At most {MAX_BATCH_UPDATE} inputs per batch update.",
                context={"inputs": [str(len(changes))]},
            )
        updated = await self.store.set_subscriptions_active(app_id, changes, now)
        found = {s.subscription_id for s in updated}
        errors: list[AssocdbError] = [_missing(i) for i, _ in changes if i not in found]
        return updated, errors

    async def unsubscribe(self, app_id: int, subscription_id: int) -> None:
        if not await self.store.delete_subscription(app_id, subscription_id):
            raise _missing(subscription_id)


def _missing(subscription_id: int) -> ObjectNotFound:
    return ObjectNotFound(
        f"Subscription {subscription_id} does not exist for this app.",
        context={"id": [str(subscription_id)]},
    )


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    if len(url) > MAX_URL_LENGTH or parts.scheme not in ("http", "https") or not parts.netloc:
        # HubSpot asks for a public HTTPS URL; assocdb also takes http:// so a receiver on
        # 127.0.0.1 works without certificates.
        raise ValidationError(
            f"targetUrl must be an absolute http(s) URL of at most {MAX_URL_LENGTH} characters.",
            context={"targetUrl": [url[:200]]},
        )
