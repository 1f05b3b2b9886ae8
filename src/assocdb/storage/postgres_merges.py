"""PostgreSQL: merged-record aliases and GDPR cleanup (port ``domain.merge.MergeStore``)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from assocdb.domain.history import SOURCE_API, replaced_values
from assocdb.domain.models import CrmObject
from assocdb.storage import crm_sql as q
from assocdb.storage import queries
from assocdb.storage.postgres_base import PostgresBase, PostgresTxCore
from assocdb.storage.postgres_history import add_versions, forget_history
from assocdb.storage.sql import pg

__all__ = ["PostgresMergeTx", "PostgresMerges"]

# No index on properties yet: a scan of the portal's contacts. ``properties`` is JSON text.
_IDS_WITH_EMAIL = (
    "SELECT object_id FROM objects WHERE portal_id = $1 AND object_type = '0-1'"
    " AND lower((properties::jsonb) ->> 'email') = lower($2) ORDER BY object_id LIMIT $3"
)


class PostgresMerges(PostgresBase):
    async def merged_into(self, portal_id: int, object_type: str, object_id: int) -> int | None:
        async with self._connection() as conn:
            value = await conn.fetchval(pg(q.MERGE_LOOKUP), portal_id, object_type, object_id)
        return int(value) if value is not None else None

    async def ids_with_email(self, portal_id: int, email: str, limit: int) -> list[int]:
        async with self._connection() as conn:
            rows = await conn.fetch(_IDS_WITH_EMAIL, portal_id, email, limit)
        return [int(r[0]) for r in rows]


class PostgresMergeTx(PostgresTxCore):
    """The merge and GDPR operations of the unit of work (``StoreTx``), on the
    transaction's connection (failures mapped to 503)."""

    async def edge_to_types(self, object_type: str, object_id: int) -> list[str]:
        rows = await self._db.fetch(pg(q.EDGE_TO_TYPES), self._portal, object_type, object_id)
        return [str(r[0]) for r in rows]

    async def get_object(self, object_type: str, object_id: int) -> CrmObject | None:
        row = await self._db.fetchrow(pg(q.OBJECT_READ), self._portal, object_type, object_id)
        if row is None:
            return None
        return CrmObject(self._portal, object_type, row[0], json.loads(row[1]), row[2], row[3])

    async def write_properties(
        self, object_type: str, object_id: int, properties: Mapping[str, str], now_ms: int
    ) -> None:
        key = (self._portal, object_type)
        row = await self._db.fetchrow(pg(q.OBJECT_READ), *key, object_id)
        current: dict[str, str] = json.loads(row[1]) if row else {}
        # The primary's new values are versions like any API write [inferred].
        versions = [(object_id, replaced_values(current, properties))]
        await add_versions(self._db, key, versions, now_ms, SOURCE_API)
        await self._db.execute(
            pg(queries.WRITE_PROPERTIES),
            json.dumps(dict(properties)),
            now_ms,
            self._portal,
            object_type,
            object_id,
        )

    async def add_merge(
        self, object_type: str, merged_id: int, primary_id: int, now_ms: int
    ) -> None:
        portal = self._portal
        await self._db.execute(pg(q.MERGE_REPOINT), primary_id, portal, object_type, merged_id)
        await self._db.execute(
            pg(q.MERGE_INSERT), portal, object_type, merged_id, primary_id, now_ms
        )

    async def archived_object_ids(self, object_type: str, ids: Sequence[int]) -> set[int]:
        found: set[int] = set()
        for i in dict.fromkeys(ids):
            if await self._db.fetchval(pg(q.ARCHIVED_EXISTS), self._portal, object_type, i):
                found.add(i)
        return found

    async def forget_objects(self, object_type: str, ids: Sequence[int]) -> None:
        for i in dict.fromkeys(ids):
            await self._db.execute(pg(q.PURGE_ARCHIVED), self._portal, object_type, i)
            await self._db.execute(pg(q.MERGE_FORGET), self._portal, object_type, i, i)
        await forget_history(self._db, (self._portal, object_type), ids)
