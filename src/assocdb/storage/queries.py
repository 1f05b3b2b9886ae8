"""SQL written once for both backends (``?`` placeholders; ``sql.pg`` numbers them for
asyncpg). Only statements that are the same text on SQLite and PostgreSQL live here."""

from __future__ import annotations

__all__ = [
    "ADD_TOKEN",
    "ALLOCATE_OBJECT_IDS",
    "ALLOCATE_TYPE_IDS",
    "ARCHIVE_OBJECT",
    "COUNT_EDGES",
    "CREATE_PORTAL",
    "DELETE_EDGES_FROM",
    "DELETE_LABEL",
    "DELETE_LIMIT",
    "DELETE_OBJECT",
    "FIND_LABEL",
    "FIND_TOKEN",
    "GET_PORTAL",
    "INSERT_LABEL",
    "INSERT_OBJECT",
    "LABEL_COLUMNS",
    "LIMIT_COLUMNS",
    "LIST_ALL_LABELS",
    "LIST_ARCHIVED_OBJECTS",
    "LIST_OBJECTS",
    "LIST_RATE_LIMITS",
    "OBJECT_COLUMNS",
    "OBJECT_FOR_UPDATE",
    "RESET_COUNTERS",
    "REVOKE_TOKEN",
    "SCAN_EDGES",
    "SCAN_OBJECTS",
    "SELECT_ALL_LIMITS",
    "SELECT_LABELS",
    "SELECT_LIMITS",
    "SET_RATE_LIMIT",
    "TAKE_OBJECT",
    "TYPE_IN_USE",
    "UPDATE_LABEL",
    "UPSERT_LIMIT",
    "WRITE_PROPERTIES",
    "by_ids",
]

LABEL_COLUMNS = "from_type, to_type, category, type_id, name, label, inverse_type_id"
LIMIT_COLUMNS = "from_type, to_type, category, type_id, max_to_object_ids"

SELECT_LABELS = (
    f"SELECT {LABEL_COLUMNS} FROM labels WHERE portal_id = ? AND from_type = ? AND to_type = ?"
    " ORDER BY category, type_id"
)
INSERT_LABEL = f"INSERT INTO labels (portal_id, {LABEL_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
UPDATE_LABEL = (
    "UPDATE labels SET label = ? WHERE portal_id = ? AND from_type = ?"
    " AND to_type = ? AND category = ? AND type_id = ?"
)
DELETE_LABEL = (
    "DELETE FROM labels WHERE portal_id = ? AND from_type = ? AND to_type = ?"
    " AND category = ? AND type_id = ?"
)
# An edge of the pair whose type set holds one type. ``types`` is "c:t,c:t" (see
# storage/typesets.py); wrapping it in commas makes "1:12" never match "1:123" or "11:2".
TYPE_IN_USE = (
    "SELECT 1 FROM associations WHERE portal_id = ? AND from_type = ? AND to_type = ?"
    " AND (',' || types || ',') LIKE ? LIMIT 1"
)
ALLOCATE_TYPE_IDS = (
    "UPDATE portals SET next_type_id = next_type_id + ? WHERE portal_id = ? RETURNING next_type_id"
)

SELECT_LIMITS = (
    f"SELECT {LIMIT_COLUMNS} FROM limits WHERE portal_id = ? AND from_type = ? AND to_type = ?"
    " ORDER BY category, type_id"
)
SELECT_ALL_LIMITS = (
    f"SELECT {LIMIT_COLUMNS} FROM limits WHERE portal_id = ?"
    " ORDER BY from_type, to_type, category, type_id"
)
UPSERT_LIMIT = (
    f"INSERT INTO limits (portal_id, {LIMIT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (portal_id, from_type, to_type, category, type_id)"
    " DO UPDATE SET max_to_object_ids = excluded.max_to_object_ids"
)
DELETE_LIMIT = (
    "DELETE FROM limits WHERE portal_id = ? AND from_type = ? AND to_type = ?"
    " AND category = ? AND type_id = ?"
)

