-- Each property's earlier values (HubSpot's `propertiesWithHistory` on GET, list and batch
-- read: https://developers.hubspot.com/docs/api/crm/understanding-the-crm).
--
-- One row per value a write set: written in the same transaction as the record write
-- (create, update, upsert, merge, seed), only when the value changed. `version` counts
-- the property's values from 1; the newest 50 are kept (domain/history.py). Archiving a
-- record keeps its rows (a restore brings the history back); GDPR delete, merge (the
-- merged record) and portal reset remove them.

CREATE TABLE property_history (
    portal_id    BIGINT NOT NULL,
    object_type  TEXT   NOT NULL,
    object_id    BIGINT NOT NULL,
    property     TEXT   NOT NULL,
    version      BIGINT NOT NULL,
    value        TEXT   NOT NULL,
    timestamp_ms BIGINT NOT NULL,
    source_type  TEXT   NOT NULL,
    PRIMARY KEY (portal_id, object_type, object_id, property, version)
) WITHOUT ROWID;
