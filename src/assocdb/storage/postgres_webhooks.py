"""PostgreSQL: apps, webhook settings and subscriptions, and the outbox (docs/webhooks.md).

Workers claim due events with ``FOR UPDATE SKIP LOCKED`` and a lease, so several workers
or hosts never hold the same event at once."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import cast

import asyncpg

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
from assocdb.storage.postgres_base import PostgresBase, PostgresTxCore, unavailable
from assocdb.storage.sql import pg
from assocdb.storage.webhook_common import SinkCache

__all__ = ["PostgresWebhooks", "flush_events"]

_INSERT_EVENTS = (
    "INSERT INTO webhook_events (app_id, portal_id, subscription_id, occurred_at_ms, payload,"
    " next_attempt_at_ms) SELECT a, p, s, o, j, $6 FROM unnest($1::bigint[], $2::bigint[],"
    " $3::bigint[], $4::bigint[], $5::text[]) WITH ORDINALITY AS e(a, p, s, o, j, n)"
    " ORDER BY n"
)
FAN_OUT_CHANGES = 200
"""Change rows (transactions' worth of events) fanned out per claim."""


async def flush_events(conn: asyncpg.Connection, sink: EventSink | None, now_ms: int) -> None:
    """Write a transaction's events to the outbox, on its own connection, before COMMIT:
    one ``webhook_changes`` row whatever their number (fanned out by the worker)."""
    params = rows.change_params(sink)
    if params is not None:
        await conn.execute(pg(q.INSERT_CHANGE), *params)


async def _fan_out(conn: asyncpg.Connection, now_ms: int) -> None:
    """Turn pending change rows into events, in the claim's transaction: the rows are
    deleted as they are taken (others skip them), so each becomes events exactly once."""
    taken = await conn.fetch(q.TAKE_CHANGES_POSTGRES, FAN_OUT_CHANGES)
    if not taken:
        return
    made = rows.fan_out([t[1] for t in sorted(taken, key=lambda t: int(t[0]))], now_ms)
    # One statement for all of them: arrays in, one round trip.
    await conn.execute(
        _INSERT_EVENTS,
        [r[0] for r in made],
        [r[1] for r in made],
        [r[2] for r in made],
        [r[3] for r in made],
        [r[4] for r in made],
        now_ms,
    )


class PostgresWebhooks(PostgresBase):
    @property
    def sinks(self) -> SinkCache:
        cache: SinkCache | None = getattr(self, "_sink_cache", None)
        if cache is None:
            cache = self._sink_cache = SinkCache(self._portal_subscriptions)
        return cache

    async def _portal_subscriptions(
        self, portal_id: int, conn: asyncpg.Connection | None = None
    ) -> list[SubscriptionRecord]:
        with unavailable():
            found = await (conn or self.pool).fetch(pg(q.PORTAL_SUBSCRIPTIONS), portal_id)
        return [rows.subscription(r) for r in found]

    async def open_events(self, tx: StoreTx, portal_id: int) -> None:
        """The seam's storage half, at BEGIN: give the transaction its sink (or None).

        A cache miss reads the subscriptions on the transaction's own connection. Taking a
        second pool connection here, after BEGIN, let N concurrent transactions hold all N
        connections of a worker's pool while each waited for one more: a deadlock (the
        pool's acquire has no timeout) whenever the 1 s cache expired with ``pool_size``
        write transactions open, and under the 32-client load test a queue of writers
        holding row locks while they waited (docs/benchmarks.md, "PostgreSQL tail").
        """
        conn = cast(PostgresTxCore, tx).conn
        tx.events = await self.sinks.sink(
            portal_id, lambda portal: self._portal_subscriptions(portal, conn)
        )

    # -- apps ---------------------------------------------------------------------------

    async def create_app(self, app: App, portal_id: int) -> App:
        async with self._connection() as conn, conn.transaction():
            app_id = app.app_id or int(await conn.fetchval(q.NEXT_APP_ID))
            try:
                await conn.execute(
                    pg(q.INSERT_APP),
                    app_id,
                    app.name,
                    app.client_secret,
                    app.api_key_hash,
                    app.created_at_ms,
                )
            except asyncpg.UniqueViolationError:
                raise ValidationError(f"App {app_id} already exists.") from None
            await _install(conn, app_id, portal_id, app.created_at_ms)
        self.sinks.clear()
        return App(app_id, app.name, app.client_secret, app.api_key_hash, app.created_at_ms)

    async def get_app(self, app_id: int) -> App | None:
        row = await self.db.fetchrow(pg(q.SELECT_APP), app_id)
        return rows.app(row) if row else None

    async def find_app_by_key(self, api_key_hash: str) -> App | None:
        row = await self.db.fetchrow(pg(q.SELECT_APP_BY_KEY), api_key_hash)
        return rows.app(row) if row else None

    async def install_app(self, app_id: int, portal_id: int, now_ms: int) -> None:
        async with self._connection() as conn, conn.transaction():
            await _install(conn, app_id, portal_id, now_ms)
        self.sinks.clear()

    async def app_portals(self, app_id: int) -> list[int]:
        found = await self.db.fetch(pg(q.SELECT_APP_PORTALS), app_id)
        return [int(r[0]) for r in found]

    async def add_app_token(self, token_hash: str, app_id: int) -> None:
        await self.db.execute(pg(q.INSERT_APP_TOKEN), token_hash, app_id)

    # -- settings and subscriptions -----------------------------------------------------

    async def get_webhook_settings(self, app_id: int) -> WebhookSettings | None:
        row = await self.db.fetchrow(pg(q.SELECT_SETTINGS), app_id)
        return rows.settings(row) if row else None

    async def put_webhook_settings(self, settings: WebhookSettings) -> WebhookSettings:
        s = settings
        row = await self.db.fetchrow(
            pg(q.UPSERT_SETTINGS),
            s.app_id,
            s.target_url,
            s.max_concurrent,
            s.period,
            s.created_at_ms,
            s.updated_at_ms,
        )
        return rows.settings(row)

    async def delete_webhook_settings(self, app_id: int) -> bool:
        status = await self.db.execute(pg(q.DELETE_SETTINGS), app_id)
        return bool(status != "DELETE 0")

    async def list_subscriptions(self, app_id: int) -> list[SubscriptionRecord]:
        found = await self.db.fetch(pg(q.SELECT_SUBSCRIPTIONS), app_id)
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
        row = await self.db.fetchrow(
            pg(q.INSERT_SUBSCRIPTION),
            app_id,
            event_type,
            object_type_id,
            property_name,
            active,
            now_ms,
            now_ms,
        )
        self.sinks.clear()
        return rows.subscription(row)

    async def set_subscriptions_active(
        self, app_id: int, changes: Sequence[tuple[int, bool]], now_ms: int
    ) -> list[SubscriptionRecord]:
        out: list[SubscriptionRecord] = []
        async with self._connection() as conn, conn.transaction():
            for sub_id, active in changes:
                row = await conn.fetchrow(pg(q.SET_ACTIVE), active, now_ms, app_id, sub_id)
                if row is not None:
                    out.append(rows.subscription(row))
        self.sinks.clear()
        return out

    async def delete_subscription(self, app_id: int, subscription_id: int) -> bool:
        status = await self.db.execute(pg(q.DELETE_SUBSCRIPTION), app_id, subscription_id)
        self.sinks.clear()
        return bool(status != "DELETE 0")

    # -- the outbox ----------------------------------------------------------------------

    def on_events(self, listener: Callable[[], None]) -> None:
        self.sinks.listener = listener

    async def claim_events(
        self, owner: str, now_ms: int, lease_ms: int, limit: int
    ) -> list[OutboxEvent]:
        async with self._connection() as conn, conn.transaction():
            await _fan_out(conn, now_ms)
            found = await conn.fetch(
                pg(q.CLAIM_POSTGRES), now_ms + lease_ms, owner, now_ms, now_ms, limit
            )
        return sorted((rows.event(r) for r in found), key=lambda e: e.event_id)

    async def finish_events(self, owner: str, outcomes: Sequence[AttemptOutcome]) -> None:
        async with self._connection() as conn, conn.transaction():
            await conn.executemany(
                pg(q.INSERT_DELIVERY), [rows.delivery_params(o) for o in outcomes]
            )
            await conn.executemany(
                pg(q.FINISH_EVENT), [rows.finish_params(o, owner) for o in outcomes]
            )

    async def list_deliveries(
        self,
        portal_id: int | None,
        app_id: int | None,
        limit: int,
        query: DeliveryQuery | None = None,
    ) -> list[DeliveryRecord]:
        params = rows.delivery_filter_params(portal_id, app_id, query or DeliveryQuery(limit))
        found = await self.db.fetch(pg(q.LIST_DELIVERIES), *params)
        return [rows.delivery(r) for r in found]

    async def count_pending_events(self) -> int:
        return int(await self.db.fetchval(q.PENDING_EVENTS))

    async def prune_events(self, cutoff_ms: int, limit: int) -> int:
        async with self._connection() as conn, conn.transaction():
            ids = [int(r[0]) for r in await conn.fetch(pg(q.PRUNABLE_EVENTS), cutoff_ms, limit)]
            if ids:
                await conn.execute(
                    "DELETE FROM webhook_deliveries WHERE event_id = ANY($1::bigint[])", ids
                )
                await conn.execute(
                    "DELETE FROM webhook_events WHERE event_id = ANY($1::bigint[])", ids
                )
        return len(ids)

    async def take_slot(
        self, app_id: int, limit: int, owner: str, now_ms: int, lease_ms: int
    ) -> int | None:
        slot = await self.db.fetchval(
            q.TAKE_SLOT_POSTGRES, app_id, owner, now_ms + lease_ms, limit, now_ms
        )
        return None if slot is None else int(slot)

    async def release_slot(self, app_id: int, slot: int, owner: str) -> None:
        await self.db.execute(pg(q.RELEASE_SLOT), app_id, slot, owner)


async def _install(conn: asyncpg.Connection, app_id: int, portal_id: int, now_ms: int) -> None:
    if await conn.fetchval("SELECT 1 FROM portals WHERE portal_id = $1", portal_id) is None:
        raise ValidationError(f"Portal {portal_id} does not exist.")
    if await conn.fetchval("SELECT 1 FROM apps WHERE app_id = $1", app_id) is None:
        raise ValidationError(f"App {app_id} does not exist.")
    await conn.execute(pg(q.INSERT_INSTALL), portal_id, app_id, now_ms)
