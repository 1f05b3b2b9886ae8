"""SQL of the CRM configuration tables (owners, pipelines, merges), written once with
``?`` placeholders for both drivers (``storage.sql.pg`` numbers them for asyncpg)."""

from __future__ import annotations

__all__ = [
    "COUNTER_INIT",
    "COUNTER_TAKE",
    "OWNER_COLUMNS",
    "OWNER_INSERT",
    "PORTAL_EXISTS",
]

PORTAL_EXISTS = "SELECT 1 FROM portals WHERE portal_id = ?"

# Per-portal counters: create at a starting value, then take ``n`` values at once. The
# UPDATE holds the counter's row until the transaction ends, so ids never repeat.
COUNTER_INIT = (
    "INSERT INTO crm_counters (portal_id, name, next_value) VALUES (?, ?, ?)"
    " ON CONFLICT (portal_id, name) DO NOTHING"
)
COUNTER_TAKE = (
    "UPDATE crm_counters SET next_value = next_value + ? WHERE portal_id = ? AND name = ?"
    " RETURNING next_value"
)

OWNER_COLUMNS = (
    "owner_id, user_id, email, first_name, last_name, archived, created_at_ms, updated_at_ms, teams"
)
OWNER_INSERT = (
    f"INSERT INTO owners (portal_id, email_key, {OWNER_COLUMNS})"
    " VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)"
)
OWNER_LIST = (
    f"SELECT {OWNER_COLUMNS} FROM owners WHERE portal_id = ? AND archived = ? AND owner_id > ?"
    " ORDER BY owner_id LIMIT ?"
)
OWNER_LIST_BY_EMAIL = (
    f"SELECT {OWNER_COLUMNS} FROM owners WHERE portal_id = ? AND archived = ? AND owner_id > ?"
    " AND email_key = ? ORDER BY owner_id LIMIT ?"
)
OWNER_BY_ID = (
    f"SELECT {OWNER_COLUMNS} FROM owners WHERE portal_id = ? AND owner_id = ? AND archived = ?"
)
OWNER_BY_USER = (
    f"SELECT {OWNER_COLUMNS} FROM owners WHERE portal_id = ? AND user_id = ? AND archived = ?"
)
OWNER_ARCHIVE = (
    "UPDATE owners SET archived = 1, updated_at_ms = ?"
    " WHERE portal_id = ? AND owner_id = ? AND archived = 0"
)

TEAM_BY_NAME = "SELECT team_id, name FROM owner_teams WHERE portal_id = ? AND name_key = ?"
# A team created by two owner creates at once: the second waits for the first and keeps its row.
TEAM_INSERT = (
    "INSERT INTO owner_teams (portal_id, team_id, name_key, name) VALUES (?, ?, ?, ?)"
    " ON CONFLICT (portal_id, name_key) DO NOTHING"
)
TEAM_BASE = 100_000
"""First team id of a portal [inferred: HubSpot's team ids are 5–6 digits]."""
OWNER_BASE = 10_000_000
"""First owner id of a portal: HubSpot's owner ids are 8–9 digits."""
USER_BASE = 1_000_000
"""First user id of a portal (HubSpot's user ids are 7–8 digits)."""

PIPELINES_MARK = "SELECT 1 FROM crm_counters WHERE portal_id = ? AND name = ?"
PIPELINES_READ = (
    "SELECT body FROM pipelines WHERE portal_id = ? AND object_type = ? ORDER BY pipeline_id"
)
PIPELINES_DELETE = "DELETE FROM pipelines WHERE portal_id = ? AND object_type = ?"
PIPELINES_INSERT = (
    "INSERT INTO pipelines (portal_id, object_type, pipeline_id, body) VALUES (?, ?, ?, ?)"
)
# Holds the portal's pipelines of one type until the transaction ends (PostgreSQL; SQLite
# has one writer at a time anyway).
PIPELINES_LOCK = "SELECT next_value FROM crm_counters WHERE portal_id = ? AND name = ? FOR UPDATE"


def pipelines_mark(object_type: str) -> str:
    return f"pipelines:{object_type}"


# -- merges and GDPR deletes ------------------------------------------------------------

