"""SQLite: pipelines (the port is ``domain.pipelines.PipelineStore``)."""

from __future__ import annotations

import sqlite3

import msgspec

from assocdb.domain.pipelines import Pipeline
from assocdb.storage import crm_sql as q
from assocdb.storage.sqlite_base import SQLiteBase

__all__ = ["SQLitePipelines", "decode_pipeline", "encode_pipeline"]

_decoder = msgspec.json.Decoder(Pipeline)


def encode_pipeline(pipeline: Pipeline) -> str:
    return msgspec.json.encode(pipeline).decode()


def decode_pipeline(body: str) -> Pipeline:
    return _decoder.decode(body)


class SQLitePipelines(SQLiteBase):
    async def read_pipelines(self, portal_id: int, object_type: str) -> list[Pipeline] | None:
        def run(conn: sqlite3.Connection) -> list[Pipeline] | None:
            mark = q.pipelines_mark(object_type)
            if conn.execute(q.PIPELINES_MARK, (portal_id, mark)).fetchone() is None:
                return None
            rows = conn.execute(q.PIPELINES_READ, (portal_id, object_type)).fetchall()
            return [decode_pipeline(r[0]) for r in rows]

        return await self._read(run)
