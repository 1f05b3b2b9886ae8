-- assocdb schema v2 (SQLite): archived CRM records.
--
-- Archiving a record (DELETE /crm/v3/objects/{type}/{id}) moves its row here in the same
-- transaction that removes its association edges, so `objects` only ever holds live
-- records: every existence check on it stays correct without an `archived` filter.
-- The row keeps what `?archived=true` reads return, plus when it was archived.

CREATE TABLE archived_objects (
    portal_id      INTEGER NOT NULL,
    object_type    TEXT    NOT NULL,
    object_id      INTEGER NOT NULL,
    properties     TEXT    NOT NULL,
    created_at_ms  INTEGER NOT NULL,
    updated_at_ms  INTEGER NOT NULL,
    archived_at_ms INTEGER NOT NULL,
    PRIMARY KEY (portal_id, object_type, object_id)
) WITHOUT ROWID;
