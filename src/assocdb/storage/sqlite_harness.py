"""SQLite: the test harness's bulk paths (portal reset, seed import, export scans)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence

from assocdb.domain.models import CrmObject, LabelDef, TypeSet
from assocdb.domain.store import EdgeWrite
from assocdb.storage.sqlite_base import SQLiteBase
from assocdb.storage.typesets import decode_types, encode_types

__all__ = ["FIRST_OBJECT_ID", "FIRST_TYPE_ID", "SQLiteHarness", "typeset_encoder"]

FIRST_OBJECT_ID = 10000000001
"""The id counters' starting values (migration 0001); a reset portal starts over."""
FIRST_TYPE_ID = 100

_PORTAL_TABLES = (
    "associations",
    "objects",
    "archived_objects",
    "labels",
    "limits",
    # CRM configuration and merges (issue 13): owners, pipelines, schemas, aliases.
    "owners",
    "pipelines",
    "custom_schemas",
    "merged_objects",
    "crm_counters",
)

_UPSERT = (
    "INSERT INTO associations (portal_id, from_type, from_id, to_type, to_id, types)"
    " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (portal_id, from_type, from_id, to_type, to_id)"
    " DO UPDATE SET types = excluded.types"
)


def typeset_encoder() -> Callable[[TypeSet], str]:
    """``encode_types`` memoised for one bulk write (a seed holds few distinct sets)."""
    text: dict[TypeSet, str] = {}

    def encoded(types: TypeSet) -> str:
        found = text.get(types)
        if found is None:
            found = text[types] = encode_types(types)
        return found

    return encoded


class SQLiteHarness(SQLiteBase):
    async def reset_portal(self, portal_id: int) -> None:
        def run(conn: sqlite3.Connection) -> None:
            for table in _PORTAL_TABLES:
                conn.execute(f"DELETE FROM {table} WHERE portal_id = ?", (portal_id,))
            conn.execute(
                "UPDATE portals SET next_object_id = ?, next_type_id = ? WHERE portal_id = ?",
                (FIRST_OBJECT_ID, FIRST_TYPE_ID, portal_id),
            )

        await self._write_tx(run)

    async def bulk_put_edges(
        self, portal_id: int, from_type: str, to_type: str, edges: Sequence[EdgeWrite]
    ) -> None:
        encoded = typeset_encoder()
        forward = [(portal_id, from_type, f, to_type, t, encoded(fw)) for f, t, fw, _ in edges]
        backward = [(portal_id, to_type, t, from_type, f, encoded(inv)) for f, t, _, inv in edges]
        # Key order: each B-tree page is touched once per run of rows instead of at random.
        backward.sort(key=lambda r: (r[2], r[4]))

        def run(conn: sqlite3.Connection) -> None:
            conn.executemany(_UPSERT, forward)
            conn.executemany(_UPSERT, backward)

        await self._write_tx(run)

    async def scan_objects(
        self, portal_id: int, after: tuple[str, int] | None, limit: int
    ) -> list[CrmObject]:
        start = after or ("", 0)
        rows = await self._read(
            lambda c: c.execute(
                "SELECT object_type, object_id, properties, created_at_ms, updated_at_ms"
                " FROM objects WHERE portal_id = ? AND (object_type, object_id) > (?, ?)"
                " ORDER BY object_type, object_id LIMIT ?",
                (portal_id, *start, limit),
            ).fetchall()
        )
        return [CrmObject(portal_id, t, i, json.loads(p), c, u) for t, i, p, c, u in rows]

    async def scan_edges(
        self, portal_id: int, after: tuple[str, int, str, int] | None, limit: int
    ) -> list[tuple[str, int, str, int, TypeSet]]:
        start = after or ("", 0, "", 0)
        rows = await self._read(
            lambda c: c.execute(
                "SELECT from_type, from_id, to_type, to_id, types FROM associations"
                " WHERE portal_id = ? AND (from_type, from_id, to_type, to_id) > (?, ?, ?, ?)"
                " ORDER BY from_type, from_id, to_type, to_id LIMIT ?",
                (portal_id, *start, limit),
            ).fetchall()
        )
        return [(f, fi, t, ti, decode_types(types)) for f, fi, t, ti, types in rows]

    async def list_all_labels(self, portal_id: int) -> list[LabelDef]:
        rows = await self._read(
            lambda c: c.execute(
                "SELECT from_type, to_type, category, type_id, name, label, inverse_type_id"
                " FROM labels WHERE portal_id = ? ORDER BY from_type, to_type, category, type_id",
                (portal_id,),
            ).fetchall()
        )
        return [LabelDef(*row) for row in rows]
