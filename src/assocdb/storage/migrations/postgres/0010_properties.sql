-- Properties API (docs/properties.md): a portal's own property definitions and groups.
-- HubSpot's default properties live in code (domain/property_catalog.py); a row here with a
-- default's name is the portal's edited copy of it.
CREATE TABLE crm_properties (
    portal_id      BIGINT NOT NULL,
    object_type    TEXT   NOT NULL,
    name           TEXT   NOT NULL,
    definition     TEXT   NOT NULL,
    created_at_ms  BIGINT NOT NULL,
    updated_at_ms  BIGINT NOT NULL,
    archived_at_ms BIGINT,
    PRIMARY KEY (portal_id, object_type, name)
);

CREATE TABLE crm_property_groups (
    portal_id      BIGINT  NOT NULL,
    object_type    TEXT    NOT NULL,
    name           TEXT    NOT NULL,
    label          TEXT    NOT NULL,
    display_order  INTEGER NOT NULL,
    archived       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (portal_id, object_type, name)
);

-- Portals' own unique properties (hasUniqueValue); HubSpot's own, contact email, is in the
-- search index trigger (0011_search_index.sql), which reads this table.
CREATE TABLE unique_properties (
    portal_id   BIGINT NOT NULL,
    object_type TEXT   NOT NULL,
    name        TEXT   NOT NULL,
    PRIMARY KEY (portal_id, object_type, name)
);

