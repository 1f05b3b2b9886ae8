"""SQLite: a portal's own association labels and limits."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from assocdb.domain.models import LabelDef, LimitDef
from assocdb.storage.sqlite_base import SQLiteBase

__all__ = ["SQLiteLabels"]

# An edge of the pair whose type set holds one type. ``types`` is "c:t,c:t" (see
# storage/typesets.py); wrapping it in commas makes "1:12" never match "1:123" or "11:2".
_TYPE_IN_USE = (
    "SELECT 1 FROM associations WHERE portal_id = ? AND from_type = ? AND to_type = ?"
    " AND (',' || types || ',') LIKE ? LIMIT 1"
)

_LIMIT_COLUMNS = "from_type, to_type, category, type_id, max_to_object_ids"


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

    async def update_labels(self, portal_id: int, labels: Sequence[LabelDef]) -> None:
        """Set the display ``label`` of existing definitions; their name and ids never change."""
        await self._write_tx(
            lambda c: c.executemany(
                "UPDATE labels SET label = ? WHERE portal_id = ? AND from_type = ?"
                " AND to_type = ? AND category = ? AND type_id = ?",
                [
                    (d.label, portal_id, d.from_type, d.to_type, d.category, d.type_id)
                    for d in labels
                ],
            )
        )

    async def delete_label(self, portal_id: int, label: LabelDef) -> bool:
        """Remove a label in both directions, with its limits, unless an association uses it.

        The check and the delete run in one write transaction, so no association can take
        the label in between. Returns False, changing nothing, when the label is in use.
        """

        def run(conn: sqlite3.Connection) -> bool:
            sides = (
                (label.from_type, label.to_type, label.type_id),
                (label.to_type, label.from_type, label.inverse_type_id),
            )
            for from_type, to_type, type_id in sides:
                pattern = f"%,{label.category}:{type_id},%"
                if conn.execute(_TYPE_IN_USE, (portal_id, from_type, to_type, pattern)).fetchone():
                    return False
            for table in ("labels", "limits"):
                conn.executemany(
                    f"DELETE FROM {table} WHERE portal_id = ? AND from_type = ? AND to_type = ?"
                    " AND category = ? AND type_id = ?",
                    [(portal_id, f, t, label.category, tid) for f, t, tid in sides],
                )
            return True

        return await self._write_tx(run)

    # -- limits -----------------------------------------------------------------------

    async def list_limits(self, portal_id: int, from_type: str, to_type: str) -> list[LimitDef]:
        rows = await self._read(
            lambda c: c.execute(
                f"SELECT {_LIMIT_COLUMNS} FROM limits"
                " WHERE portal_id = ? AND from_type = ? AND to_type = ?"
                " ORDER BY category, type_id",
                (portal_id, from_type, to_type),
            ).fetchall()
        )
        return [LimitDef(*row) for row in rows]

    async def list_all_limits(self, portal_id: int) -> list[LimitDef]:
        rows = await self._read(
            lambda c: c.execute(
                f"SELECT {_LIMIT_COLUMNS} FROM limits WHERE portal_id = ?"
                " ORDER BY from_type, to_type, category, type_id",
                (portal_id,),
            ).fetchall()
        )
        return [LimitDef(*row) for row in rows]

    async def put_limits(self, portal_id: int, limits: Sequence[LimitDef]) -> None:
        """Create or replace limits, all in one transaction."""
        await self._write_tx(
            lambda c: c.executemany(
                f"INSERT INTO limits (portal_id, {_LIMIT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (portal_id, from_type, to_type, category, type_id)"
                " DO UPDATE SET max_to_object_ids = excluded.max_to_object_ids",
                [
                    (portal_id, d.from_type, d.to_type, d.category, d.type_id, d.max_to_object_ids)
                    for d in limits
                ],
            )
        )

    async def delete_limits(
        self, portal_id: int, from_type: str, to_type: str, keys: Sequence[tuple[int, int]]
    ) -> None:
        """Remove the limits of (category, typeId) ``keys`` on one pair; absent ones are skipped."""
        await self._write_tx(
            lambda c: c.executemany(
                "DELETE FROM limits WHERE portal_id = ? AND from_type = ? AND to_type = ?"
                " AND category = ? AND type_id = ?",
                [(portal_id, from_type, to_type, category, type_id) for category, type_id in keys],
            )
        )
