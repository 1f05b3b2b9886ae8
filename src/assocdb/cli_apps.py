"""``assocdb app create | app install`` and ``assocdb webhooks log`` (registered in
``cli.py``); see docs/webhooks.md."""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from assocdb.config import DEFAULT_DB
from assocdb.domain.clock import now_ms
from assocdb.storage import run_with_store

if TYPE_CHECKING:
    from assocdb.domain.apps import CreatedApp
    from assocdb.domain.store import Store
    from assocdb.domain.webhooks import DeliveryRecord

__all__ = ["app_group", "webhook_options", "webhooks_group"]

F = TypeVar("F", bound=Callable[..., Any])

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
    """Create and install apps (they own webhooks and tokens)."""


@app_group.command("create")
@_db_option()
@click.option("--portal", "portal_id", required=True, type=_ID, help="Install it in this portal.")
@click.option("--id", "app_id", type=_APP_ID, default=None, help="App id (default: the next).")
@click.option("--name", default="", help="A name for humans.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def app_create(db: str, portal_id: int, app_id: int | None, name: str, as_json: bool) -> None:
    """Create an app installed in a portal; print its keys.

    Prints the app id, client secret and developer API key (the key is shown only now)."""

    from assocdb.domain.apps import create_app  # here: commands start light

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
    """Install an app in another portal.

    Its webhook subscriptions then apply to that portal's changes too."""
    from assocdb.domain.apps import webhook_store

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
    """List webhook delivery attempts, latest first.

    Each line: event, attempt, status, latency, next retry."""
    # Imported here: every other command starts without loading the HTTP layer.
    import msgspec

    from assocdb.domain.apps import webhook_store
    from assocdb.http.webhooks.admin import delivery_wire

    found = run_with_store(db, lambda s: webhook_store(s).list_deliveries(portal_id, app_id, limit))
    for record in found:
        if as_json:
            click.echo(msgspec.json.encode(delivery_wire(record)).decode())
        else:
            click.echo(_line(record))


def _line(r: DeliveryRecord) -> str:
    from assocdb.http.render import iso_ms

    status = str(r.status_code) if r.status_code is not None else (r.error or "error")
    retry = f" next retry {iso_ms(r.next_retry_at_ms)}" if r.next_retry_at_ms else ""
    return (
        f"{iso_ms(r.at_ms)} event {r.event_id} app {r.app_id} portal {r.portal_id}"
        f" attempt {r.attempt}: {status} in {r.latency_ms} ms{retry}"
    )


def webhook_options(command: F) -> F:
    """Adds ``serve``'s webhook flags; they reach every worker as ``ASSOCDB_*`` variables."""

    @click.option(
        "--webhook-retry-base-ms",
        envvar="ASSOCDB_WEBHOOK_RETRY_BASE_MS",
        default=120_000,
        show_default=True,
        type=click.IntRange(1, 3_600_000),
        help="First wait before a failed webhook delivery is retried; doubles per attempt"
        " (up to 10 attempts). Small values make retries testable.",
    )
    @click.option(
        "--webhook-lease-ms",
        envvar="ASSOCDB_WEBHOOK_LEASE_MS",
        default=60_000,
        show_default=True,
        type=click.IntRange(6_000, 3_600_000),
        help="How long a worker holds the events it is sending; a killed worker's events"
        " are sent again after this. Longer than the 5 s delivery timeout.",
    )
    @click.option(
        "--webhook-retention-hours",
        envvar="ASSOCDB_WEBHOOK_RETENTION_HOURS",
        default=72,
        show_default=True,
        type=click.IntRange(1, 8760),
        help="Delivered and given-up webhook events, with their attempts in the log, are"
        " pruned this long after they finished (pending ones are never pruned).",
    )
    @functools.wraps(command)
    def wrapper(
        *args: Any,
        webhook_retry_base_ms: int,
        webhook_lease_ms: int,
        webhook_retention_hours: int,
        **kwargs: Any,
    ) -> Any:
        os.environ["ASSOCDB_WEBHOOK_RETRY_BASE_MS"] = str(webhook_retry_base_ms)
        os.environ["ASSOCDB_WEBHOOK_LEASE_MS"] = str(webhook_lease_ms)
        os.environ["ASSOCDB_WEBHOOK_RETENTION_HOURS"] = str(webhook_retention_hours)
        return command(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
