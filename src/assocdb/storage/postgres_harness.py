"""PostgreSQL: the test harness's bulk paths (portal reset, seed import, export scans)."""

from __future__ import annotations

import json

from assocdb.domain.models import CrmObject, LabelDef, TypeSet
from assocdb.storage.postgres_base import PostgresBase
from assocdb.storage.sqlite_harness import FIRST_OBJECT_ID, FIRST_TYPE_ID
from assocdb.storage.typesets import decode_types

__all__ = ["PostgresHarness"]

_PORTAL_TABLES = ("associations", "objects", "archived_objects", "labels", "limits")
_EDGE_COLUMNS = ["portal_id", "from_type", "from_id", "to_type", "to_id", "types"]


class PostgresHarness(PostgresBase):
    async def reset_portal(self, portal_id: int) -> None:
        async with self._connection() as conn, conn.transaction():
            for table in _PORTAL_TABLES:
                await conn.execute(f"DELETE FROM {table} WHERE portal_id = $1", portal_id)
            await conn.execute(
                "UPDATE portals SET next_object_id = $1, next_type_id = $2 WHERE portal_id = $3",
                FIRST_OBJECT_ID,
                FIRST_TYPE_ID,
                portal_id,
            )

    async def scan_objects(
        self, portal_id: int, after: tuple[str, int] | None, limit: int
    ) -> list[CrmObject]:
        start = after or ("", 0)
        rows = await self.db.fetch(
            "SELECT object_type, object_id, properties, created_at_ms, updated_at_ms"
            " FROM objects WHERE portal_id = $1 AND (object_type, object_id) > ($2, $3)"
            " ORDER BY object_type, object_id LIMIT $4",
            portal_id,
            *start,
            limit,
        )
        return [CrmObject(portal_id, r[0], r[1], json.loads(r[2]), r[3], r[4]) for r in rows]

    async def scan_edges(
        self, portal_id: int, after: tuple[str, int, str, int] | None, limit: int
    ) -> list[tuple[str, int, str, int, TypeSet]]:
        start = after or ("", 0, "", 0)
        rows = await self.db.fetch(
            "SELECT from_type, from_id, to_type, to_id, types FROM associations"
            " WHERE portal_id = $1"
            " AND (from_type, from_id, to_type, to_id) > ($2, $3, $4, $5)"
            " ORDER BY from_type, from_id, to_type, to_id LIMIT $6",
            portal_id,
            *start,
            limit,
        )
        return [(r[0], r[1], r[2], r[3], decode_types(r[4])) for r in rows]

    async def list_all_labels(self, portal_id: int) -> list[LabelDef]:
        rows = await self.db.fetch(
            "SELECT from_type, to_type, category, type_id, name, label, inverse_type_id"
            " FROM labels WHERE portal_id = $1 ORDER BY from_type, to_type, category, type_id",
            portal_id,
        )
        return [LabelDef(*row) for row in rows]
