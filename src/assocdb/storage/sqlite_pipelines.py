"""SQLite: pipelines (the port is ``domain.pipelines.PipelineStore``)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any

import msgspec

from assocdb.domain.pipelines import Audit, Pipeline
from assocdb.storage import crm_sql as q
from assocdb.storage.sqlite_base import SQLiteBase

__all__ = ["SQLitePipelines", "audit_from_row", "audit_rows", "decode_pipeline", "encode_pipeline"]

_decoder = msgspec.json.Decoder(Pipeline)


def encode_pipeline(pipeline: Pipeline) -> str:
    return msgspec.json.encode(pipeline).decode()


def decode_pipeline(body: str) -> Pipeline:
    return _decoder.decode(body)


def audit_rows(
    portal_id: int, object_type: str, first: int, audits: Sequence[Audit]
) -> list[tuple[object, ...]]:
    """The rows of ``audits``, numbered from ``first``."""
    return [
        (
            portal_id,
            object_type,
            first + i,
            a.pipeline_id,
            a.stage_id,
            a.action,
            a.at_ms,
            json.dumps(a.raw),
        )
        for i, a in enumerate(audits)
    ]


def audit_from_row(row: Sequence[Any]) -> Audit:
    seq, pipeline_id, stage_id, action, at_ms, body = row
    return Audit(int(seq), pipeline_id, stage_id, action, int(at_ms), json.loads(body))


class SQLitePipelines(SQLiteBase):
    async def read_pipelines(self, portal_id: int, object_type: str) -> list[Pipeline] | None:
        def run(conn: sqlite3.Connection) -> list[Pipeline] | None:
            mark = q.pipelines_mark(object_type)
            if conn.execute(q.PIPELINES_MARK, (portal_id, mark)).fetchone() is None:
                return None
            rows = conn.execute(q.PIPELINES_READ, (portal_id, object_type)).fetchall()
            return [decode_pipeline(r[0]) for r in rows]

        return await self._read(run)

    async def read_pipeline_audits(
        self, portal_id: int, object_type: str, pipeline_id: str, stage_id: str, limit: int
    ) -> list[Audit]:
        args = (portal_id, object_type, pipeline_id, stage_id, limit)
        rows = await self._read(lambda c: c.execute(q.AUDIT_READ, args).fetchall())
        return [audit_from_row(r) for r in rows]
