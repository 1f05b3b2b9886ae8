"""SQL of apps, webhooks and the outbox, written once for both backends (``?``
placeholders; ``sql.pg`` numbers them for asyncpg). Only the claim differs per backend."""

from __future__ import annotations

__all__ = [
    "APP_COLUMNS",
    "CLAIM_POSTGRES",
    "CLAIM_SQLITE",
    "DELETE_CHANGES_SQLITE",
    "DELETE_SETTINGS",
    "DELETE_SUBSCRIPTION",
    "FINISH_EVENT",
    "INSERT_APP",
    "INSERT_APP_TOKEN",
    "INSERT_CHANGE",
    "INSERT_DELIVERY",
    "INSERT_EVENT",
    "INSERT_INSTALL",
    "INSERT_SUBSCRIPTION",
    "LIST_DELIVERIES",
    "LIVE_SLOTS_SQLITE",
    "NEXT_APP_ID",
    "PENDING_EVENTS",
    "PORTAL_SUBSCRIPTIONS",
    "PRUNABLE_EVENTS",
    "RELEASE_SLOT",
    "SELECT_APP",
    "SELECT_APP_BY_KEY",
    "SELECT_APP_PORTALS",
    "SELECT_SETTINGS",
    "SELECT_SUBSCRIPTIONS",
    "SET_ACTIVE",
    "SUBSCRIPTION_COLUMNS",
    "TAKE_CHANGES_POSTGRES",
    "TAKE_CHANGES_SQLITE",
    "TAKE_SLOT_POSTGRES",
    "TAKE_SLOT_SQLITE",
    "UPSERT_SETTINGS",
]

APP_COLUMNS = "app_id, name, client_secret, api_key_hash, created_at_ms"
SUBSCRIPTION_COLUMNS = (
    "subscription_id, app_id, event_type, object_type_id, property_name, active,"
    " created_at_ms, updated_at_ms"
)
SETTINGS_COLUMNS = "app_id, target_url, max_concurrent, period, created_at_ms, updated_at_ms"
EVENT_COLUMNS = "event_id, app_id, portal_id, subscription_id, occurred_at_ms, payload, attempts"

# App ids are HubSpot-sized (7 digits) and chosen by the server unless given.
NEXT_APP_ID = "SELECT COALESCE(MAX(app_id), 1000000) + 1 FROM apps"
INSERT_APP = f"INSERT INTO apps ({APP_COLUMNS}) VALUES (?, ?, ?, ?, ?)"
SELECT_APP = f"SELECT {APP_COLUMNS} FROM apps WHERE app_id = ?"
SELECT_APP_BY_KEY = f"SELECT {APP_COLUMNS} FROM apps WHERE api_key_hash = ?"
INSERT_INSTALL = (
    "INSERT INTO app_installs (portal_id, app_id, installed_at_ms) VALUES (?, ?, ?)"
    " ON CONFLICT (portal_id, app_id) DO NOTHING"
)
SELECT_APP_PORTALS = "SELECT portal_id FROM app_installs WHERE app_id = ? ORDER BY portal_id"
INSERT_APP_TOKEN = "INSERT INTO app_tokens (token_hash, app_id) VALUES (?, ?)"

SELECT_SETTINGS = f"SELECT {SETTINGS_COLUMNS} FROM webhook_settings WHERE app_id = ?"
UPSERT_SETTINGS = (
    f"INSERT INTO webhook_settings ({SETTINGS_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (app_id) DO UPDATE SET target_url = excluded.target_url,"
    " max_concurrent = excluded.max_concurrent, period = excluded.period,"
    " updated_at_ms = excluded.updated_at_ms"
    f" RETURNING {SETTINGS_COLUMNS}"
)
DELETE_SETTINGS = "DELETE FROM webhook_settings WHERE app_id = ?"

