"""SQL of the properties store, written once for both drivers (``sql.pg`` numbers the
placeholders for asyncpg)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from assocdb.domain.properties import PropertyDef, PropertyGroup

__all__ = [
    "ARCHIVED_LIVE",
    "INSERT_GROUP",
    "INSERT_PROPERTY",
    "INSERT_UNIQUE",
    "LIST_GROUPS",
    "LIST_PROPERTIES",
    "OWNERS_OF_VALUES",
    "UPSERT_GROUP",
    "UPSERT_PROPERTY",
    "group_row",
    "owners_sql",
    "property_from_row",
    "property_row",
]

LIST_PROPERTIES = (
    "SELECT definition, created_at_ms, updated_at_ms, archived_at_ms FROM crm_properties"
    " WHERE portal_id = ? AND object_type = ? ORDER BY name"
)
# Insert a new property, or revive an archived one of the same name; a live one is kept
# (the caller learns it from the row count).
INSERT_PROPERTY = (
    "INSERT INTO crm_properties (portal_id, object_type, name, definition, created_at_ms,"
    " updated_at_ms, archived_at_ms) VALUES (?, ?, ?, ?, ?, ?, NULL)"
    " ON CONFLICT (portal_id, object_type, name) DO UPDATE SET definition = excluded.definition,"
    " created_at_ms = excluded.created_at_ms, updated_at_ms = excluded.updated_at_ms,"
    " archived_at_ms = NULL WHERE crm_properties.archived_at_ms IS NOT NULL"
)
ARCHIVED_LIVE = "archived_at_ms"
UPSERT_PROPERTY = (
    "INSERT INTO crm_properties (portal_id, object_type, name, definition, created_at_ms,"
    " updated_at_ms, archived_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (portal_id, object_type, name) DO UPDATE SET definition = excluded.definition,"
    " updated_at_ms = excluded.updated_at_ms, archived_at_ms = excluded.archived_at_ms"
)
INSERT_UNIQUE = (
    "INSERT INTO unique_properties (portal_id, object_type, name) VALUES (?, ?, ?)"
    " ON CONFLICT DO NOTHING"
)
LIST_GROUPS = (
    "SELECT name, label, display_order, archived FROM crm_property_groups"
    " WHERE portal_id = ? AND object_type = ? ORDER BY display_order, name"
)
INSERT_GROUP = (
    "INSERT INTO crm_property_groups (portal_id, object_type, name, label, display_order,"
    " archived) VALUES (?, ?, ?, ?, ?, 0) ON CONFLICT (portal_id, object_type, name)"
    " DO UPDATE SET label = excluded.label, display_order = excluded.display_order,"
    " archived = 0 WHERE crm_property_groups.archived = 1"
)
UPSERT_GROUP = (
    "INSERT INTO crm_property_groups (portal_id, object_type, name, label, display_order,"
    " archived) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (portal_id, object_type, name)"
    " DO UPDATE SET label = excluded.label, display_order = excluded.display_order,"
    " archived = excluded.archived"
)
OWNERS_OF_VALUES = (
    "SELECT value_key, object_id FROM search_values WHERE portal_id = ? AND object_type = ?"
    " AND name = ? AND value_key IN ({marks})"
)


def owners_sql(count: int) -> str:
    return OWNERS_OF_VALUES.format(marks=", ".join("?" * count))


def property_row(portal_id: int, object_type: str, prop: PropertyDef) -> tuple[Any, ...]:
    created = prop.created_at_ms or 0
    return (
        portal_id,
        object_type,
        prop.name,
        prop.to_json(),
        created,
        prop.updated_at_ms or created,
    )


def property_from_row(row: Sequence[Any]) -> PropertyDef:
    return PropertyDef.from_json(row[0], row[1], row[2], row[3])


def group_row(portal_id: int, object_type: str, group: PropertyGroup) -> tuple[Any, ...]:
    return (portal_id, object_type, group.name, group.label, group.display_order)
