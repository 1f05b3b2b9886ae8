"""SQLite: property definitions and groups (the domain's ``PropertyStore``)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from assocdb.domain.properties import PropertyDef, PropertyGroup
from assocdb.storage import properties_sql as q
from assocdb.storage.sqlite_base import SQLiteBase

__all__ = ["SQLiteProperties"]


class SQLiteProperties(SQLiteBase):
    async def list_properties(self, portal_id: int, object_type: str) -> list[PropertyDef]:
        rows = await self._read(
            lambda c: c.execute(q.LIST_PROPERTIES, (portal_id, object_type)).fetchall()
        )
        return [q.property_from_row(r) for r in rows]

    async def insert_property(self, portal_id: int, object_type: str, prop: PropertyDef) -> bool:
        def run(conn: sqlite3.Connection) -> bool:
            cur = conn.execute(q.INSERT_PROPERTY, q.property_row(portal_id, object_type, prop))
            if cur.rowcount and prop.has_unique_value:
                conn.execute(q.INSERT_UNIQUE, (portal_id, object_type, prop.name))
            return cur.rowcount > 0

        return await self._write_tx(run)

    async def replace_property(self, portal_id: int, object_type: str, prop: PropertyDef) -> None:
        row = (*q.property_row(portal_id, object_type, prop), prop.archived_at_ms)
        await self._write_tx(lambda c: c.execute(q.UPSERT_PROPERTY, row))

    async def list_groups(self, portal_id: int, object_type: str) -> list[PropertyGroup]:
        rows = await self._read(
            lambda c: c.execute(q.LIST_GROUPS, (portal_id, object_type)).fetchall()
        )
        return [PropertyGroup(r[0], r[1], r[2], bool(r[3])) for r in rows]

    async def insert_group(self, portal_id: int, object_type: str, group: PropertyGroup) -> bool:
        row = q.group_row(portal_id, object_type, group)
        cur = await self._write_tx(lambda c: c.execute(q.INSERT_GROUP, row))
        return cur.rowcount > 0

    async def replace_group(self, portal_id: int, object_type: str, group: PropertyGroup) -> None:
        row = (*q.group_row(portal_id, object_type, group), int(group.archived))
        await self._write_tx(lambda c: c.execute(q.UPSERT_GROUP, row))

    async def owners_of_values(
        self, portal_id: int, object_type: str, name: str, values: Sequence[str]
    ) -> dict[str, int]:
        sql = q.owners_sql(len(values))
        rows = await self._read(
            lambda c: c.execute(sql, (portal_id, object_type, name, *values)).fetchall()
        )
        return {str(r[0]): int(r[1]) for r in rows}
