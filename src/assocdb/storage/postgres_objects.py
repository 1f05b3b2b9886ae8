"""PostgreSQL: CRM records (mirrors sqlite_objects: live in ``objects``, archived in
``archived_objects``)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import asyncpg

from assocdb.domain.history import SOURCE_API, applied_changes, changed_values, created_values
from assocdb.domain.models import CrmObject, LabelDef
from assocdb.domain.store import ArchivedRecords, RemovedEdge, UpdatedRecord
from assocdb.errors import ValidationError
from assocdb.storage import queries as q
from assocdb.storage.postgres_base import Guarded, lock_object_rows
from assocdb.storage.postgres_history import add_versions, copy_first_versions, forget_history
from assocdb.storage.postgres_webhooks import PostgresWebhooks
from assocdb.storage.sql import pg
from assocdb.storage.typesets import decode_types

__all__ = [
    "ANY_ID",
    "PostgresObjects",
    "archive_objects",
    "create_objects",
    "purge_objects",
    "update_objects",
]

_COLUMNS = q.OBJECT_COLUMNS
ANY_ID = "= ANY(?::bigint[])"
"""``q.by_ids``'s id test on PostgreSQL: one array parameter."""


def _object(portal_id: int, object_type: str, row: Sequence[Any]) -> CrmObject:
    object_id, properties, created, updated = row[:4]
    return CrmObject(portal_id, object_type, object_id, json.loads(properties), created, updated)


async def _delete_edges(
    conn: asyncpg.Connection | Guarded, portal_id: int, object_type: str, object_id: int
) -> list[tuple[str, int, str]]:
    """Every association of a record, both directions: each edge row and its inverse row.
    Returns the record's own rows (to type, to id, encoded types), which the delete needs
    anyway to find the inverse rows.

    The inverse rows are deleted by their primary keys from arrays (``unnest``: the
    planner takes one index lookup per row), not by a join with a subquery on
    ``associations``: on a table without fresh statistics that join took more than the
    30 s command timeout for a record with 50,000 associations (bench/webhook_archive.py)."""
    rows = await conn.fetch(
        pg(q.DELETE_EDGES_FROM) + " RETURNING to_type, to_id, types",
        portal_id,
        object_type,
        object_id,
    )
    if rows:
        await conn.execute(
            "DELETE FROM associations a USING unnest($4::text[], $5::bigint[]) AS e(t, i)"
            " WHERE a.portal_id = $1 AND a.from_type = e.t AND a.from_id = e.i"
            " AND a.to_type = $2 AND a.to_id = $3",
            portal_id,
            object_type,
            object_id,
            [r[0] for r in rows],
            [r[1] for r in rows],
        )
    return [(r[0], r[1], r[2]) for r in rows]


async def create_objects(
    conn: asyncpg.Connection,
    portal_id: int,
    object_type: str,
    properties: Sequence[Mapping[str, str]],
    now_ms: int,
    schema: str | None,
    source: str = SOURCE_API,
) -> list[CrmObject]:
    """New records and the first version of each of their values (``source``: the
    history's ``sourceType``), in the caller's transaction."""
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
    versions = [(o.object_id, created_values(o.properties)) for o in created]
    await copy_first_versions(conn, (portal_id, object_type), versions, now_ms, source, schema)
    return created


async def purge_objects(
    conn: asyncpg.Connection | Guarded, portal_id: int, object_type: str, ids: Sequence[int]
) -> None:
    for object_id in dict.fromkeys(ids):
        await conn.execute(pg(q.DELETE_OBJECT), portal_id, object_type, object_id)
        await _delete_edges(conn, portal_id, object_type, object_id)
    await forget_history(conn, (portal_id, object_type), ids)


async def update_objects(
    conn: asyncpg.Connection,
    portal_id: int,
    object_type: str,
    updates: Sequence[tuple[int, Mapping[str, str | None]]],
    now_ms: int,
) -> list[UpdatedRecord]:
    """Merge property changes (None removes one) into the records that exist, each row
    locked (``FOR UPDATE``) from its read to the end of the transaction, and add a version
    to the property history for each value that changed."""
    updated: list[UpdatedRecord] = []
    versions: list[tuple[int, list[tuple[str, str]]]] = []
    for object_id, changes in updates:
        row = await conn.fetchrow(
            pg(q.OBJECT_FOR_UPDATE) + " FOR UPDATE",
            portal_id,
            object_type,
            object_id,
        )
        if row is None:
            continue
        before: dict[str, str] = json.loads(row[0])
        versions.append((object_id, changed_values(before, changes)))
        properties = applied_changes(before, changes)
        await conn.execute(
            pg(q.WRITE_PROPERTIES),
            json.dumps(properties),
            now_ms,
            portal_id,
            object_type,
            object_id,
        )
        record = CrmObject(portal_id, object_type, object_id, properties, row[1], now_ms)
        updated.append(UpdatedRecord(record, before))
    await add_versions(conn, (portal_id, object_type), versions, now_ms, SOURCE_API)
    return updated


async def archive_objects(
    conn: asyncpg.Connection,
    portal_id: int,
    object_type: str,
    ids: Sequence[int],
    now_ms: int,
    *,
    purge: bool,
    with_edges: bool,
) -> ArchivedRecords:
    """Archive (``purge``: delete) records and every association of each, both directions."""
    result = ArchivedRecords([], [])
    unique = list(dict.fromkeys(ids))
    # The same record locks association writers take: no edge can be added to a
    # record while it is being archived.
    await lock_object_rows(conn, portal_id, [(object_type, i) for i in unique])
    for object_id in unique:
        row = await conn.fetchrow(
            pg(q.TAKE_OBJECT),
            portal_id,
            object_type,
            object_id,
        )
        edges = await _delete_edges(conn, portal_id, object_type, object_id)
        if row is None:
            continue
        if not purge:
            await conn.execute(
                pg(q.ARCHIVE_OBJECT),
                portal_id,
                object_type,
                object_id,
                row[0],
                row[1],
                row[2],
                now_ms,
            )
        else:  # purged: nothing can restore it, so its history goes too
            await forget_history(conn, (portal_id, object_type), [object_id])
        result.ids.append(object_id)
        if with_edges:
            result.edges.extend(
                RemovedEdge(object_id, to_type, to_id, decode_types(types))
                for to_type, to_id, types in edges
            )
    return result


class PostgresObjects(PostgresWebhooks):
    async def create_objects(
        self,
        portal_id: int,
        object_type: str,
        properties: Sequence[Mapping[str, str]],
        now_ms: int,
    ) -> list[CrmObject]:
        async with self._connection() as conn, conn.transaction():
            return await create_objects(
                conn, portal_id, object_type, properties, now_ms, self.schema
            )

    async def get_objects(
        self, portal_id: int, object_type: str, ids: Sequence[int]
    ) -> list[CrmObject]:
        rows = await self.read_db.fetch(
            pg(q.by_ids(_COLUMNS, "objects", ANY_ID)),
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
            pg(q.by_ids(f"{_COLUMNS}, archived_at_ms", "archived_objects", ANY_ID)),
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
        async with self._connection() as conn, conn.transaction():
            updated = await update_objects(conn, portal_id, object_type, updates, now_ms)
        return [u.record for u in updated]

    async def archive_objects(
        self,
        portal_id: int,
        object_type: str,
        ids: Sequence[int],
        now_ms: int,
        *,
        purge: bool = False,
    ) -> list[int]:
        async with self._connection() as conn, conn.transaction():
            archived = await archive_objects(
                conn, portal_id, object_type, ids, now_ms, purge=purge, with_edges=False
            )
        return archived.ids

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
