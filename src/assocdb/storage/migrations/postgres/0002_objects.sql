-- Archived CRM records: archiving moves a row here in the transaction that removes its
-- association edges, so `objects` only ever holds live records.
CREATE TABLE archived_objects (
    portal_id      BIGINT NOT NULL,
    object_type    TEXT   NOT NULL,
    object_id      BIGINT NOT NULL,
    properties     TEXT   NOT NULL,
    created_at_ms  BIGINT NOT NULL,
    updated_at_ms  BIGINT NOT NULL,
    archived_at_ms BIGINT NOT NULL,
    PRIMARY KEY (portal_id, object_type, object_id)
);