# A merged record's own aliases move to the new primary, so every alias resolves in one
# lookup (no chains).
MERGE_REPOINT = (
    "UPDATE merged_objects SET primary_id = ? WHERE portal_id = ? AND object_type = ?"
    " AND primary_id = ?"
)
MERGE_INSERT = (
    "INSERT INTO merged_objects (portal_id, object_type, merged_id, primary_id, merged_at_ms)"
    " VALUES (?, ?, ?, ?, ?)"
)
MERGE_LOOKUP = (
    "SELECT primary_id FROM merged_objects WHERE portal_id = ? AND object_type = ?"
    " AND merged_id = ?"
)
MERGE_FORGET = (
    "DELETE FROM merged_objects WHERE portal_id = ? AND object_type = ?"
    " AND (merged_id = ? OR primary_id = ?)"
)
PURGE_ARCHIVED = (
    "DELETE FROM archived_objects WHERE portal_id = ? AND object_type = ? AND object_id = ?"
)

# -- merge and GDPR delete inside the unit of work (storage/{sqlite,postgres}_merges.py) ----

EDGE_TO_TYPES = (
    "SELECT DISTINCT to_type FROM associations WHERE portal_id = ? AND from_type = ?"
    " AND from_id = ? ORDER BY to_type"
)
OBJECT_READ = (
    "SELECT object_id, properties, created_at_ms, updated_at_ms FROM objects"
    " WHERE portal_id = ? AND object_type = ? AND object_id = ?"
)
ARCHIVED_EXISTS = (
    "SELECT 1 FROM archived_objects WHERE portal_id = ? AND object_type = ? AND object_id = ?"
)

# -- custom object schemas ----------------------------------------------------------------

SCHEMAS_READ = "SELECT body FROM custom_schemas WHERE portal_id = ? ORDER BY type_id"
SCHEMAS_COUNT = "SELECT count(*) FROM custom_schemas WHERE portal_id = ? AND archived = 0"
SCHEMA_INSERT = (
    "INSERT INTO custom_schemas (portal_id, type_id, name_key, archived, body)"
    " VALUES (?, ?, ?, 0, ?)"
)
SCHEMA_UPDATE = (
    "UPDATE custom_schemas SET archived = ?, body = ? WHERE portal_id = ? AND type_id = ?"
)
SCHEMA_DELETE = "DELETE FROM custom_schemas WHERE portal_id = ? AND type_id = ?"
SCHEMA_BASE = 1_000_000
"""Custom type ids of a portal are ``2-1000001``, ``2-1000002``… (HubSpot's are 7+ digits)."""

# -- record writes' checks inside the unit of work (storage/*_recordtx.py) -------------------

# The live records that hold one of these values of a property (the search index keeps
# values lower-cased in ``value_key``): pipelines or stages still in use.
VALUES_IN_USE = (
    "SELECT DISTINCT value_key FROM search_values WHERE portal_id = ? AND object_type = ?"
    " AND name = ? AND value_key IN ({marks})"
)
ACTIVE_OWNERS = (
    "SELECT owner_id FROM owners WHERE portal_id = ? AND archived = 0 AND owner_id IN ({marks})"
)


def marks(count: int) -> str:
    return ", ".join("?" * count)


def pipelines_lock_key(schema: str | None, portal_id: int, object_type: str) -> str:
    """The advisory lock of a portal's pipelines of one type (PostgreSQL): record writes
    that set a pipeline or stage take it shared, pipeline changes exclusive."""
    return f"assocdb-pipelines|{schema or ''}|{portal_id}|{object_type}"


# -- pipeline audits (migration 0027) -------------------------------------------------------

AUDIT_NEXT_SEQ = (
    "SELECT COALESCE(MAX(seq), 0) + 1 FROM pipeline_audits WHERE portal_id = ? AND object_type = ?"
)
AUDIT_INSERT = (
    "INSERT INTO pipeline_audits (portal_id, object_type, seq, pipeline_id, stage_id, action,"
    " at_ms, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
# Newest first (HubSpot: "a reverse chronological list of all mutations").
AUDIT_READ = (
    "SELECT seq, pipeline_id, stage_id, action, at_ms, body FROM pipeline_audits"
    " WHERE portal_id = ? AND object_type = ? AND pipeline_id = ? AND stage_id = ?"
    " ORDER BY seq DESC LIMIT ?"
)
