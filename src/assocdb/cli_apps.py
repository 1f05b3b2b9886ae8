"""``assocdb app create | app install`` and ``assocdb webhooks log`` (registered in
``cli.py``); see docs/webhooks.md."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import click

from assocdb.config import DEFAULT_DB
from assocdb.domain.apps import CreatedApp, create_app, webhook_store
from assocdb.domain.clock import now_ms
from assocdb.domain.store import Store
from assocdb.domain.webhooks import DeliveryRecord
from assocdb.storage import run_with_store

__all__ = ["app_group", "webhooks_group"]

_ID = click.IntRange(1, 2**63 - 1)
_APP_ID = click.IntRange(1, 2**31 - 1)  # HubSpot's app ids are int32 in the webhooks API
_LOG_LIMIT = 10_000  # a bound on one listing; use the admin API to page further


def _db_option() -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(
        "--db",
        envvar="ASSOCDB_DB",
        default=DEFAULT_DB,
        show_default=True,
        help="SQLite file path (or sqlite:///path) or postgresql:// URL. Env: ASSOCDB_DB.",
    )


@click.group("app")
def app_group() -> None:
    """Manage apps (webhook settings, subscriptions and tokens belong to an app)."""


@app_group.command("create")
@_db_option()
@click.option("--portal", "portal_id", required=True, type=_ID, help="Install it in this portal.")
@click.option("--id", "app_id", type=_APP_ID, default=None, help="App id (default: the next).")
@click.option("--name", default="", help="A name for humans.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def app_create(db: str, portal_id: int, app_id: int | None, name: str, as_json: bool) -> None:
    """Create an app installed in a portal; print its id, client secret and developer API key
    (the key is shown only now)."""

    async def work(store: Store) -> CreatedApp:
        return await create_app(store, portal_id, app_id, name, now_ms())

    made = run_with_store(db, work)
    fields = {
        "appId": made.app.app_id,
        "clientSecret": made.app.client_secret,
        "developerApiKey": made.developer_api_key,
    }
    if as_json:
        click.echo(json.dumps(fields))
        return
    for key, value in fields.items():
        click.echo(f"{key}: {value}")


@app_group.command("install")
@_db_option()
@click.option("--app", "app_id", required=True, type=_APP_ID, help="The app.")
@click.option("--portal", "portal_id", required=True, type=_ID, help="The portal.")
def app_install(db: str, app_id: int, portal_id: int) -> None:
    """Install an app in another portal (its subscriptions then apply there too)."""
    run_with_store(db, lambda s: webhook_store(s).install_app(app_id, portal_id, now_ms()))
    click.echo(f"App {app_id} installed in portal {portal_id}.")


@click.group("webhooks")
def webhooks_group() -> None:
    """Inspect webhook deliveries."""


@webhooks_group.command("log")
@_db_option()
@click.option("--portal", "portal_id", type=_ID, default=None, help="Only this portal.")
@click.option("--app", "app_id", type=_APP_ID, default=None, help="Only this app.")
@click.option(
    "--limit", default=50, show_default=True, type=click.IntRange(1, _LOG_LIMIT), help="Rows."
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def webhooks_log(
    db: str, portal_id: int | None, app_id: int | None, limit: int, as_json: bool
) -> None:
    """Delivery attempts, latest first: event, attempt, status, latency, next retry."""
    found = run_with_store(db, lambda s: webhook_store(s).list_deliveries(portal_id, app_id, limit))
    for record in found:
        click.echo(json.dumps(delivery_json(record)) if as_json else _line(record))


def delivery_json(r: DeliveryRecord) -> dict[str, object]:
    """One delivery attempt as the CLI and the admin API show it."""
    return {
        "eventId": r.event_id,
        "appId": r.app_id,
        "portalId": r.portal_id,
        "attemptNumber": r.attempt,
        "at": _iso(r.at_ms),
        "statusCode": r.status_code,
        "error": r.error,
        "latencyMs": r.latency_ms,
        "delivered": r.status_code is not None and 200 <= r.status_code < 300,
        "nextRetryAt": _iso(r.next_retry_at_ms) if r.next_retry_at_ms is not None else None,
    }


def _line(r: DeliveryRecord) -> str:
    status = str(r.status_code) if r.status_code is not None else (r.error or "error")
    retry = f" next retry {_iso(r.next_retry_at_ms)}" if r.next_retry_at_ms else ""
    return (
        f"{_iso(r.at_ms)} event {r.event_id} app {r.app_id} portal {r.portal_id}"
        f" attempt {r.attempt}: {status} in {r.latency_ms} ms{retry}"
    )


def _iso(ms: int) -> str:
    moment = dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
