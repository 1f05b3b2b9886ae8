"""SQLite: runs search plans (the domain's ``SearchStore``) on the index of migration 0011."""

from __future__ import annotations

from assocdb.domain.search import SearchPlan
from assocdb.storage.search_sql import count_query, rows_query
from assocdb.storage.sqlite_base import SQLiteBase

__all__ = ["SQLiteSearch"]


class SQLiteSearch(SQLiteBase):
    async def search_rows(self, plan: SearchPlan) -> list[tuple[int, object]]:
        sql, params = rows_query(plan, "sqlite")
        rows = await self._read(lambda c: c.execute(sql, params).fetchall())
        return [(int(r[0]), r[1]) for r in rows]

    async def search_count(self, plan: SearchPlan) -> int:
        sql, params = count_query(plan, "sqlite")
        row = await self._read(lambda c: c.execute(sql, params).fetchone())
        return int(row[0])
