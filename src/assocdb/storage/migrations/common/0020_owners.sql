-- CRM owners (GET /crm/v3/owners) and per-portal counters for ids this feature allocates.
-- The same text runs on SQLite and PostgreSQL.

CREATE TABLE crm_counters (
    portal_id  BIGINT NOT NULL,
    name       TEXT   NOT NULL,
    next_value BIGINT NOT NULL,
    PRIMARY KEY (portal_id, name)
);

CREATE TABLE owners (
    portal_id     BIGINT  NOT NULL REFERENCES portals (portal_id),
    owner_id      BIGINT  NOT NULL,
    user_id       BIGINT  NOT NULL,
    email         TEXT    NOT NULL,
    -- lower(email): owners are looked up by email case-insensitively.
    email_key     TEXT    NOT NULL,
    first_name    TEXT,
    last_name     TEXT,
    archived      INTEGER NOT NULL DEFAULT 0,
    created_at_ms BIGINT  NOT NULL,
    updated_at_ms BIGINT  NOT NULL,
    PRIMARY KEY (portal_id, owner_id)
);

-- One active owner per email in a portal; the schema, not a check, keeps the promise.
CREATE UNIQUE INDEX owners_email ON owners (portal_id, email_key) WHERE archived = 0;
CREATE UNIQUE INDEX owners_user ON owners (portal_id, user_id);
