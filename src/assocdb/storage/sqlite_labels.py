"""SQLite: a portal's own association labels and limits."""

from __future__ import annotations

from assocdb.domain.models import LabelDef
from assocdb.storage.sqlite_base import SQLiteBase

__all__ = ["SQLiteLabels"]


class SQLiteLabels(SQLiteBase):
    # -- labels -----------------------------------------------------------------------

    async def list_labels(self, portal_id: int, from_type: str, to_type: str) -> list[LabelDef]:
        rows = await self._read(
            lambda c: c.execute(
                "SELECT from_type, to_type, category, type_id, name, label, inverse_type_id"
                " FROM labels WHERE portal_id = ? AND from_type = ? AND to_type = ?"
                " ORDER BY category, type_id",
                (portal_id, from_type, to_type),
            ).fetchall()
        )
        return [LabelDef(*row) for row in rows]
