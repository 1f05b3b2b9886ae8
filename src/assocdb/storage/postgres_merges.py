"""PostgreSQL: merged-record aliases and GDPR cleanup (port ``domain.merge.MergeStore``)."""

from __future__ import annotations

from assocdb.storage import crm_sql as q
from assocdb.storage.postgres_base import PostgresBase
from assocdb.storage.sql import pg

__all__ = ["PostgresMerges"]

# No index on properties yet: a scan of the portal's contacts. ``properties`` is JSON text.
_IDS_WITH_EMAIL = (
    "SELECT object_id FROM objects WHERE portal_id = $1 AND object_type = '0-1'"
    " AND lower((properties::jsonb) ->> 'email') = lower($2) ORDER BY object_id LIMIT $3"
)


class PostgresMerges(PostgresBase):
    async def record_merge(
        self, portal_id: int, object_type: str, merged_id: int, primary_id: int, now_ms: int
    ) -> None:
        async with self._connection() as conn, conn.transaction():
            await conn.execute(pg(q.MERGE_REPOINT), primary_id, portal_id, object_type, merged_id)
            await conn.execute(
                pg(q.MERGE_INSERT), portal_id, object_type, merged_id, primary_id, now_ms
            )

    async def merged_into(self, portal_id: int, object_type: str, object_id: int) -> int | None:
        async with self._connection() as conn:
            value = await conn.fetchval(pg(q.MERGE_LOOKUP), portal_id, object_type, object_id)
        return int(value) if value is not None else None

    async def forget_record(self, portal_id: int, object_type: str, object_id: int) -> None:
        async with self._connection() as conn, conn.transaction():
            await conn.execute(pg(q.PURGE_ARCHIVED), portal_id, object_type, object_id)
            await conn.execute(pg(q.MERGE_FORGET), portal_id, object_type, object_id, object_id)

    async def ids_with_email(self, portal_id: int, email: str, limit: int) -> list[int]:
        async with self._connection() as conn:
            rows = await conn.fetch(_IDS_WITH_EMAIL, portal_id, email, limit)
        return [int(r[0]) for r in rows]
