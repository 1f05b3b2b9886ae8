"""SQL written once for both backends (``?`` placeholders; ``sql.pg`` numbers them for
asyncpg). Only statements that are the same text on SQLite and PostgreSQL live here."""

from __future__ import annotations

__all__ = [
    "ALLOCATE_OBJECT_IDS",
    "ALLOCATE_TYPE_IDS",
    "DELETE_LABEL",
    "DELETE_LIMIT",
    "DELETE_OBJECT",
    "INSERT_LABEL",
    "INSERT_OBJECT",
    "LABEL_COLUMNS",
    "LIMIT_COLUMNS",
    "SELECT_ALL_LIMITS",
    "SELECT_LABELS",
    "SELECT_LIMITS",
    "TYPE_IN_USE",
    "UPDATE_LABEL",
    "UPSERT_LIMIT",
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
