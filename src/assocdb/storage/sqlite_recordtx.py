"""SQLite: the record-write operations of the unit of work (``StoreTx``) — reads of the
records, unique values, pipelines and owners a write checks, the updates, and the
pipeline changes — on the writer connection inside ``BEGIN IMMEDIATE``.

One writer runs at a time per file, so a check made here holds until COMMIT: no pipeline
change, owner archive or other record write can slip in between (docs/transactions.md).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

from assocdb.domain.models import CrmObject
from assocdb.domain.pipelines import Audit, Pipeline
from assocdb.domain.webhooks import EventSink
from assocdb.errors import ValidationError
from assocdb.storage import crm_sql as q
from assocdb.storage import properties_sql as pq
from assocdb.storage.sqlite_base import SQLiteTxCore
from assocdb.storage.sqlite_pipelines import audit_rows, decode_pipeline, encode_pipeline

__all__ = ["SQLiteRecordTx"]


class SQLiteRecordTx(SQLiteTxCore):
    events: EventSink | None = None

    async def get_objects(self, object_type: str, ids: Sequence[int]) -> list[CrmObject]:
        wanted = sorted(set(ids))
        portal = self._portal

        def run(conn: sqlite3.Connection) -> list[CrmObject]:
            found: list[CrmObject] = []
            for object_id in wanted:
                row = conn.execute(q.OBJECT_READ, (portal, object_type, object_id)).fetchone()
                if row is not None:
                    found.append(
                        CrmObject(portal, object_type, row[0], json.loads(row[1]), row[2], row[3])
                    )
            return found

        return await self._run(run)

    async def value_owners(
        self, object_type: str, name: str, keys: Sequence[str]
    ) -> dict[str, int]:
        if not keys:
            return {}
        args = (self._portal, object_type, name, *keys)
        rows = await self._run(lambda c: c.execute(pq.owners_sql(len(keys)), args).fetchall())
        return {str(k): int(i) for k, i in rows}

    async def values_in_use(self, object_type: str, name: str, keys: Sequence[str]) -> set[str]:
        if not keys:
            return set()
        sql = q.VALUES_IN_USE.format(marks=q.marks(len(keys)))
        args = (self._portal, object_type, name, *keys)
        rows = await self._run(lambda c: c.execute(sql, args).fetchall())
        return {str(r[0]) for r in rows}

    async def active_owner_ids(self, ids: Sequence[int]) -> set[int]:
        wanted = sorted(set(ids))
        if not wanted:
            return set()
        sql = q.ACTIVE_OWNERS.format(marks=q.marks(len(wanted)))
        args = (self._portal, *wanted)
        rows = await self._run(lambda c: c.execute(sql, args).fetchall())
        return {int(r[0]) for r in rows}

    async def pipelines_for_records(self, object_type: str) -> list[Pipeline] | None:
        portal = self._portal

        def run(conn: sqlite3.Connection) -> list[Pipeline] | None:
            mark = q.pipelines_mark(object_type)
            if conn.execute(q.PIPELINES_MARK, (portal, mark)).fetchone() is None:
                return None
            rows = conn.execute(q.PIPELINES_READ, (portal, object_type)).fetchall()
            return [decode_pipeline(r[0]) for r in rows]

        return await self._run(run)

    async def pipelines_for_change(self, object_type: str) -> list[Pipeline] | None:
        portal = self._portal

        def run(conn: sqlite3.Connection) -> list[Pipeline] | None:
            if conn.execute(q.PORTAL_EXISTS, (portal,)).fetchone() is None:
                raise ValidationError(f"Portal {portal} does not exist.")
            fresh = conn.execute(q.COUNTER_INIT, (portal, q.pipelines_mark(object_type), 0))
            if fresh.rowcount:
                return None
            rows = conn.execute(q.PIPELINES_READ, (portal, object_type)).fetchall()
            return [decode_pipeline(r[0]) for r in rows]

        return await self._run(run)

    async def store_pipelines(self, object_type: str, pipelines: Sequence[Pipeline]) -> None:
        portal = self._portal
        rows = [(portal, object_type, p.pipeline_id, encode_pipeline(p)) for p in pipelines]

        def run(conn: sqlite3.Connection) -> None:
            conn.execute(q.PIPELINES_DELETE, (portal, object_type))
            conn.executemany(q.PIPELINES_INSERT, rows)

        await self._run(run)

    async def add_pipeline_audits(self, object_type: str, audits: Sequence[Audit]) -> None:
        if not audits:
            return
        portal = self._portal

        def run(conn: sqlite3.Connection) -> None:
            (first,) = conn.execute(q.AUDIT_NEXT_SEQ, (portal, object_type)).fetchone()
            conn.executemany(q.AUDIT_INSERT, audit_rows(portal, object_type, int(first), audits))

        await self._run(run)
