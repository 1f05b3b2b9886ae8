"""PostgreSQL: the record-write operations of the unit of work (``StoreTx``) — reads of
the records, unique values, pipelines and owners a write checks, the updates, and the
pipeline changes — on the transaction's connection.

Locks make the checks hold until COMMIT (docs/transactions.md): a record write that sets
a pipeline or stage takes the pipelines' advisory lock of its portal and type *shared*
before it reads them, a pipeline change takes it *exclusive* before it reads them and
checks what is in use, so the two run one after the other (READ COMMITTED: the second
sees what the first committed). Owners a write names are read ``FOR SHARE``: an archive
(an UPDATE of the row) waits for the write, and a write after the archive sees it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from assocdb.domain.models import CrmObject
from assocdb.domain.pipelines import Audit, Pipeline
from assocdb.domain.webhooks import EventSink
from assocdb.errors import ValidationError
from assocdb.storage import crm_sql as q
from assocdb.storage import properties_sql as pq
from assocdb.storage.postgres_base import PostgresTxCore
from assocdb.storage.sql import pg
from assocdb.storage.sqlite_pipelines import audit_rows, decode_pipeline, encode_pipeline

__all__ = ["PostgresRecordTx"]

_LOCK_SHARED = "SELECT pg_advisory_xact_lock_shared(hashtextextended($1, 0))"
_LOCK_EXCLUSIVE = "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))"


class PostgresRecordTx(PostgresTxCore):
    events: EventSink | None = None

    async def get_objects(self, object_type: str, ids: Sequence[int]) -> list[CrmObject]:
        found: list[CrmObject] = []
        for object_id in sorted(set(ids)):
            row = await self._db.fetchrow(pg(q.OBJECT_READ), self._portal, object_type, object_id)
            if row is not None:
                properties = json.loads(row[1])
                found.append(
                    CrmObject(self._portal, object_type, row[0], properties, row[2], row[3])
                )
        return found

    async def value_owners(
        self, object_type: str, name: str, keys: Sequence[str]
    ) -> dict[str, int]:
        if not keys:
            return {}
        rows = await self._db.fetch(
            pg(pq.owners_sql(len(keys))), self._portal, object_type, name, *keys
        )
        return {str(k): int(i) for k, i in rows}

    async def values_in_use(self, object_type: str, name: str, keys: Sequence[str]) -> set[str]:
        if not keys:
            return set()
        sql = pg(q.VALUES_IN_USE.format(marks=q.marks(len(keys))))
        rows = await self._db.fetch(sql, self._portal, object_type, name, *keys)
        return {str(r[0]) for r in rows}

    async def active_owner_ids(self, ids: Sequence[int]) -> set[int]:
        wanted = sorted(set(ids))
        if not wanted:
            return set()
        sql = pg(q.ACTIVE_OWNERS.format(marks=q.marks(len(wanted))) + " FOR SHARE")
        rows = await self._db.fetch(sql, self._portal, *wanted)
        return {int(r[0]) for r in rows}

    def _pipelines_key(self, object_type: str) -> str:
        return q.pipelines_lock_key(self._schema, self._portal, object_type)

    async def pipelines_for_records(self, object_type: str) -> list[Pipeline] | None:
        await self._db.execute(_LOCK_SHARED, self._pipelines_key(object_type))
        mark = q.pipelines_mark(object_type)
        if await self._db.fetchval(pg(q.PIPELINES_MARK), self._portal, mark) is None:
            return None
        rows = await self._db.fetch(pg(q.PIPELINES_READ), self._portal, object_type)
        return [decode_pipeline(r[0]) for r in rows]

    async def pipelines_for_change(self, object_type: str) -> list[Pipeline] | None:
        await self._db.execute(_LOCK_EXCLUSIVE, self._pipelines_key(object_type))
        if await self._db.fetchval(pg(q.PORTAL_EXISTS), self._portal) is None:
            raise ValidationError(f"Portal {self._portal} does not exist.")
        mark = q.pipelines_mark(object_type)
        status = await self._db.execute(pg(q.COUNTER_INIT), self._portal, mark, 0)
        if status.endswith(" 1"):
            return None
        rows = await self._db.fetch(pg(q.PIPELINES_READ), self._portal, object_type)
        return [decode_pipeline(r[0]) for r in rows]

    async def store_pipelines(self, object_type: str, pipelines: Sequence[Pipeline]) -> None:
        await self._db.execute(pg(q.PIPELINES_DELETE), self._portal, object_type)
        await self._db.executemany(
            pg(q.PIPELINES_INSERT),
            [(self._portal, object_type, p.pipeline_id, encode_pipeline(p)) for p in pipelines],
        )

    async def add_pipeline_audits(self, object_type: str, audits: Sequence[Audit]) -> None:
        if not audits:
            return
        first = await self._db.fetchval(pg(q.AUDIT_NEXT_SEQ), self._portal, object_type)
        await self._db.executemany(
            pg(q.AUDIT_INSERT), audit_rows(self._portal, object_type, int(first), audits)
        )
