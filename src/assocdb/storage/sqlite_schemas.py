"""SQLite: custom object schemas (the port is ``domain.schemas.SchemaStore``)."""

from __future__ import annotations

import sqlite3
from dataclasses import replace

import msgspec

from assocdb.domain.schemas import CustomSchema
from assocdb.errors import ValidationError
from assocdb.storage import crm_sql as q
from assocdb.storage.sqlite_base import SQLiteBase
from assocdb.storage.sqlite_owners import no_portal, take_counter

__all__ = ["SQLiteSchemas", "decode_schema", "encode_schema", "name_taken", "too_many"]

_decoder = msgspec.json.Decoder(CustomSchema)


def encode_schema(schema: CustomSchema) -> str:
    return msgspec.json.encode(schema).decode()


def decode_schema(body: str) -> CustomSchema:
    return _decoder.decode(body)


def name_taken(name: str) -> ValidationError:
    return ValidationError(
        f"An object type named '{name}' already exists.", context={"name": [name]}
    )


def too_many(limit: int) -> ValidationError:
    return ValidationError(f"A portal has at most {limit} custom object types.")


class SQLiteSchemas(SQLiteBase):
    async def list_schemas(self, portal_id: int) -> list[CustomSchema]:
        rows = await self._read(lambda c: c.execute(q.SCHEMAS_READ, (portal_id,)).fetchall())
        return [decode_schema(r[0]) for r in rows]

    async def add_schema(self, portal_id: int, schema: CustomSchema, limit: int) -> CustomSchema:
        def run(conn: sqlite3.Connection) -> CustomSchema:
            if conn.execute(q.PORTAL_EXISTS, (portal_id,)).fetchone() is None:
                raise no_portal(portal_id)
            (count,) = conn.execute(q.SCHEMAS_COUNT, (portal_id,)).fetchone()
            if count >= limit:
                raise too_many(limit)
            number = take_counter(conn, portal_id, "schema", q.SCHEMA_BASE + 1, 1)
            made = replace(schema, type_id=f"2-{number}")
            try:
                conn.execute(
                    q.SCHEMA_INSERT,
                    (portal_id, made.type_id, made.name.lower(), encode_schema(made)),
                )
            except sqlite3.IntegrityError:
                raise name_taken(made.name) from None
            return made

        return await self._write_tx(run)

    async def put_schema(self, portal_id: int, schema: CustomSchema) -> None:
        args = (int(schema.archived), encode_schema(schema), portal_id, schema.type_id)
        await self._write_tx(lambda c: c.execute(q.SCHEMA_UPDATE, args))

    async def purge_schema(self, portal_id: int, type_id: str) -> None:
        await self._write_tx(lambda c: c.execute(q.SCHEMA_DELETE, (portal_id, type_id)))
