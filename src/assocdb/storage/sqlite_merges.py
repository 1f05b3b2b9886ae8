"""SQLite: merged-record aliases and GDPR cleanup (the port is ``domain.merge.MergeStore``)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence

from assocdb.domain.history import SOURCE_API, replaced_values
from assocdb.domain.models import CrmObject
from assocdb.storage import crm_sql as q
from assocdb.storage import queries
from assocdb.storage.sqlite_base import SQLiteBase, SQLiteTxCore
from assocdb.storage.sqlite_history import add_versions, forget_history

__all__ = ["SQLiteMergeTx", "SQLiteMerges"]

# No index on properties yet: a scan of the portal's contacts, in SQLite's C code.
_IDS_WITH_EMAIL = (
    "SELECT object_id FROM objects WHERE portal_id = ? AND object_type = '0-1'"
    " AND lower(json_extract(properties, '$.email')) = lower(?) ORDER BY object_id LIMIT ?"
)


class SQLiteMerges(SQLiteBase):
    async def merged_into(self, portal_id: int, object_type: str, object_id: int) -> int | None:
        row = await self._read(
            lambda c: c.execute(q.MERGE_LOOKUP, (portal_id, object_type, object_id)).fetchone()
        )
        return int(row[0]) if row else None

    async def ids_with_email(self, portal_id: int, email: str, limit: int) -> list[int]:
        rows = await self._read(
            lambda c: c.execute(_IDS_WITH_EMAIL, (portal_id, email, limit)).fetchall()
        )
        return [int(r[0]) for r in rows]


def _record_merge(
    conn: sqlite3.Connection,
    key: tuple[int, str],
    merged_id: int,
    primary_id: int,
    now_ms: int,
) -> None:
    portal_id, object_type = key
    conn.execute(q.MERGE_REPOINT, (primary_id, portal_id, object_type, merged_id))
    conn.execute(q.MERGE_INSERT, (portal_id, object_type, merged_id, primary_id, now_ms))


class SQLiteMergeTx(SQLiteTxCore):
    """The merge and GDPR operations of the unit of work (``StoreTx``): on the writer
    connection inside ``BEGIN IMMEDIATE``, so they commit or roll back with the rest."""

    async def edge_to_types(self, object_type: str, object_id: int) -> list[str]:
        key = (self._portal, object_type, object_id)
        rows = await self._run(lambda c: c.execute(q.EDGE_TO_TYPES, key).fetchall())
        return [str(r[0]) for r in rows]

    async def get_object(self, object_type: str, object_id: int) -> CrmObject | None:
        key = (self._portal, object_type, object_id)
        row = await self._run(lambda c: c.execute(q.OBJECT_READ, key).fetchone())
        if row is None:
            return None
        return CrmObject(self._portal, object_type, row[0], json.loads(row[1]), row[2], row[3])

    async def write_properties(
        self, object_type: str, object_id: int, properties: Mapping[str, str], now_ms: int
    ) -> None:
        key = (self._portal, object_type)
        args = (json.dumps(dict(properties)), now_ms, *key, object_id)

        def run(conn: sqlite3.Connection) -> None:
            row = conn.execute(q.OBJECT_READ, (*key, object_id)).fetchone()
            current: dict[str, str] = json.loads(row[1]) if row else {}
            conn.execute(queries.WRITE_PROPERTIES, args)
            # The primary's new values are versions like any API write [inferred].
            versions = [(object_id, replaced_values(current, properties))]
            add_versions(conn, key, versions, now_ms, SOURCE_API)

        await self._run(run)

    async def add_merge(
        self, object_type: str, merged_id: int, primary_id: int, now_ms: int
    ) -> None:
        key = (self._portal, object_type)
        await self._run(lambda c: _record_merge(c, key, merged_id, primary_id, now_ms))

    async def archived_object_ids(self, object_type: str, ids: Sequence[int]) -> set[int]:
        portal = self._portal

        def run(conn: sqlite3.Connection) -> set[int]:
            return {
                i
                for i in dict.fromkeys(ids)
                if conn.execute(q.ARCHIVED_EXISTS, (portal, object_type, i)).fetchone()
            }

        return await self._run(run)

    async def forget_objects(self, object_type: str, ids: Sequence[int]) -> None:
        portal = self._portal

        def run(conn: sqlite3.Connection) -> None:
            for i in dict.fromkeys(ids):
                conn.execute(q.PURGE_ARCHIVED, (portal, object_type, i))
                conn.execute(q.MERGE_FORGET, (portal, object_type, i, i))
            forget_history(conn, (portal, object_type), ids)

        await self._run(run)
