"""SQLite: apps, webhook settings and subscriptions, and the outbox (docs/webhooks.md)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence

from assocdb.domain.store import StoreTx
from assocdb.domain.webhook_store import AttemptOutcome, DeliveryQuery
from assocdb.domain.webhooks import (
    App,
    DeliveryRecord,
    EventSink,
    OutboxEvent,
    SubscriptionRecord,
    WebhookSettings,
)
from assocdb.errors import ValidationError
from assocdb.storage import webhook_common as rows
from assocdb.storage import webhook_sql as q
from assocdb.storage.sqlite_base import SQLiteBase
from assocdb.storage.webhook_common import SinkCache

__all__ = ["SQLiteWebhooks"]


def flush_events(conn: sqlite3.Connection, sink: EventSink | None, now_ms: int) -> None:
    """Write a transaction's events to the outbox, on its own connection, before COMMIT:
    one ``webhook_changes`` row whatever their number (fanned out by the worker)."""
    params = rows.change_params(sink)
    if params is not None:
        conn.execute(q.INSERT_CHANGE, params)


FAN_OUT_CHANGES = 200
"""Change rows (transactions' worth of events) fanned out per claim."""


def _fan_out(conn: sqlite3.Connection, now_ms: int) -> None:
    """Turn pending change rows into events, in the claim's write transaction (SQLite has
    one writer: nobody else fans out the same rows meanwhile)."""
    taken = conn.execute(q.TAKE_CHANGES_SQLITE, (FAN_OUT_CHANGES,)).fetchall()
    if taken:
        conn.executemany(q.INSERT_EVENT, rows.fan_out([t[1] for t in taken], now_ms))
        conn.execute(q.DELETE_CHANGES_SQLITE, (taken[-1][0],))


class SQLiteWebhooks(SQLiteBase):
    @property
    def sinks(self) -> SinkCache:
        cache: SinkCache | None = getattr(self, "_sink_cache", None)
        if cache is None:
            cache = self._sink_cache = SinkCache(self._portal_subscriptions)
        return cache

    async def _portal_subscriptions(self, portal_id: int) -> list[SubscriptionRecord]:
        found = await self._read(
            lambda c: c.execute(q.PORTAL_SUBSCRIPTIONS, (portal_id,)).fetchall()
        )
        return [rows.subscription(r) for r in found]

    async def open_events(self, tx: StoreTx, portal_id: int) -> None:
        """The seam's storage half, at BEGIN: give the transaction its sink (or None)."""
        tx.events = await self.sinks.sink(portal_id)

    # -- apps ---------------------------------------------------------------------------

    async def create_app(self, app: App, portal_id: int) -> App:
        def run(conn: sqlite3.Connection) -> App:
            app_id = app.app_id or int(conn.execute(q.NEXT_APP_ID).fetchone()[0])
            made = App(app_id, app.name, app.client_secret, app.api_key_hash, app.created_at_ms)
            try:
                conn.execute(
                    q.INSERT_APP,
                    (app_id, app.name, app.client_secret, app.api_key_hash, app.created_at_ms),
                )
            except sqlite3.IntegrityError:
                raise ValidationError(f"App {app_id} already exists.") from None
            _install(conn, app_id, portal_id, app.created_at_ms)
            return made

        made = await self._write_tx(run)
        self.sinks.clear()
        return made

    async def get_app(self, app_id: int) -> App | None:
        row = await self._read(lambda c: c.execute(q.SELECT_APP, (app_id,)).fetchone())
        return rows.app(row) if row else None

    async def find_app_by_key(self, api_key_hash: str) -> App | None:
        row = await self._read(lambda c: c.execute(q.SELECT_APP_BY_KEY, (api_key_hash,)).fetchone())
        return rows.app(row) if row else None

    async def install_app(self, app_id: int, portal_id: int, now_ms: int) -> None:
        await self._write_tx(lambda c: _install(c, app_id, portal_id, now_ms))
        self.sinks.clear()

    async def app_portals(self, app_id: int) -> list[int]:
        found = await self._read(lambda c: c.execute(q.SELECT_APP_PORTALS, (app_id,)).fetchall())
        return [int(r[0]) for r in found]

    async def add_app_token(self, token_hash: str, app_id: int) -> None:
        await self._write_tx(lambda c: c.execute(q.INSERT_APP_TOKEN, (token_hash, app_id)))

    # -- settings and subscriptions -----------------------------------------------------

    async def get_webhook_settings(self, app_id: int) -> WebhookSettings | None:
        row = await self._read(lambda c: c.execute(q.SELECT_SETTINGS, (app_id,)).fetchone())
        return rows.settings(row) if row else None

    async def put_webhook_settings(self, settings: WebhookSettings) -> WebhookSettings:
        s = settings
        row = await self._write_tx(
            lambda c: c.execute(
                q.UPSERT_SETTINGS,
                (
                    s.app_id,
                    s.target_url,
                    s.max_concurrent,
                    s.period,
                    s.created_at_ms,
                    s.updated_at_ms,
                ),
            ).fetchone()
        )
        return rows.settings(row)

    async def delete_webhook_settings(self, app_id: int) -> bool:
        count = await self._write_tx(lambda c: c.execute(q.DELETE_SETTINGS, (app_id,)).rowcount)
        return bool(count)

    async def list_subscriptions(self, app_id: int) -> list[SubscriptionRecord]:
        found = await self._read(lambda c: c.execute(q.SELECT_SUBSCRIPTIONS, (app_id,)).fetchall())
        return [rows.subscription(r) for r in found]

    async def create_subscription(
        self,
        app_id: int,
        event_type: str,
        object_type_id: str,
        property_name: str | None,
        active: bool,
        now_ms: int,
    ) -> SubscriptionRecord:
        row = await self._write_tx(
            lambda c: c.execute(
                q.INSERT_SUBSCRIPTION,
                (app_id, event_type, object_type_id, property_name, active, now_ms, now_ms),
            ).fetchone()
        )
        self.sinks.clear()
        return rows.subscription(row)

    async def set_subscriptions_active(
        self, app_id: int, changes: Sequence[tuple[int, bool]], now_ms: int
    ) -> list[SubscriptionRecord]:
        def run(conn: sqlite3.Connection) -> list[SubscriptionRecord]:
            out = []
            for sub_id, active in changes:
                row = conn.execute(q.SET_ACTIVE, (active, now_ms, app_id, sub_id)).fetchone()
                if row is not None:
                    out.append(rows.subscription(row))
            return out

        updated = await self._write_tx(run)
        self.sinks.clear()
        return updated

    async def delete_subscription(self, app_id: int, subscription_id: int) -> bool:
        count = await self._write_tx(
            lambda c: c.execute(q.DELETE_SUBSCRIPTION, (app_id, subscription_id)).rowcount
        )
        self.sinks.clear()
        return bool(count)

    # -- the outbox ----------------------------------------------------------------------

    def on_events(self, listener: Callable[[], None]) -> None:
        self.sinks.listener = listener

    async def claim_events(
        self, owner: str, now_ms: int, lease_ms: int, limit: int
    ) -> list[OutboxEvent]:
        def run(conn: sqlite3.Connection) -> list[tuple[object, ...]]:
            _fan_out(conn, now_ms)
            found: list[tuple[object, ...]] = conn.execute(
                q.CLAIM_SQLITE, (now_ms + lease_ms, owner, now_ms, now_ms, limit)
            ).fetchall()
            return found

        found = await self._write_tx(run)
        return sorted((rows.event(r) for r in found), key=lambda e: e.event_id)

    async def finish_events(self, owner: str, outcomes: Sequence[AttemptOutcome]) -> None:
        def run(conn: sqlite3.Connection) -> None:
            conn.executemany(q.INSERT_DELIVERY, [rows.delivery_params(o) for o in outcomes])
            conn.executemany(q.FINISH_EVENT, [rows.finish_params(o, owner) for o in outcomes])

        await self._write_tx(run)

    async def list_deliveries(
        self,
        portal_id: int | None,
        app_id: int | None,
        limit: int,
        query: DeliveryQuery | None = None,
    ) -> list[DeliveryRecord]:
        params = rows.delivery_filter_params(portal_id, app_id, query or DeliveryQuery(limit))
        found = await self._read(lambda c: c.execute(q.LIST_DELIVERIES, params).fetchall())
        return [rows.delivery(r) for r in found]

    async def count_pending_events(self) -> int:
        row = await self._read(lambda c: c.execute(q.PENDING_EVENTS).fetchone())
        return int(row[0])

    async def prune_events(self, cutoff_ms: int, limit: int) -> int:
        def run(conn: sqlite3.Connection) -> int:
            ids = [r[0] for r in conn.execute(q.PRUNABLE_EVENTS, (cutoff_ms, limit))]
            if ids:
                marks = ",".join("?" * len(ids))
                conn.execute(f"DELETE FROM webhook_deliveries WHERE event_id IN ({marks})", ids)
                conn.execute(f"DELETE FROM webhook_events WHERE event_id IN ({marks})", ids)
            return len(ids)

        return await self._write_tx(run)

    async def take_slot(
        self, app_id: int, limit: int, owner: str, now_ms: int, lease_ms: int
    ) -> int | None:
        def run(conn: sqlite3.Connection) -> int | None:
            held = {int(r[0]) for r in conn.execute(q.LIVE_SLOTS_SQLITE, (app_id, now_ms))}
            if len(held) >= limit:
                return None
            slot = next(i for i in range(limit) if i not in held)
            conn.execute(q.TAKE_SLOT_SQLITE, (app_id, slot, owner, now_ms + lease_ms))
            return slot

        return await self._write_tx(run)

    async def release_slot(self, app_id: int, slot: int, owner: str) -> None:
        await self._write_tx(lambda c: c.execute(q.RELEASE_SLOT, (app_id, slot, owner)))


def _install(conn: sqlite3.Connection, app_id: int, portal_id: int, now_ms: int) -> None:
    if conn.execute("SELECT 1 FROM portals WHERE portal_id = ?", (portal_id,)).fetchone() is None:
        raise ValidationError(f"Portal {portal_id} does not exist.")
    if conn.execute("SELECT 1 FROM apps WHERE app_id = ?", (app_id,)).fetchone() is None:
        raise ValidationError(f"App {app_id} does not exist.")
    conn.execute(q.INSERT_INSTALL, (portal_id, app_id, now_ms))
