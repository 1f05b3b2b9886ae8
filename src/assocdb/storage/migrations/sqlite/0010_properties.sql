-- Properties API (docs/properties.md): a portal's own property definitions and groups.
--
-- HubSpot's default properties of each object type live in code (domain/property_catalog.py);
-- a row here with a default's name is the portal's edited copy of it. `definition` is the
-- property as JSON (label, type, fieldType, options...), read and written whole.
CREATE TABLE crm_properties (
    portal_id      INTEGER NOT NULL,
    object_type    TEXT    NOT NULL,
    name           TEXT    NOT NULL,
    definition     TEXT    NOT NULL,
    created_at_ms  INTEGER NOT NULL,
    updated_at_ms  INTEGER NOT NULL,
    archived_at_ms INTEGER,
    PRIMARY KEY (portal_id, object_type, name)
) WITHOUT ROWID;

CREATE TABLE crm_property_groups (
    portal_id      INTEGER NOT NULL,
    object_type    TEXT    NOT NULL,
    name           TEXT    NOT NULL,
    label          TEXT    NOT NULL,
    display_order  INTEGER NOT NULL,
    archived       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (portal_id, object_type, name)
) WITHOUT ROWID;

-- Properties whose values must be unique per portal and object type (hasUniqueValue, and
-- HubSpot's own, contact email, is written into the search index triggers). The triggers
-- (0011_search_index.sql) read this table to mark the values the unique index guards.
CREATE TABLE unique_properties (
    portal_id   INTEGER NOT NULL,
    object_type TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    PRIMARY KEY (portal_id, object_type, name)
) WITHOUT ROWID;

