"""PostgreSQL: a portal's own association labels and limits (mirrors sqlite_labels)."""

from __future__ import annotations

from collections.abc import Sequence

from assocdb.domain.models import LabelDef, LimitDef
from assocdb.storage.postgres_base import PostgresBase, unavailable

__all__ = ["PostgresLabels"]

# An edge of the pair whose type set holds one type; commas around "c:t,c:t" make "1:12"
# never match "1:123" or "11:2".
_TYPE_IN_USE = (
    "SELECT 1 FROM associations WHERE portal_id = $1 AND from_type = $2 AND to_type = $3"
    " AND (',' || types || ',') LIKE $4 LIMIT 1"
)
_LIMIT_COLUMNS = "from_type, to_type, category, type_id, max_to_object_ids"


class PostgresLabels(PostgresBase):
    async def list_labels(self, portal_id: int, from_type: str, to_type: str) -> list[LabelDef]:
        # The primary: writes validate label sets against this.
        with unavailable():
            rows = await self.pool.fetch(
                "SELECT from_type, to_type, category, type_id, name, label, inverse_type_id"
                " FROM labels WHERE portal_id = $1 AND from_type = $2 AND to_type = $3"
                " ORDER BY category, type_id",
                portal_id,
                from_type,
                to_type,
            )
        return [LabelDef(*row) for row in rows]

    async def update_labels(self, portal_id: int, labels: Sequence[LabelDef]) -> None:
        async with self._connection() as conn, conn.transaction():
            await conn.executemany(
                "UPDATE labels SET label = $1 WHERE portal_id = $2 AND from_type = $3"
                " AND to_type = $4 AND category = $5 AND type_id = $6",
                [
                    (d.label, portal_id, d.from_type, d.to_type, d.category, d.type_id)
                    for d in labels
                ],
            )

    async def delete_label(self, portal_id: int, label: LabelDef) -> bool:
        sides = (
            (label.from_type, label.to_type, label.type_id),
            (label.to_type, label.from_type, label.inverse_type_id),
        )
        async with self._connection() as conn, conn.transaction():
            # Lock the definition first: a writer resolving this label waits or sees it gone.
            await conn.execute(
                "SELECT 1 FROM labels WHERE portal_id = $1 AND from_type = $2 AND to_type = $3"
                " AND category = $4 AND type_id = $5 FOR UPDATE",
                portal_id,
                label.from_type,
                label.to_type,
                label.category,
                label.type_id,
            )
            for from_type, to_type, type_id in sides:
                if await conn.fetchval(
                    _TYPE_IN_USE, portal_id, from_type, to_type, f"%,{label.category}:{type_id},%"
                ):
                    return False
            for table in ("labels", "limits"):
                await conn.executemany(
                    f"DELETE FROM {table} WHERE portal_id = $1 AND from_type = $2"
                    " AND to_type = $3 AND category = $4 AND type_id = $5",
                    [(portal_id, f, t, label.category, tid) for f, t, tid in sides],
                )
        return True

    async def list_limits(self, portal_id: int, from_type: str, to_type: str) -> list[LimitDef]:
        with unavailable():
            rows = await self.pool.fetch(
                f"SELECT {_LIMIT_COLUMNS} FROM limits"
                " WHERE portal_id = $1 AND from_type = $2 AND to_type = $3"
                " ORDER BY category, type_id",
                portal_id,
                from_type,
                to_type,
            )
        return [LimitDef(*row) for row in rows]

    async def list_all_limits(self, portal_id: int) -> list[LimitDef]:
        with unavailable():
            rows = await self.read_pool.fetch(
                f"SELECT {_LIMIT_COLUMNS} FROM limits WHERE portal_id = $1"
                " ORDER BY from_type, to_type, category, type_id",
                portal_id,
            )
        return [LimitDef(*row) for row in rows]

    async def put_limits(self, portal_id: int, limits: Sequence[LimitDef]) -> None:
        async with self._connection() as conn, conn.transaction():
            await conn.executemany(
                f"INSERT INTO limits (portal_id, {_LIMIT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)"
                " ON CONFLICT (portal_id, from_type, to_type, category, type_id)"
                " DO UPDATE SET max_to_object_ids = excluded.max_to_object_ids",
                [
                    (portal_id, d.from_type, d.to_type, d.category, d.type_id, d.max_to_object_ids)
                    for d in limits
                ],
            )

    async def delete_limits(
        self, portal_id: int, from_type: str, to_type: str, keys: Sequence[tuple[int, int]]
    ) -> None:
        async with self._connection() as conn, conn.transaction():
            await conn.executemany(
                "DELETE FROM limits WHERE portal_id = $1 AND from_type = $2 AND to_type = $3"
                " AND category = $4 AND type_id = $5",
                [(portal_id, from_type, to_type, c, t) for c, t in keys],
            )
