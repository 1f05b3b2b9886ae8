"""PostgreSQL: the inventory port (portals, token metadata, counts) for the CLI."""

from __future__ import annotations

from assocdb.domain.inventory import PortalCounts, TokenInfo
from assocdb.domain.models import Portal
from assocdb.storage import inventory_sql as q
from assocdb.storage.postgres_base import PostgresBase
from assocdb.storage.sql import pg

__all__ = ["PostgresInventory"]


class PostgresInventory(PostgresBase):
    async def list_portals(self) -> list[Portal]:
        return [q.portal(r) for r in await self.read_db.fetch(pg(q.PORTALS))]

    async def list_token_infos(self, portal_id: int) -> list[TokenInfo]:
        rows = await self.read_db.fetch(pg(q.TOKENS), portal_id)
        return [q.token_info(r) for r in rows]

    async def schema_version(self) -> int:
        return int(await self.read_db.fetchval(pg(q.SCHEMA_VERSION)))

    async def portal_counts(self) -> dict[int, PortalCounts]:
        objects = await self.read_db.fetch(pg(q.OBJECT_ROWS))
        edges = await self.read_db.fetch(pg(q.ASSOCIATION_ROWS))
        return q.counts(objects, edges)
