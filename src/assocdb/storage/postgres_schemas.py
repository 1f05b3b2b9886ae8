"""PostgreSQL: custom object schemas (port ``domain.schemas.SchemaStore``), same SQL as SQLite."""

from __future__ import annotations

from dataclasses import replace

import asyncpg

from assocdb.domain.schemas import CustomSchema
from assocdb.storage import crm_sql as q
from assocdb.storage.postgres_base import PostgresBase
from assocdb.storage.postgres_owners import take_counter
from assocdb.storage.sql import pg
from assocdb.storage.sqlite_owners import no_portal
from assocdb.storage.sqlite_schemas import decode_schema, encode_schema, name_taken, too_many

__all__ = ["PostgresSchemas"]


class PostgresSchemas(PostgresBase):
    async def list_schemas(self, portal_id: int) -> list[CustomSchema]:
        async with self._connection() as conn:
            rows = await conn.fetch(pg(q.SCHEMAS_READ), portal_id)
        return [decode_schema(r[0]) for r in rows]

    async def add_schema(self, portal_id: int, schema: CustomSchema, limit: int) -> CustomSchema:
        async with self._connection() as conn, conn.transaction():
            if await conn.fetchval(pg(q.PORTAL_EXISTS), portal_id) is None:
                raise no_portal(portal_id)
            # The counter row is locked first, so two creates cannot both pass the count.
            number = await take_counter(conn, portal_id, "schema", q.SCHEMA_BASE + 1, 1)
            if await conn.fetchval(pg(q.SCHEMAS_COUNT), portal_id) >= limit:
                raise too_many(limit)
            made = replace(schema, type_id=f"2-{number}")
            try:
                await conn.execute(
                    pg(q.SCHEMA_INSERT),
                    portal_id,
                    made.type_id,
                    made.name.lower(),
                    encode_schema(made),
                )
            except asyncpg.UniqueViolationError:
                raise name_taken(made.name) from None
            return made

    async def put_schema(self, portal_id: int, schema: CustomSchema) -> None:
        async with self._connection() as conn:
            await conn.execute(
                pg(q.SCHEMA_UPDATE),
                int(schema.archived),
                encode_schema(schema),
                portal_id,
                schema.type_id,
            )

    async def purge_schema(self, portal_id: int, type_id: str) -> None:
        async with self._connection() as conn:
            await conn.execute(pg(q.SCHEMA_DELETE), portal_id, type_id)
