"""PostgreSQL: runs search plans (the domain's ``SearchStore``) on the index of migration
0011, on the read pool (a replica when configured)."""

from __future__ import annotations

from assocdb.domain.search import SearchPlan
from assocdb.storage.postgres_base import PostgresBase
from assocdb.storage.search_sql import count_query, rows_query
from assocdb.storage.sql import pg

__all__ = ["PostgresSearch"]

# Search statements vary with each request's filters: number them without ``pg``'s cache,
# which would grow with every distinct shape.
_numbered = pg.__wrapped__


class PostgresSearch(PostgresBase):
    async def search_rows(self, plan: SearchPlan) -> list[tuple[int, object]]:
        sql, params = rows_query(plan, "postgres")
        rows = await self.read_db.fetch(_numbered(sql), *params)
        return [(int(r[0]), r[1]) for r in rows]

    async def search_count(self, plan: SearchPlan) -> int:
        sql, params = count_query(plan, "postgres")
        value = await self.read_db.fetchval(_numbered(sql), *params)
        return int(value)
