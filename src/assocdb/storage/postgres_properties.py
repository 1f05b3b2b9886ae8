"""PostgreSQL: property definitions and groups (the domain's ``PropertyStore``)."""

from __future__ import annotations

from collections.abc import Sequence

from assocdb.domain.properties import PropertyDef, PropertyGroup
from assocdb.storage import properties_sql as q
from assocdb.storage.postgres_base import PostgresBase
from assocdb.storage.sql import pg

__all__ = ["PostgresProperties"]


def _count(status: str) -> int:
    """Rows touched, from asyncpg's status text (``INSERT 0 1``)."""
    return int(status.rsplit(" ", 1)[-1])


class PostgresProperties(PostgresBase):
    async def list_properties(self, portal_id: int, object_type: str) -> list[PropertyDef]:
        rows = await self.db.fetch(pg(q.LIST_PROPERTIES), portal_id, object_type)
        return [q.property_from_row(tuple(r)) for r in rows]

    async def insert_property(self, portal_id: int, object_type: str, prop: PropertyDef) -> bool:
        async with self._connection() as conn, conn.transaction():
            status = await conn.execute(
                pg(q.INSERT_PROPERTY), *q.property_row(portal_id, object_type, prop)
            )
            if _count(status) and prop.has_unique_value:
                await conn.execute(pg(q.INSERT_UNIQUE), portal_id, object_type, prop.name)
        return _count(status) > 0

    async def replace_property(self, portal_id: int, object_type: str, prop: PropertyDef) -> None:
        async with self._connection() as conn:
            await conn.execute(
                pg(q.UPSERT_PROPERTY),
                *q.property_row(portal_id, object_type, prop),
                prop.archived_at_ms,
            )

    async def list_groups(self, portal_id: int, object_type: str) -> list[PropertyGroup]:
        rows = await self.db.fetch(pg(q.LIST_GROUPS), portal_id, object_type)
        return [PropertyGroup(r[0], r[1], r[2], bool(r[3])) for r in rows]

    async def insert_group(self, portal_id: int, object_type: str, group: PropertyGroup) -> bool:
        async with self._connection() as conn:
            status = await conn.execute(
                pg(q.INSERT_GROUP), *q.group_row(portal_id, object_type, group)
            )
        return _count(status) > 0

    async def replace_group(self, portal_id: int, object_type: str, group: PropertyGroup) -> None:
        async with self._connection() as conn:
            await conn.execute(
                pg(q.UPSERT_GROUP), *q.group_row(portal_id, object_type, group), int(group.archived)
            )

    async def owners_of_values(
        self, portal_id: int, object_type: str, name: str, values: Sequence[str]
    ) -> dict[str, int]:
        rows = await self.db.fetch(
            pg(q.owners_sql(len(values))), portal_id, object_type, name, *values
        )
        return {str(r[0]): int(r[1]) for r in rows}
