"""PostgreSQL: the explorer's read port (``domain/explorer.ExplorerStore``)."""

from __future__ import annotations

from assocdb.domain.models import Portal
from assocdb.storage import explorer_sql as q
from assocdb.storage.postgres_base import PostgresBase
from assocdb.storage.sql import pg

__all__ = ["PostgresExplorer"]


class PostgresExplorer(PostgresBase):
    async def page_portals(self, after_id: int, limit: int) -> list[Portal]:
        rows = await self.read_db.fetch(pg(q.PORTALS), after_id, limit)
        return [Portal(*row) for row in rows]

    async def count_objects_by_type(self, portal_id: int) -> dict[str, int]:
        rows = await self.read_db.fetch(pg(q.OBJECTS_BY_TYPE), portal_id)
        return {t: int(n) for t, n in rows}

    async def count_associations_by_type(
        self, portal_id: int, from_type: str, from_id: int
    ) -> dict[str, int]:
        rows = await self.read_db.fetch(pg(q.ASSOCIATIONS_BY_TYPE), portal_id, from_type, from_id)
        return {t: int(n) for t, n in rows}

    async def count_tokens(self, portal_id: int) -> int:
        return int(await self.read_db.fetchval(pg(q.TOKENS), portal_id, False))