SELECT_SUBSCRIPTIONS = (
    f"SELECT {SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions WHERE app_id = ?"
    " ORDER BY subscription_id"
)
INSERT_SUBSCRIPTION = (
    "INSERT INTO webhook_subscriptions (app_id, event_type, object_type_id, property_name,"
    f" active, created_at_ms, updated_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)"
    f" RETURNING {SUBSCRIPTION_COLUMNS}"
)
SET_ACTIVE = (
    "UPDATE webhook_subscriptions SET active = ?, updated_at_ms = ?"
    " WHERE app_id = ? AND subscription_id = ?"
    f" RETURNING {SUBSCRIPTION_COLUMNS}"
)
DELETE_SUBSCRIPTION = "DELETE FROM webhook_subscriptions WHERE app_id = ? AND subscription_id = ?"
# The active subscriptions of every app installed in a portal: what a write there must
# produce events for.
PORTAL_SUBSCRIPTIONS = (
    f"SELECT {', '.join('s.' + c.strip() for c in SUBSCRIPTION_COLUMNS.split(','))}"
    " FROM app_installs i JOIN webhook_subscriptions s ON s.app_id = i.app_id"
    " WHERE i.portal_id = ? AND s.active"
)

# The write side of the outbox: one row per transaction with all its events (0034).
INSERT_CHANGE = "INSERT INTO webhook_changes (event_count, events) VALUES (?, ?)"
# Fan-out, PostgreSQL: change rows no other worker is fanning out, deleted as they are
# read; their events are inserted in the same transaction, so each becomes events once.
TAKE_CHANGES_POSTGRES = (
    "DELETE FROM webhook_changes WHERE change_id IN (SELECT change_id FROM webhook_changes"
    " ORDER BY change_id LIMIT $1 FOR UPDATE SKIP LOCKED) RETURNING change_id, events"
)
TAKE_CHANGES_SQLITE = "SELECT change_id, events FROM webhook_changes ORDER BY change_id LIMIT ?"
DELETE_CHANGES_SQLITE = "DELETE FROM webhook_changes WHERE change_id <= ?"
PENDING_EVENTS = (
    "SELECT (SELECT count(*) FROM webhook_events WHERE status = 0)"
    " + (SELECT COALESCE(sum(event_count), 0) FROM webhook_changes)"
)

INSERT_EVENT = (
    "INSERT INTO webhook_events (app_id, portal_id, subscription_id, occurred_at_ms, payload,"
    " next_attempt_at_ms) VALUES (?, ?, ?, ?, ?, ?)"
)
_DUE = (
    "SELECT event_id FROM webhook_events WHERE status = 0 AND next_attempt_at_ms <= ?"
    " AND lease_until_ms < ? ORDER BY next_attempt_at_ms, event_id LIMIT ?"
)
# SQLite runs one writer at a time, so the lease alone keeps workers apart.
CLAIM_SQLITE = (
    "UPDATE webhook_events SET lease_until_ms = ?, lease_owner = ?"
    f" WHERE event_id IN ({_DUE}) RETURNING {EVENT_COLUMNS}"
)
# PostgreSQL: concurrent claimers skip each other's rows instead of waiting on them, and
# the lease keeps the rows theirs after the claim commits.
CLAIM_POSTGRES = (
    "UPDATE webhook_events e SET lease_until_ms = ?, lease_owner = ?"
    f" FROM ({_DUE} FOR UPDATE SKIP LOCKED) d WHERE e.event_id = d.event_id"
    f" RETURNING {', '.join('e.' + c.strip() for c in EVENT_COLUMNS.split(','))}"
)
FINISH_EVENT = (
    "UPDATE webhook_events SET status = ?, attempts = ?, next_attempt_at_ms = ?,"
    " delivered_at_ms = ?, lease_until_ms = 0, lease_owner = NULL"
    " WHERE event_id = ? AND lease_owner = ?"
)
# Pruning (``serve --webhook-retention-hours``): finished events (delivered, or given up)
# older than the cutoff, oldest first, a bounded batch at a time. Event ids grow with time,
# so the key order finds them at the front without an index of their own. The newest
# event is never pruned: SQLite's rowid (no AUTOINCREMENT) would otherwise hand its id
# out again, and eventIds must stay unique.
PRUNABLE_EVENTS = (
    "SELECT event_id FROM webhook_events WHERE status <> 0"
    " AND COALESCE(delivered_at_ms, next_attempt_at_ms) < ?"
    " AND event_id < (SELECT max(event_id) FROM webhook_events)"
    " ORDER BY event_id LIMIT ?"
)

