"""PostgreSQL: the test harness's bulk paths (portal reset, seed import, export scans)."""

from __future__ import annotations

import json

from assocdb.domain.models import CrmObject, LabelDef, TypeSet
from assocdb.storage import queries as q
from assocdb.storage.postgres_base import PostgresBase
from assocdb.storage.sql import pg
from assocdb.storage.sqlite_harness import FIRST_OBJECT_ID, FIRST_TYPE_ID
from assocdb.storage.typesets import decode_types

__all__ = ["PostgresHarness"]

_PORTAL_TABLES = (
    "associations",
    "objects",
    "archived_objects",
    "property_history",
    "labels",
    "limits",
    # CRM configuration and merges (issue 13): owners, pipelines, schemas, aliases.
    "owners",
    "owner_teams",
    "pipelines",
    "pipeline_audits",
    "custom_schemas",
    "merged_objects",
    "crm_counters",
)
_EDGE_COLUMNS = ["portal_id", "from_type", "from_id", "to_type", "to_id", "types"]


class PostgresHarness(PostgresBase):
    async def reset_portal(self, portal_id: int) -> None:
        async with self._connection() as conn, conn.transaction():
            for table in _PORTAL_TABLES:
                await conn.execute(f"DELETE FROM {table} WHERE portal_id = $1", portal_id)
            await conn.execute(
                pg(q.RESET_COUNTERS),
                FIRST_OBJECT_ID,
                FIRST_TYPE_ID,
                portal_id,
            )

    async def scan_objects(
        self, portal_id: int, after: tuple[str, int] | None, limit: int
    ) -> list[CrmObject]:
        start = after or ("", 0)
        rows = await self.db.fetch(pg(q.SCAN_OBJECTS), portal_id, *start, limit)
        return [CrmObject(portal_id, r[0], r[1], json.loads(r[2]), r[3], r[4]) for r in rows]

    async def scan_edges(
        self, portal_id: int, after: tuple[str, int, str, int] | None, limit: int
    ) -> list[tuple[str, int, str, int, TypeSet]]:
        start = after or ("", 0, "", 0)
        rows = await self.db.fetch(pg(q.SCAN_EDGES), portal_id, *start, limit)
        return [(r[0], r[1], r[2], r[3], decode_types(r[4])) for r in rows]

    async def list_all_labels(self, portal_id: int) -> list[LabelDef]:
        rows = await self.db.fetch(pg(q.LIST_ALL_LABELS), portal_id)
        return [LabelDef(*row) for row in rows]
