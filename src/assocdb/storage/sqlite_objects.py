"""SQLite: CRM records."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence

from assocdb.domain.models import CrmObject
from assocdb.errors import ValidationError
from assocdb.storage.sqlite_base import SQLiteBase

__all__ = ["SQLiteObjects"]


class SQLiteObjects(SQLiteBase):
    # -- objects ----------------------------------------------------------------------

    async def create_objects(
        self,
        portal_id: int,
        object_type: str,
        properties: Sequence[Mapping[str, str]],
        now_ms: int,
    ) -> list[CrmObject]:
        def run(conn: sqlite3.Connection) -> list[CrmObject]:
            row = conn.execute(
                "UPDATE portals SET next_object_id = next_object_id + ? WHERE portal_id = ?"
                " RETURNING next_object_id",
                (len(properties), portal_id),
            ).fetchone()
            if row is None:
                raise ValidationError(f"Portal {portal_id} does not exist.")
            first = row[0] - len(properties)
            created = [
                CrmObject(portal_id, object_type, first + i, dict(props), now_ms, now_ms)
                for i, props in enumerate(properties)
            ]
            conn.executemany(
                "INSERT INTO objects (portal_id, object_type, object_id, properties,"
                " created_at_ms, updated_at_ms) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (portal_id, object_type, o.object_id, json.dumps(o.properties), now_ms, now_ms)
                    for o in created
                ],
            )
            return created

        return await self._write_tx(run)
