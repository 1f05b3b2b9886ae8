"""SQLite: the inventory port (portals, token metadata, counts) for the CLI."""

from __future__ import annotations

from assocdb.domain.inventory import PortalCounts, TokenInfo
from assocdb.domain.models import Portal
from assocdb.storage import inventory_sql as q
from assocdb.storage.sqlite_base import SQLiteBase

__all__ = ["SQLiteInventory"]


class SQLiteInventory(SQLiteBase):
    async def list_portals(self) -> list[Portal]:
        rows = await self._read(lambda c: c.execute(q.PORTALS).fetchall())
        return [q.portal(r) for r in rows]

    async def list_token_infos(self, portal_id: int) -> list[TokenInfo]:
        rows = await self._read(lambda c: c.execute(q.TOKENS, (portal_id,)).fetchall())
        return [q.token_info(r) for r in rows]

    async def schema_version(self) -> int:
        row = await self._read(lambda c: c.execute(q.SCHEMA_VERSION).fetchone())
        return int(row[0])

    async def portal_counts(self) -> dict[int, PortalCounts]:
        objects = await self._read(lambda c: c.execute(q.OBJECT_ROWS).fetchall())
        edges = await self._read(lambda c: c.execute(q.ASSOCIATION_ROWS).fetchall())
        return q.counts(objects, edges)
