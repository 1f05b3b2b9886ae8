-- Records merged into another (POST /crm/v3/objects/{type}/merge): the merged id keeps
-- resolving to the primary record. A GDPR delete removes every row naming its record.
-- The same text runs on SQLite and PostgreSQL.

CREATE TABLE merged_objects (
    portal_id    BIGINT NOT NULL,
    object_type  TEXT   NOT NULL,
    merged_id    BIGINT NOT NULL,
    primary_id   BIGINT NOT NULL,
    merged_at_ms BIGINT NOT NULL,
    PRIMARY KEY (portal_id, object_type, merged_id)
);

CREATE INDEX merged_objects_primary ON merged_objects (portal_id, object_type, primary_id);
