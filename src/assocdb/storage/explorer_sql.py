"""The explorer's read queries (``domain/explorer.py``), written once for both drivers
(``?`` placeholders; ``storage.sql.pg`` numbers them for asyncpg)."""

from __future__ import annotations

__all__ = ["ASSOCIATIONS_BY_TYPE", "OBJECTS_BY_TYPE", "PORTALS", "TOKENS"]

PORTALS = (
    "SELECT portal_id, name, created_at_ms FROM portals WHERE portal_id > ?"
    " ORDER BY portal_id LIMIT ?"
)
# Both counts run over a primary key's range: (portal_id, object_type, ...) and
# (portal_id, from_type, from_id, to_type, ...), so a record with 50,000 associations
# costs one index range scan, never a table scan.
OBJECTS_BY_TYPE = (
    "SELECT object_type, count(*) FROM objects WHERE portal_id = ? GROUP BY object_type"
)
ASSOCIATIONS_BY_TYPE = (
    "SELECT to_type, count(*) FROM associations"
    " WHERE portal_id = ? AND from_type = ? AND from_id = ? GROUP BY to_type"
)
TOKENS = "SELECT count(*) FROM tokens WHERE portal_id = ? AND revoked = ?"
