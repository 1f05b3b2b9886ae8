"""PostgreSQL: pipelines (the port is ``domain.pipelines.PipelineStore``), same SQL as SQLite."""

from __future__ import annotations

from assocdb.domain.pipelines import Changes, Pipeline
from assocdb.errors import ValidationError
from assocdb.storage import crm_sql as q
from assocdb.storage.postgres_base import PostgresBase
from assocdb.storage.sql import pg
from assocdb.storage.sqlite_pipelines import decode_pipeline, encode_pipeline

__all__ = ["PostgresPipelines"]


class PostgresPipelines(PostgresBase):
    async def read_pipelines(self, portal_id: int, object_type: str) -> list[Pipeline] | None:
        async with self._connection() as conn:
            mark = q.pipelines_mark(object_type)
            if await conn.fetchval(pg(q.PIPELINES_MARK), portal_id, mark) is None:
                return None
            rows = await conn.fetch(pg(q.PIPELINES_READ), portal_id, object_type)
        return [decode_pipeline(r[0]) for r in rows]

    async def change_pipelines(
        self, portal_id: int, object_type: str, initial: list[Pipeline], change: Changes
    ) -> list[Pipeline]:
        mark = q.pipelines_mark(object_type)
        async with self._connection() as conn, conn.transaction():
            if await conn.fetchval(pg(q.PORTAL_EXISTS), portal_id) is None:
                raise ValidationError(f"Portal {portal_id} does not exist.")
            status = await conn.execute(pg(q.COUNTER_INIT), portal_id, mark, 0)
            await conn.fetchval(pg(q.PIPELINES_LOCK), portal_id, mark)
            if status.endswith(" 1"):
                current = initial
            else:
                rows = await conn.fetch(pg(q.PIPELINES_READ), portal_id, object_type)
                current = [decode_pipeline(r[0]) for r in rows]
            changed = change(current)
            await conn.execute(pg(q.PIPELINES_DELETE), portal_id, object_type)
            await conn.executemany(
                pg(q.PIPELINES_INSERT),
                [(portal_id, object_type, p.pipeline_id, encode_pipeline(p)) for p in changed],
            )
        return changed
