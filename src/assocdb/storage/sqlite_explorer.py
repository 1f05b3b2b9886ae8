"""SQLite: the explorer's read port (``domain/explorer.ExplorerStore``)."""

from __future__ import annotations

from assocdb.domain.models import Portal
from assocdb.storage import explorer_sql as q
from assocdb.storage.sqlite_base import SQLiteBase

__all__ = ["SQLiteExplorer"]


class SQLiteExplorer(SQLiteBase):
    async def page_portals(self, after_id: int, limit: int) -> list[Portal]:
        rows = await self._read(lambda c: c.execute(q.PORTALS, (after_id, limit)).fetchall())
        return [Portal(*row) for row in rows]

    async def count_objects_by_type(self, portal_id: int) -> dict[str, int]:
        rows = await self._read(lambda c: c.execute(q.OBJECTS_BY_TYPE, (portal_id,)).fetchall())
        return {t: int(n) for t, n in rows}

    async def count_associations_by_type(
        self, portal_id: int, from_type: str, from_id: int
    ) -> dict[str, int]:
        params = (portal_id, from_type, from_id)
        rows = await self._read(lambda c: c.execute(q.ASSOCIATIONS_BY_TYPE, params).fetchall())
        return {t: int(n) for t, n in rows}

    async def count_tokens(self, portal_id: int) -> int:
        row = await self._read(lambda c: c.execute(q.TOKENS, (portal_id, False)).fetchone())
        return int(row[0])
