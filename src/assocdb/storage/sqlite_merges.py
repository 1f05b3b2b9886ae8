"""SQLite: merged-record aliases and GDPR cleanup (the port is ``domain.merge.MergeStore``)."""

from __future__ import annotations

import sqlite3

from assocdb.storage import crm_sql as q
from assocdb.storage.sqlite_base import SQLiteBase

__all__ = ["SQLiteMerges"]

# No index on properties yet: a scan of the portal's contacts, in SQLite's C code.
_IDS_WITH_EMAIL = (
    "SELECT object_id FROM objects WHERE portal_id = ? AND object_type = '0-1'"
    " AND lower(json_extract(properties, '$.email')) = lower(?) ORDER BY object_id LIMIT ?"
)


class SQLiteMerges(SQLiteBase):
    async def record_merge(
        self, portal_id: int, object_type: str, merged_id: int, primary_id: int, now_ms: int
    ) -> None:
        def run(conn: sqlite3.Connection) -> None:
            conn.execute(q.MERGE_REPOINT, (primary_id, portal_id, object_type, merged_id))
            conn.execute(q.MERGE_INSERT, (portal_id, object_type, merged_id, primary_id, now_ms))

        await self._write_tx(run)

    async def merged_into(self, portal_id: int, object_type: str, object_id: int) -> int | None:
        row = await self._read(
            lambda c: c.execute(q.MERGE_LOOKUP, (portal_id, object_type, object_id)).fetchone()
        )
        return int(row[0]) if row else None

    async def forget_record(self, portal_id: int, object_type: str, object_id: int) -> None:
        def run(conn: sqlite3.Connection) -> None:
            conn.execute(q.PURGE_ARCHIVED, (portal_id, object_type, object_id))
            conn.execute(q.MERGE_FORGET, (portal_id, object_type, object_id, object_id))

        await self._write_tx(run)

    async def ids_with_email(self, portal_id: int, email: str, limit: int) -> list[int]:
        rows = await self._read(
            lambda c: c.execute(_IDS_WITH_EMAIL, (portal_id, email, limit)).fetchall()
        )
        return [int(r[0]) for r in rows]
