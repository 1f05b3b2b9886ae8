-- Custom object schemas (/crm-object-schemas/v3/schemas): one JSON document per type. The
-- same text runs on SQLite and PostgreSQL.

CREATE TABLE custom_schemas (
    portal_id BIGINT  NOT NULL REFERENCES portals (portal_id),
    type_id   TEXT    NOT NULL,
    -- lower(name): a name is unique among a portal's live schemas, whatever its case.
    name_key  TEXT    NOT NULL,
    archived  INTEGER NOT NULL DEFAULT 0,
    body      TEXT    NOT NULL,
    PRIMARY KEY (portal_id, type_id)
);

CREATE UNIQUE INDEX custom_schemas_name ON custom_schemas (portal_id, name_key) WHERE archived = 0;