# Throttling across processes (0035): a request is sent while its sender holds one of the
# app's slots 0 .. maxConcurrentRequests-1. SQLite (one writer) reads the live slots and
# takes the lowest free one in the same write transaction.
LIVE_SLOTS_SQLITE = "SELECT slot FROM webhook_slots WHERE app_id = ? AND lease_until_ms >= ?"
TAKE_SLOT_SQLITE = (
    "INSERT INTO webhook_slots (app_id, slot, owner, lease_until_ms) VALUES (?, ?, ?, ?)"
    " ON CONFLICT (app_id, slot) DO UPDATE SET owner = excluded.owner,"
    " lease_until_ms = excluded.lease_until_ms"
)
# PostgreSQL: the lowest slot number not held; two claimers racing for it meet on its
# key, and the loser's DO UPDATE re-checks the lease on the row the winner wrote (READ
# COMMITTED re-reads a conflicting row) and takes nothing; it tries again shortly. The
# count also keeps slots above a lowered limit from adding to it until they expire.
TAKE_SLOT_POSTGRES = (
    "INSERT INTO webhook_slots (app_id, slot, owner, lease_until_ms)"
    " SELECT $1, g, $2, $3 FROM generate_series(0, $4 - 1) AS g"
    " WHERE NOT EXISTS (SELECT 1 FROM webhook_slots s WHERE s.app_id = $1 AND s.slot = g"
    " AND s.lease_until_ms >= $5)"
    " AND (SELECT count(*) FROM webhook_slots s WHERE s.app_id = $1"
    " AND s.lease_until_ms >= $5) < $4"
    " ORDER BY g LIMIT 1"
    " ON CONFLICT (app_id, slot) DO UPDATE SET owner = excluded.owner,"
    " lease_until_ms = excluded.lease_until_ms WHERE webhook_slots.lease_until_ms < $5"
    " RETURNING slot"
)
RELEASE_SLOT = (
    "UPDATE webhook_slots SET lease_until_ms = 0 WHERE app_id = ? AND slot = ? AND owner = ?"
)

INSERT_DELIVERY = (
    "INSERT INTO webhook_deliveries (event_id, app_id, portal_id, attempt, at_ms, status_code,"
    " error, latency_ms, next_retry_at_ms)"
    " SELECT event_id, app_id, portal_id, ?, ?, ?, ?, ?, ? FROM webhook_events WHERE event_id = ?"
)
LIST_DELIVERIES = (
    "SELECT d.event_id, d.app_id, d.portal_id, d.attempt, d.at_ms, d.status_code, d.error,"
    " d.latency_ms, d.next_retry_at_ms, d.delivery_id, e.payload FROM webhook_deliveries d"
    " LEFT JOIN webhook_events e ON e.event_id = d.event_id"
    " WHERE (CAST(? AS BIGINT) IS NULL OR d.portal_id = ?)"
    " AND (CAST(? AS BIGINT) IS NULL OR d.app_id = ?)"
    # Keyset: attempts older than the last one of the previous page.
    " AND (CAST(? AS BIGINT) IS NULL OR d.delivery_id < ?)"
    # Outcome: 1 delivered (2xx), 0 failed; and only failures with a retry scheduled.
    " AND (CAST(? AS INTEGER) IS NULL"
    " OR CASE WHEN d.status_code BETWEEN 200 AND 299 THEN 1 ELSE 0 END = ?)"
    " AND (CAST(? AS INTEGER) IS NULL OR d.next_retry_at_ms IS NOT NULL)"
    " ORDER BY d.delivery_id DESC LIMIT ?"
)
