-- assocdb schema v1 (SQLite). Every table and every key starts with portal_id so that the
-- same layout shards by portal on PostgreSQL.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value BLOB NOT NULL
) WITHOUT ROWID;

CREATE TABLE portals (
    portal_id      INTEGER PRIMARY KEY,
    name           TEXT    NOT NULL,
    created_at_ms  INTEGER NOT NULL,
    -- Record ids are allocated per portal, HubSpot-sized (11+ digits).
    next_object_id INTEGER NOT NULL DEFAULT 10000000001,
    -- USER_DEFINED association type ids are allocated per portal, in pairs.
    next_type_id   INTEGER NOT NULL DEFAULT 100
);

CREATE TABLE tokens (
    token_hash    TEXT    PRIMARY KEY,
    portal_id     INTEGER NOT NULL REFERENCES portals (portal_id),
    scopes        TEXT    NOT NULL,
    created_at_ms INTEGER NOT NULL,
    expires_at_ms INTEGER,
    revoked       INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE TABLE objects (
    portal_id     INTEGER NOT NULL,
    object_type   TEXT    NOT NULL,
    object_id     INTEGER NOT NULL,
    properties    TEXT    NOT NULL,
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    PRIMARY KEY (portal_id, object_type, object_id)
) WITHOUT ROWID;

-- One row per directed edge; the inverse edge is another row written in the same
-- transaction. `types` is the sorted set of (category, typeId) on the edge, encoded
-- "c:t,c:t" (see storage/typesets.py). The primary key is the read path's range scan.
CREATE TABLE associations (
    portal_id INTEGER NOT NULL,
    from_type TEXT    NOT NULL,
    from_id   INTEGER NOT NULL,
    to_type   TEXT    NOT NULL,
    to_id     INTEGER NOT NULL,
    types     TEXT    NOT NULL,
    PRIMARY KEY (portal_id, from_type, from_id, to_type, to_id)
) WITHOUT ROWID;

CREATE TABLE labels (
    portal_id       INTEGER NOT NULL,
    from_type       TEXT    NOT NULL,
    to_type         TEXT    NOT NULL,
    category        INTEGER NOT NULL,
    type_id         INTEGER NOT NULL,
    name            TEXT    NOT NULL,
    label           TEXT,
    inverse_type_id INTEGER NOT NULL,
    PRIMARY KEY (portal_id, from_type, to_type, category, type_id)
) WITHOUT ROWID;
