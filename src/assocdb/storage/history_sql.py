"""SQL of the property history (migration 0024), ``?`` placeholders for both drivers
(``storage.sql.pg`` numbers them for asyncpg). The rules live in domain/history.py."""

from __future__ import annotations

__all__ = [
    "HISTORY_FORGET",
    "HISTORY_INSERT",
    "HISTORY_LAST",
    "HISTORY_TRIM",
]

HISTORY_INSERT = (
    "INSERT INTO property_history (portal_id, object_type, object_id, property, version,"
    " value, timestamp_ms, source_type) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
HISTORY_COLUMNS = (
    "portal_id",
    "object_type",
    "object_id",
    "property",
    "version",
    "value",
    "timestamp_ms",
    "source_type",
)
HISTORY_LAST = (
    "SELECT max(version) FROM property_history WHERE portal_id = ? AND object_type = ?"
    " AND object_id = ? AND property = ?"
)
# Keeps the newest MAX_VERSIONS: versions are numbered without gaps, so the oldest kept
# one is the new version - MAX_VERSIONS + 1.
HISTORY_TRIM = (
    "DELETE FROM property_history WHERE portal_id = ? AND object_type = ? AND object_id = ?"
    " AND property = ? AND version <= ?"
)
HISTORY_FORGET = (
    "DELETE FROM property_history WHERE portal_id = ? AND object_type = ? AND object_id = ?"
)
