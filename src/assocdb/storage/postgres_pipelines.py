"""PostgreSQL: pipelines (the port is ``domain.pipelines.PipelineStore``), same SQL as SQLite."""

from __future__ import annotations

from assocdb.domain.pipelines import Audit, Pipeline
from assocdb.storage import crm_sql as q
from assocdb.storage.postgres_base import PostgresBase
from assocdb.storage.sql import pg
from assocdb.storage.sqlite_pipelines import audit_from_row, decode_pipeline

__all__ = ["PostgresPipelines"]


class PostgresPipelines(PostgresBase):
    async def read_pipelines(self, portal_id: int, object_type: str) -> list[Pipeline] | None:
        async with self._connection() as conn:
            mark = q.pipelines_mark(object_type)
            if await conn.fetchval(pg(q.PIPELINES_MARK), portal_id, mark) is None:
                return None
            rows = await conn.fetch(pg(q.PIPELINES_READ), portal_id, object_type)
        return [decode_pipeline(r[0]) for r in rows]

    async def read_pipeline_audits(
        self, portal_id: int, object_type: str, pipeline_id: str, stage_id: str, limit: int
    ) -> list[Audit]:
        async with self._connection() as conn:
            rows = await conn.fetch(
                pg(q.AUDIT_READ), portal_id, object_type, pipeline_id, stage_id, limit
            )
        return [audit_from_row(r) for r in rows]
