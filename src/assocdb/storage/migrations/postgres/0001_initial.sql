-- assocdb schema v1 (PostgreSQL). Every table and every key starts with portal_id, and no
-- constraint crosses portals, so each table can be distributed by portal_id (Citus-style)
-- without code changes: see docs/scaling.md.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value BYTEA NOT NULL
);

CREATE TABLE portals (
    portal_id      BIGINT PRIMARY KEY,
    name           TEXT   NOT NULL,
    created_at_ms  BIGINT NOT NULL,
    next_object_id BIGINT NOT NULL DEFAULT 10000000001,
    next_type_id   BIGINT NOT NULL DEFAULT 100
);

-- Portal ids chosen by the server when none is given.
CREATE SEQUENCE portal_ids START 1;

CREATE TABLE tokens (
    token_hash    TEXT    PRIMARY KEY,
    portal_id     BIGINT  NOT NULL,
    scopes        TEXT    NOT NULL,
    created_at_ms BIGINT  NOT NULL,
    expires_at_ms BIGINT,
    revoked       BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE objects (
    portal_id     BIGINT NOT NULL,
    object_type   TEXT   NOT NULL,
    object_id     BIGINT NOT NULL,
    properties    TEXT   NOT NULL,
    created_at_ms BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL,
    PRIMARY KEY (portal_id, object_type, object_id)
);

-- One row per directed edge; the inverse edge is another row written in the same
-- transaction. `types` is the sorted set of (category, typeId), encoded "c:t,c:t".
CREATE TABLE associations (
    portal_id BIGINT NOT NULL,
    from_type TEXT   NOT NULL,
    from_id   BIGINT NOT NULL,
    to_type   TEXT   NOT NULL,
    to_id     BIGINT NOT NULL,
    types     TEXT   NOT NULL,
    PRIMARY KEY (portal_id, from_type, from_id, to_type, to_id)
);

CREATE TABLE labels (
    portal_id       BIGINT  NOT NULL,
    from_type       TEXT    NOT NULL,
    to_type         TEXT    NOT NULL,
    category        INTEGER NOT NULL,
    type_id         INTEGER NOT NULL,
    name            TEXT    NOT NULL,
    label           TEXT,
    inverse_type_id INTEGER NOT NULL,
    PRIMARY KEY (portal_id, from_type, to_type, category, type_id)
);