ALLOCATE_OBJECT_IDS = (
    "UPDATE portals SET next_object_id = next_object_id + ? WHERE portal_id = ?"
    " RETURNING next_object_id"
)
INSERT_OBJECT = (
    "INSERT INTO objects (portal_id, object_type, object_id, properties, created_at_ms,"
    " updated_at_ms) VALUES (?, ?, ?, ?, ?, ?)"
)
DELETE_OBJECT = "DELETE FROM objects WHERE portal_id = ? AND object_type = ? AND object_id = ?"
# The record an update reads; PostgreSQL appends `` FOR UPDATE`` (SQLite's ``BEGIN
# IMMEDIATE`` already holds every row).
OBJECT_FOR_UPDATE = (
    "SELECT properties, created_at_ms FROM objects WHERE portal_id = ? AND object_type = ?"
    " AND object_id = ?"
)
WRITE_PROPERTIES = (
    "UPDATE objects SET properties = ?, updated_at_ms = ? WHERE portal_id = ?"
    " AND object_type = ? AND object_id = ?"
)
# Archive: the live row goes, its values come back for ``archived_objects``.
TAKE_OBJECT = (
    "DELETE FROM objects WHERE portal_id = ? AND object_type = ? AND object_id = ?"
    " RETURNING properties, created_at_ms, updated_at_ms"
)
ARCHIVE_OBJECT = (
    "INSERT INTO archived_objects (portal_id, object_type, object_id, properties,"
    " created_at_ms, updated_at_ms, archived_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (portal_id, object_type, object_id) DO UPDATE SET"
    " properties = excluded.properties, created_at_ms = excluded.created_at_ms,"
    " updated_at_ms = excluded.updated_at_ms, archived_at_ms = excluded.archived_at_ms"
)
# Every edge row from a record (its inverse rows are deleted by the driver's own query).
DELETE_EDGES_FROM = "DELETE FROM associations WHERE portal_id = ? AND from_type = ? AND from_id = ?"


def by_ids(columns: str, table: str, ids: str) -> str:
    """Rows of ``table`` (``objects``, ``archived_objects``) of one portal and object type
    whose ``object_id`` passes ``ids``, the driver's test for a list of ids: ``IN (?, …)``
    on SQLite, ``= ANY(?::bigint[])`` on PostgreSQL (one array parameter)."""
    return (
        f"SELECT {columns} FROM {table} WHERE portal_id = ? AND object_type = ?"
        f" AND object_id {ids} ORDER BY object_id"
    )


# A portal id of None: SQLite allocates the next rowid; PostgreSQL's driver takes one from
# the ``portal_ids`` sequence first.
CREATE_PORTAL = (
    "INSERT INTO portals (portal_id, name, created_at_ms) VALUES (?, ?, ?) RETURNING portal_id"
)
GET_PORTAL = "SELECT portal_id, name, created_at_ms FROM portals WHERE portal_id = ?"
ADD_TOKEN = (
    "INSERT INTO tokens (token_hash, portal_id, scopes, created_at_ms, expires_at_ms, revoked)"
    " VALUES (?, ?, ?, ?, ?, ?)"
)
FIND_TOKEN = (
    "SELECT token_hash, portal_id, scopes, created_at_ms, expires_at_ms, revoked"
    " FROM tokens WHERE token_hash = ?"
)
# ``revoked`` is bound as a boolean: SQLite stores it as 1, PostgreSQL as TRUE.
REVOKE_TOKEN = "UPDATE tokens SET revoked = ? WHERE token_hash = ?"
SET_RATE_LIMIT = "UPDATE portals SET rate_limit = ? WHERE portal_id = ?"
LIST_RATE_LIMITS = "SELECT portal_id, rate_limit FROM portals WHERE rate_limit IS NOT NULL"
COUNT_EDGES = "SELECT count(*) FROM associations WHERE portal_id = ?"
FIND_LABEL = (
    f"SELECT {LABEL_COLUMNS} FROM labels WHERE portal_id = ? AND from_type = ? AND category = ?"
    " AND type_id = ? ORDER BY to_type LIMIT 1"
)

OBJECT_COLUMNS = "object_id, properties, created_at_ms, updated_at_ms"
LIST_OBJECTS = (
    f"SELECT {OBJECT_COLUMNS} FROM objects WHERE portal_id = ? AND object_type = ?"
    " AND object_id >= ? ORDER BY object_id LIMIT ?"
)
LIST_ARCHIVED_OBJECTS = (
    f"SELECT {OBJECT_COLUMNS}, archived_at_ms FROM archived_objects WHERE portal_id = ?"
    " AND object_type = ? AND object_id >= ? ORDER BY object_id LIMIT ?"
)

# The test harness and export (storage/*_harness.py).
RESET_COUNTERS = "UPDATE portals SET next_object_id = ?, next_type_id = ? WHERE portal_id = ?"
SCAN_OBJECTS = (
    "SELECT object_type, object_id, properties, created_at_ms, updated_at_ms"
    " FROM objects WHERE portal_id = ? AND (object_type, object_id) > (?, ?)"
    " ORDER BY object_type, object_id LIMIT ?"
)
SCAN_EDGES = (
    "SELECT from_type, from_id, to_type, to_id, types FROM associations"
    " WHERE portal_id = ? AND (from_type, from_id, to_type, to_id) > (?, ?, ?, ?)"
    " ORDER BY from_type, from_id, to_type, to_id LIMIT ?"
)
LIST_ALL_LABELS = (
    f"SELECT {LABEL_COLUMNS} FROM labels WHERE portal_id = ?"
    " ORDER BY from_type, to_type, category, type_id"
)
