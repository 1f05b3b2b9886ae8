-- CRM search index (docs/search.md): one row per (record, property with a value), kept by
-- triggers on `objects`, so every write path (API, seed, copy) indexes in its own
-- transaction and nothing can write a record without its index rows.
--
-- value      the value as stored (text), the source of the full-text index
-- value_key  lower-cased, cut to 500 characters: equality, IN, string ranges and sorts
-- value_num  the value as a number when it reads as one: numbers as is, dates and
--            datetimes (ISO 8601) as epoch milliseconds; NULL otherwise
-- is_unique  1 for properties whose values must be unique: the partial unique index below
--            is what refuses a duplicate, inside the writing transaction (a 409)
CREATE TABLE search_values (
    portal_id   INTEGER NOT NULL,
    object_type TEXT    NOT NULL,
    object_id   INTEGER NOT NULL,
    name        TEXT    NOT NULL,
    value       TEXT    NOT NULL,
    value_key   TEXT    NOT NULL,
    value_num   REAL,
    is_unique   INTEGER NOT NULL
);
-- statement
CREATE INDEX search_values_object ON search_values (portal_id, object_type, object_id);
-- statement
CREATE INDEX search_values_key ON search_values (portal_id, object_type, name, value_key, object_id);
-- statement
CREATE INDEX search_values_num ON search_values (portal_id, object_type, name, value_num, object_id)
    WHERE value_num IS NOT NULL;
-- statement
CREATE UNIQUE INDEX search_values_unique ON search_values (portal_id, object_type, name, value_key)
    WHERE is_unique = 1;
-- statement
CREATE INDEX objects_by_created ON objects (portal_id, object_type, created_at_ms, object_id);
-- statement
CREATE INDEX objects_by_updated ON objects (portal_id, object_type, updated_at_ms, object_id);
-- statement
CREATE VIRTUAL TABLE search_fts USING fts5 (
    value, content = 'search_values', content_rowid = 'rowid', tokenize = 'unicode61'
);
-- statement
CREATE TRIGGER search_values_fts_insert AFTER INSERT ON search_values BEGIN
    INSERT INTO search_fts (rowid, value) VALUES (NEW.rowid, NEW.value);
END;
-- statement
CREATE TRIGGER search_values_fts_delete AFTER DELETE ON search_values BEGIN
    INSERT INTO search_fts (search_fts, rowid, value) VALUES ('delete', OLD.rowid, OLD.value);
END;
-- statement
CREATE TRIGGER objects_search_insert AFTER INSERT ON objects BEGIN
    INSERT INTO search_values
        (portal_id, object_type, object_id, name, value, value_key, value_num, is_unique)
    SELECT NEW.portal_id, NEW.object_type, NEW.object_id, j.key, j.value,
        lower(substr(j.value, 1, 500)),
        CASE
            WHEN j.value GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*'
                THEN round((julianday(j.value) - 2440587.5) * 86400000.0)
            WHEN j.value GLOB '*[0-9]*' AND NOT j.value GLOB '*[^0-9.eE+-]*'
                AND j.value GLOB '[0-9+.-]*'
                THEN CAST(j.value AS REAL)
        END,
        (NEW.object_type = '0-1' AND j.key = 'email') OR EXISTS (SELECT 1
            FROM unique_properties u WHERE u.portal_id = NEW.portal_id
            AND u.object_type = NEW.object_type AND u.name = j.key)
    FROM json_each(NEW.properties) j
    WHERE j.value IS NOT NULL AND j.value <> '';
END;
-- statement
CREATE TRIGGER objects_search_update AFTER UPDATE OF properties ON objects BEGIN
    DELETE FROM search_values WHERE portal_id = OLD.portal_id
        AND object_type = OLD.object_type AND object_id = OLD.object_id;
    INSERT INTO search_values
        (portal_id, object_type, object_id, name, value, value_key, value_num, is_unique)
    SELECT NEW.portal_id, NEW.object_type, NEW.object_id, j.key, j.value,
        lower(substr(j.value, 1, 500)),
        CASE
            WHEN j.value GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*'
                THEN round((julianday(j.value) - 2440587.5) * 86400000.0)
            WHEN j.value GLOB '*[0-9]*' AND NOT j.value GLOB '*[^0-9.eE+-]*'
                AND j.value GLOB '[0-9+.-]*'
                THEN CAST(j.value AS REAL)
        END,
        (NEW.object_type = '0-1' AND j.key = 'email') OR EXISTS (SELECT 1
            FROM unique_properties u WHERE u.portal_id = NEW.portal_id
            AND u.object_type = NEW.object_type AND u.name = j.key)
    FROM json_each(NEW.properties) j
    WHERE j.value IS NOT NULL AND j.value <> '';
END;
-- statement
CREATE TRIGGER objects_search_delete AFTER DELETE ON objects BEGIN
    DELETE FROM search_values WHERE portal_id = OLD.portal_id
        AND object_type = OLD.object_type AND object_id = OLD.object_id;
END;
-- statement
INSERT INTO search_values
    (portal_id, object_type, object_id, name, value, value_key, value_num, is_unique)
SELECT o.portal_id, o.object_type, o.object_id, j.key, j.value, lower(substr(j.value, 1, 500)),
    CASE
        WHEN j.value GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*'
            THEN round((julianday(j.value) - 2440587.5) * 86400000.0)
        WHEN j.value GLOB '*[0-9]*' AND NOT j.value GLOB '*[^0-9.eE+-]*'
            AND j.value GLOB '[0-9+.-]*'
            THEN CAST(j.value AS REAL)
    END,
    0
FROM objects o, json_each(o.properties) j
WHERE j.value IS NOT NULL AND j.value <> '';
