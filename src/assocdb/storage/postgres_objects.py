"""PostgreSQL: CRM records (mirrors sqlite_objects: live in ``objects``, archived in
``archived_objects``)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import asyncpg

from assocdb.domain.models import CrmObject, LabelDef
from assocdb.domain.webhooks import EventSink, object_changes
from assocdb.errors import ValidationError
from assocdb.storage import queries as q
from assocdb.storage.postgres_base import lock_object_rows
from assocdb.storage.postgres_webhooks import PostgresWebhooks, flush_events
from assocdb.storage.sql import pg

__all__ = ["PostgresObjects", "create_objects", "purge_objects", "update_objects"]

_COLUMNS = q.OBJECT_COLUMNS


def _object(portal_id: int, object_type: str, row: Sequence[Any]) -> CrmObject:
    object_id, properties, created, updated = row[:4]
    return CrmObject(portal_id, object_type, object_id, json.loads(properties), created, updated)


async def _delete_edges(
    conn: asyncpg.Connection, portal_id: int, object_type: str, object_id: int
) -> None:
    """Every association of a record, both directions: each edge row and its inverse row."""
    await conn.execute(
        "DELETE FROM associations a USING (SELECT to_type, to_id FROM associations"
        " WHERE portal_id = $1 AND from_type = $2 AND from_id = $3) e"
        " WHERE a.portal_id = $1 AND a.from_type = e.to_type AND a.from_id = e.to_id"
        " AND a.to_type = $2 AND a.to_id = $3",
        portal_id,
        object_type,
        object_id,
    )
    await conn.execute(
        "DELETE FROM associations WHERE portal_id = $1 AND from_type = $2 AND from_id = $3",
        portal_id,
        object_type,
        object_id,
    )


async def create_objects(
    conn: asyncpg.Connection,
    portal_id: int,
    object_type: str,
    properties: Sequence[Mapping[str, str]],
    now_ms: int,
    schema: str | None,
) -> list[CrmObject]:
    next_id = await conn.fetchval(pg(q.ALLOCATE_OBJECT_IDS), len(properties), portal_id)
    if next_id is None:
        raise ValidationError(f"Portal {portal_id} does not exist.")
    first = int(next_id) - len(properties)
    created = [
        CrmObject(portal_id, object_type, first + i, dict(props), now_ms, now_ms)
        for i, props in enumerate(properties)
    ]
    await conn.copy_records_to_table(
        "objects",
        records=[
            (portal_id, object_type, o.object_id, json.dumps(o.properties), now_ms, now_ms)
            for o in created
        ],
        columns=[
            "portal_id",
            "object_type",
            "object_id",
            "properties",
            "created_at_ms",
            "updated_at_ms",
        ],
        schema_name=schema,
    )
    return created


async def purge_objects(
    conn: asyncpg.Connection, portal_id: int, object_type: str, ids: Sequence[int]
) -> None:
    for object_id in dict.fromkeys(ids):
        await conn.execute(pg(q.DELETE_OBJECT), portal_id, object_type, object_id)
        await _delete_edges(conn, portal_id, object_type, object_id)


async def update_objects(
    conn: Any,
    portal_id: int,
    object_type: str,
    updates: Sequence[tuple[int, Mapping[str, str | None]]],
    now_ms: int,
    sink: EventSink | None,
) -> list[CrmObject]:
    """Merge property changes into live records (None removes a property), inside the
    caller's transaction, each record locked (``FOR UPDATE``) before it is read; the
    records that exist, updated. Each update adds its webhook event to ``sink``."""
    updated: list[CrmObject] = []
    for object_id, changes in updates:
        row = await conn.fetchrow(
            "SELECT properties, created_at_ms FROM objects WHERE portal_id = $1"
            " AND object_type = $2 AND object_id = $3 FOR UPDATE",
            portal_id,
            object_type,
            object_id,
        )
        if row is None:
            continue
        properties: dict[str, str] = json.loads(row[0])
        if sink is not None:
            changed = {k: v for k, v in changes.items() if properties.get(k) != v}
            object_changes(sink, object_type, object_id, "update", now_ms, changed)
        for name, value in changes.items():
            if value is None:
                properties.pop(name, None)
            else:
                properties[name] = value
        await conn.execute(
            "UPDATE objects SET properties = $1, updated_at_ms = $2 WHERE portal_id = $3"
            " AND object_type = $4 AND object_id = $5",
            json.dumps(properties),
            now_ms,
            portal_id,
            object_type,
            object_id,
        )
        updated.append(CrmObject(portal_id, object_type, object_id, properties, row[1], now_ms))
    return updated


class PostgresObjects(PostgresWebhooks):
    async def create_objects(
        self,
        portal_id: int,
        object_type: str,
        properties: Sequence[Mapping[str, str]],
        now_ms: int,
    ) -> list[CrmObject]:
        sink = await self.sinks.sink(portal_id)
        async with self._connection() as conn, conn.transaction():
            created = await create_objects(
                conn, portal_id, object_type, properties, now_ms, self.schema
            )
            if sink is not None:  # webhooks: record writes outside a unit of work emit here
                for o in created:
                    object_changes(sink, object_type, o.object_id, "creation", now_ms, o.properties)
                await flush_events(conn, sink, now_ms)
        self.sinks.committed(sink)
        return created

    async def get_objects(
        self, portal_id: int, object_type: str, ids: Sequence[int]
    ) -> list[CrmObject]:
        rows = await self.read_db.fetch(
            f"SELECT {_COLUMNS} FROM objects WHERE portal_id = $1 AND object_type = $2"
            " AND object_id = ANY($3::bigint[]) ORDER BY object_id",
            portal_id,
            object_type,
            sorted(set(ids)),
        )
        return [_object(portal_id, object_type, r) for r in rows]

    async def list_objects(
        self, portal_id: int, object_type: str, start_id: int, limit: int
    ) -> list[CrmObject]:
        rows = await self.read_db.fetch(
            pg(q.LIST_OBJECTS),
            portal_id,
            object_type,
            start_id,
            limit,
        )
        return [_object(portal_id, object_type, r) for r in rows]

    async def get_archived_objects(
        self, portal_id: int, object_type: str, ids: Sequence[int]
    ) -> list[tuple[CrmObject, int]]:
        rows = await self.read_db.fetch(
            f"SELECT {_COLUMNS}, archived_at_ms FROM archived_objects WHERE portal_id = $1"
            " AND object_type = $2 AND object_id = ANY($3::bigint[]) ORDER BY object_id",
            portal_id,
            object_type,
            sorted(set(ids)),
        )
        return [(_object(portal_id, object_type, r), r[4]) for r in rows]

    async def list_archived_objects(
        self, portal_id: int, object_type: str, start_id: int, limit: int
    ) -> list[tuple[CrmObject, int]]:
        rows = await self.read_db.fetch(
            pg(q.LIST_ARCHIVED_OBJECTS),
            portal_id,
            object_type,
            start_id,
            limit,
        )
        return [(_object(portal_id, object_type, r), r[4]) for r in rows]

    async def update_objects(
        self,
        portal_id: int,
        object_type: str,
        updates: Sequence[tuple[int, Mapping[str, str | None]]],
        now_ms: int,
    ) -> list[CrmObject]:
        sink = await self.sinks.sink(portal_id)
        async with self._connection() as conn, conn.transaction():
            updated = await update_objects(conn, portal_id, object_type, updates, now_ms, sink)
            await flush_events(conn, sink, now_ms)
        self.sinks.committed(sink)
        return updated

    async def archive_objects(
        self,
        portal_id: int,
        object_type: str,
        ids: Sequence[int],
        now_ms: int,
        *,
        purge: bool = False,
    ) -> list[int]:
        archived: list[int] = []
        unique = list(dict.fromkeys(ids))
        sink = await self.sinks.sink(portal_id)
        async with self._connection() as conn, conn.transaction():
            # The same record locks association writers take: no edge can be added to a
            # record while it is being archived.
            await lock_object_rows(conn, portal_id, [(object_type, i) for i in unique])
            for object_id in unique:
                row = await conn.fetchrow(
                    "DELETE FROM objects WHERE portal_id = $1 AND object_type = $2"
                    " AND object_id = $3 RETURNING properties, created_at_ms, updated_at_ms",
                    portal_id,
                    object_type,
                    object_id,
                )
                await _delete_edges(conn, portal_id, object_type, object_id)
                if row is None:
                    continue
                if not purge:
                    await conn.execute(
                        "INSERT INTO archived_objects (portal_id, object_type, object_id,"
                        " properties, created_at_ms, updated_at_ms, archived_at_ms)"
                        " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (portal_id,"
                        " object_type, object_id) DO UPDATE SET properties = excluded.properties,"
                        " updated_at_ms = excluded.updated_at_ms,"
                        " archived_at_ms = excluded.archived_at_ms",
                        portal_id,
                        object_type,
                        object_id,
                        row[0],
                        row[1],
                        row[2],
                        now_ms,
                    )
                archived.append(object_id)
                if sink is not None:  # webhooks: until object writes run on StoreTx
                    object_changes(sink, object_type, object_id, "deletion", now_ms)
            await flush_events(conn, sink, now_ms)
        self.sinks.committed(sink)
        return archived

    async def find_label(
        self, portal_id: int, from_type: str, category: int, type_id: int
    ) -> LabelDef | None:
        row = await self.db.fetchrow(
            pg(q.FIND_LABEL),
            portal_id,
            from_type,
            category,
            type_id,
        )
        return LabelDef(*row) if row else None
