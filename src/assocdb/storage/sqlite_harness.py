"""SQLite: the test harness's bulk paths (portal reset, seed import, export scans)."""

from __future__ import annotations

import json
import sqlite3

from assocdb.domain.models import CrmObject, LabelDef, TypeSet
from assocdb.storage import queries as q
from assocdb.storage.sqlite_base import SQLiteBase
from assocdb.storage.typesets import decode_types

__all__ = ["FIRST_OBJECT_ID", "FIRST_TYPE_ID", "SQLiteHarness"]

FIRST_OBJECT_ID = 10000000001
"""The id counters' starting values (migration 0001); a reset portal starts over."""
FIRST_TYPE_ID = 100

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


class SQLiteHarness(SQLiteBase):
    async def reset_portal(self, portal_id: int) -> None:
        def run(conn: sqlite3.Connection) -> None:
            for table in _PORTAL_TABLES:
                conn.execute(f"DELETE FROM {table} WHERE portal_id = ?", (portal_id,))
            conn.execute(q.RESET_COUNTERS, (FIRST_OBJECT_ID, FIRST_TYPE_ID, portal_id))

        await self._write_tx(run)

    async def scan_objects(
        self, portal_id: int, after: tuple[str, int] | None, limit: int
    ) -> list[CrmObject]:
        start = after or ("", 0)
        rows = await self._read(
            lambda c: c.execute(q.SCAN_OBJECTS, (portal_id, *start, limit)).fetchall()
        )
        return [CrmObject(portal_id, t, i, json.loads(p), c, u) for t, i, p, c, u in rows]

    async def scan_edges(
        self, portal_id: int, after: tuple[str, int, str, int] | None, limit: int
    ) -> list[tuple[str, int, str, int, TypeSet]]:
        start = after or ("", 0, "", 0)
        rows = await self._read(
            lambda c: c.execute(q.SCAN_EDGES, (portal_id, *start, limit)).fetchall()
        )
        return [(f, fi, t, ti, decode_types(types)) for f, fi, t, ti, types in rows]

    async def list_all_labels(self, portal_id: int) -> list[LabelDef]:
        rows = await self._read(lambda c: c.execute(q.LIST_ALL_LABELS, (portal_id,)).fetchall())
        return [LabelDef(*row) for row in rows]
