-- Webhooks (docs/webhooks.md): apps, their installs and tokens, webhook settings and
-- subscriptions, and the transactional outbox of events with its delivery log.

-- An app is global (a developer account's app), installed in any number of portals. The
-- client secret signs deliveries, so it is kept in clear; the developer API key is only
-- ever compared, so only its SHA-256 digest is kept (like tokens).
CREATE TABLE apps (
    app_id          INTEGER PRIMARY KEY,
    name            TEXT    NOT NULL,
    client_secret   TEXT    NOT NULL,
    api_key_hash    TEXT    NOT NULL UNIQUE,
    created_at_ms   INTEGER NOT NULL
);

CREATE TABLE app_installs (
    portal_id       INTEGER NOT NULL,
    app_id          INTEGER NOT NULL REFERENCES apps (app_id),
    installed_at_ms INTEGER NOT NULL,
    PRIMARY KEY (portal_id, app_id)
) WITHOUT ROWID;

-- Tokens that belong to an app, as OAuth tokens do (token create --app).
CREATE TABLE app_tokens (
    token_hash TEXT    PRIMARY KEY,
    app_id     INTEGER NOT NULL REFERENCES apps (app_id)
) WITHOUT ROWID;

CREATE TABLE webhook_settings (
    app_id          INTEGER PRIMARY KEY REFERENCES apps (app_id),
    target_url      TEXT    NOT NULL,
    max_concurrent  INTEGER NOT NULL,
    period          TEXT,
    created_at_ms   INTEGER NOT NULL,
    updated_at_ms   INTEGER NOT NULL
);

CREATE TABLE webhook_subscriptions (
    subscription_id INTEGER PRIMARY KEY AUTOINCREMENT,
    app_id          INTEGER NOT NULL REFERENCES apps (app_id),
    event_type      TEXT    NOT NULL,
    object_type_id  TEXT,
    property_name   TEXT,
    active          INTEGER NOT NULL,
    created_at_ms   INTEGER NOT NULL,
    updated_at_ms   INTEGER NOT NULL
);
CREATE INDEX webhook_subscriptions_app ON webhook_subscriptions (app_id);

-- The outbox: one row per (change, subscription), written in the change's transaction.
-- status 0 pending, 1 delivered, 2 gave up. A worker owns a row while lease_until_ms is in
-- the future (SQLite has no SKIP LOCKED; PostgreSQL uses both). One index besides the key:
-- every index is paid by every write that produces events.
-- event_id is the rowid (no AUTOINCREMENT: cheaper per insert). Ids are never reused as
-- long as the newest event is never deleted; nothing deletes events.
CREATE TABLE webhook_events (
    event_id           INTEGER PRIMARY KEY,
    app_id             INTEGER NOT NULL,
    portal_id          INTEGER NOT NULL,
    subscription_id    INTEGER NOT NULL,
    occurred_at_ms     INTEGER NOT NULL,
    payload            TEXT    NOT NULL,
    status             INTEGER NOT NULL DEFAULT 0,
    attempts           INTEGER NOT NULL DEFAULT 0,
    next_attempt_at_ms INTEGER NOT NULL,
    lease_until_ms     INTEGER NOT NULL DEFAULT 0,
    lease_owner        TEXT,
    delivered_at_ms    INTEGER
);
CREATE INDEX webhook_events_due ON webhook_events (next_attempt_at_ms) WHERE status = 0;

-- One row per event per attempt: what `assocdb webhooks log` and the admin API list.
CREATE TABLE webhook_deliveries (
    delivery_id      INTEGER PRIMARY KEY,
    event_id         INTEGER NOT NULL,
    app_id           INTEGER NOT NULL,
    portal_id        INTEGER NOT NULL,
    attempt          INTEGER NOT NULL,
    at_ms            INTEGER NOT NULL,
    status_code      INTEGER,
    error            TEXT,
    latency_ms       INTEGER NOT NULL,
    next_retry_at_ms INTEGER
);
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id);
