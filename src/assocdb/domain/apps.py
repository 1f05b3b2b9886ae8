"""Apps: what owns webhook settings and subscriptions, is installed in portals, and may own
tokens (as HubSpot's OAuth tokens belong to an app). See docs/webhooks.md."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from assocdb.domain.auth import hash_token, issue_token
from assocdb.domain.store import Store
from assocdb.domain.webhook_store import WebhookStore
from assocdb.domain.webhooks import App, new_app_secrets
from assocdb.errors import InvalidAuthentication, ValidationError

__all__ = ["CreatedApp", "authenticate_app", "create_app", "issue_app_token", "webhook_store"]

# HubSpot's developer API key error (https://developers.hubspot.com/docs/api/webhooks: the
# webhooks API takes the app's developer API key as ``hapikey``).
_NO_KEY = "Authentication credentials not found: send the app's developer API key as hapikey."
_BAD_KEY = "The developer API key (hapikey) is invalid or does not belong to app {app_id}."


def webhook_store(store: Store) -> WebhookStore:
    """Both backends implement the webhooks port beside ``Store`` (storage/*_webhooks.py)."""
    return cast(WebhookStore, store)


@dataclass(frozen=True, slots=True)
class CreatedApp:
    app: App
    developer_api_key: str
    """Shown once; only its digest is stored."""


async def create_app(
    store: Store, portal_id: int, app_id: int | None, name: str, now_ms: int
) -> CreatedApp:
    """A new app installed in ``portal_id``; ``app_id`` None: the next free id."""
    if app_id is not None and not 0 < app_id < 2**31:
        raise ValidationError("An app id must be between 1 and 2147483647.")
    secret, api_key = new_app_secrets()
    draft = App(app_id or 0, name, secret, hash_token(api_key), now_ms)
    made = await webhook_store(store).create_app(draft, portal_id)
    return CreatedApp(made, api_key)


async def issue_app_token(
    store: Store,
    app_id: int,
    portal_id: int | None,
    scopes: frozenset[str],
    now_ms: int,
    expires_at_ms: int | None = None,
) -> str:
    """A token of ``app_id`` for a portal the app is installed in (``portal_id`` None: the
    app's only portal)."""
    hooks = webhook_store(store)
    if await hooks.get_app(app_id) is None:
        raise ValidationError(f"App {app_id} does not exist.")
    portals = await hooks.app_portals(app_id)
    if portal_id is None:
        if len(portals) != 1:
            raise ValidationError(
                f"App {app_id} is installed in {len(portals)} portals: name one with --portal."
            )
        portal_id = portals[0]
    elif portal_id not in portals:
        raise ValidationError(f"App {app_id} is not installed in portal {portal_id}.")
    token = await issue_token(store, portal_id, scopes, now_ms, expires_at_ms)
    await hooks.add_app_token(hash_token(token), app_id)
    return token


async def authenticate_app(store: Store, app_id: int, api_key: str | None) -> App:
    """The app named in the path, if ``api_key`` is its developer API key; else a 401."""
    if not api_key:
        raise InvalidAuthentication(_NO_KEY)
    app = await webhook_store(store).find_app_by_key(hash_token(api_key))
    if app is None or app.app_id != app_id:
        raise InvalidAuthentication(_BAD_KEY.format(app_id=app_id))
    return app
