-- CRM search index (docs/search.md): one row per (record, property with a value), kept by a
-- trigger on `objects`, so every write path (API, seed, copy) indexes in its own transaction.
-- value: as stored (full-text index: words are its runs of letters and digits, as in
-- SQLite's unicode61 tokenizer); value_key: lower-cased, cut to 500 characters (a
-- btree entry must stay under PostgreSQL's ~2.7 kB); value_num: numbers, and ISO dates and
-- datetimes as epoch milliseconds; is_unique: guarded by the partial unique index (409s).
CREATE TABLE search_values (
    portal_id   BIGINT  NOT NULL,
    object_type TEXT    NOT NULL,
    object_id   BIGINT  NOT NULL,
    name        TEXT    NOT NULL,
    value       TEXT    NOT NULL,
    value_key   TEXT    NOT NULL,
    value_num   DOUBLE PRECISION,
    is_unique   BOOLEAN NOT NULL
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
    WHERE is_unique;
-- fastupdate off: GIN's pending list is scanned whole by every search until a vacuum
-- merges it (35 ms instead of 0.2 ms for a one-word search after a bulk load, measured);
-- writes pay a little more instead.
-- statement
CREATE INDEX search_values_text ON search_values
    USING gin (to_tsvector('simple', regexp_replace(value, '[^[:alnum:]]+', ' ', 'g')))
    WITH (fastupdate = off);
-- statement
CREATE INDEX objects_by_created ON objects (portal_id, object_type, created_at_ms, object_id);
-- statement
CREATE INDEX objects_by_updated ON objects (portal_id, object_type, updated_at_ms, object_id);
-- statement
CREATE FUNCTION assocdb_search_num(v text) RETURNS double precision
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF v ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' THEN
        RETURN extract(epoch FROM v::date::timestamp) * 1000;
    ELSIF v ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ]' THEN
        IF v ~ '(Z|[+-][0-9]{2}:?[0-9]{2})$' THEN
            RETURN round(extract(epoch FROM v::timestamptz) * 1000);
        END IF;
        RETURN round(extract(epoch FROM v::timestamp) * 1000);
    ELSIF v ~ '^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?$' THEN
        RETURN v::double precision;
    END IF;
    RETURN NULL;
EXCEPTION WHEN others THEN
    RETURN NULL;
END $$;
-- statement
CREATE FUNCTION assocdb_search_index() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        DELETE FROM search_values WHERE portal_id = OLD.portal_id
            AND object_type = OLD.object_type AND object_id = OLD.object_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO search_values
            (portal_id, object_type, object_id, name, value, value_key, value_num, is_unique)
        SELECT NEW.portal_id, NEW.object_type, NEW.object_id, j.key, j.value,
            lower(left(j.value, 500)), assocdb_search_num(j.value),
            (NEW.object_type = '0-1' AND j.key = 'email') OR EXISTS (SELECT 1
                FROM unique_properties u WHERE u.portal_id = NEW.portal_id
                AND u.object_type = NEW.object_type AND u.name = j.key)
        FROM jsonb_each_text(NEW.properties::jsonb) j
        WHERE j.value IS NOT NULL AND j.value <> '';
    END IF;
    RETURN NULL;
END $$;
-- statement
CREATE TRIGGER objects_search_index AFTER INSERT OR DELETE OR UPDATE OF properties ON objects
    FOR EACH ROW EXECUTE FUNCTION assocdb_search_index();
-- statement
INSERT INTO search_values
    (portal_id, object_type, object_id, name, value, value_key, value_num, is_unique)
SELECT o.portal_id, o.object_type, o.object_id, j.key, j.value, lower(left(j.value, 500)),
    assocdb_search_num(j.value), false
FROM objects o, jsonb_each_text(o.properties::jsonb) j
WHERE j.value IS NOT NULL AND j.value <> '';
