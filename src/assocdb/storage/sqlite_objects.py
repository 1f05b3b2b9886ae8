"""SQLite: CRM records (live in ``objects``, archived in ``archived_objects``)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

from assocdb.domain.history import SOURCE_API, applied_changes, changed_values, created_values
from assocdb.domain.models import CrmObject, LabelDef
from assocdb.domain.store import ArchivedRecords, RemovedEdge, UpdatedRecord
from assocdb.errors import ValidationError
from assocdb.storage import queries as q
from assocdb.storage.sqlite_base import chunks
from assocdb.storage.sqlite_history import add_versions, forget_history
from assocdb.storage.sqlite_webhooks import SQLiteWebhooks
from assocdb.storage.typesets import decode_types

__all__ = [
    "SQLiteObjects",
    "archive_objects",
    "create_objects",
    "purge_objects",
    "update_objects",
]

_COLUMNS = q.OBJECT_COLUMNS
_INLINE_IDS = 10
"""Records read on the event loop's own connection (see ``INLINE_READ_ROWS``): one
record is one row; ten keep the loop's pause to tens of microseconds."""


def _object(portal_id: int, object_type: str, row: Sequence[Any]) -> CrmObject:
    object_id, properties, created, updated = row
    return CrmObject(portal_id, object_type, object_id, json.loads(properties), created, updated)


def _by_ids(
    conn: sqlite3.Connection, table: str, columns: str, key: tuple[int, str], ids: Sequence[int]
) -> list[tuple[Any, ...]]:
    """Rows of ``table`` for ``ids`` (unique, ascending), 500 ids per statement."""
    rows: list[tuple[Any, ...]] = []
    for chunk in chunks(sorted(set(ids)), 500):
        marks = ",".join("?" * len(chunk))
        rows.extend(conn.execute(q.by_ids(columns, table, f"IN ({marks})"), (*key, *chunk)))
    return rows


def _delete_edges(
    conn: sqlite3.Connection, portal_id: int, object_type: str, object_id: int
) -> list[tuple[str, int, str]]:
    """Every association of a record, both directions: each edge row and its inverse row.
    Returns the record's own rows (to type, to id, encoded types), which the delete reads
    anyway to find the inverse rows."""
    edges: list[tuple[str, int, str]] = conn.execute(
        "SELECT to_type, to_id, types FROM associations WHERE portal_id = ? AND from_type = ?"
        " AND from_id = ?",
        (portal_id, object_type, object_id),
    ).fetchall()
    conn.executemany(
        "DELETE FROM associations WHERE portal_id = ? AND from_type = ? AND from_id = ?"
        " AND to_type = ? AND to_id = ?",
        [(portal_id, to_type, to_id, object_type, object_id) for to_type, to_id, _ in edges],
    )
    conn.execute(q.DELETE_EDGES_FROM, (portal_id, object_type, object_id))
    return edges


def create_objects(
    conn: sqlite3.Connection,
    portal_id: int,
    object_type: str,
    properties: Sequence[Mapping[str, str]],
    now_ms: int,
    source: str = SOURCE_API,
) -> list[CrmObject]:
    """New records and the first version of each of their values (``source``: the
    history's ``sourceType``), in the caller's transaction."""
    row = conn.execute(q.ALLOCATE_OBJECT_IDS, (len(properties), portal_id)).fetchone()
    if row is None:
        raise ValidationError(f"Portal {portal_id} does not exist.")
    first = row[0] - len(properties)
    created = [
        CrmObject(portal_id, object_type, first + i, dict(props), now_ms, now_ms)
        for i, props in enumerate(properties)
    ]
    conn.executemany(
        q.INSERT_OBJECT,
        [
            (portal_id, object_type, o.object_id, json.dumps(o.properties), now_ms, now_ms)
            for o in created
        ],
    )
    versions = [(o.object_id, created_values(o.properties)) for o in created]
    add_versions(conn, (portal_id, object_type), versions, now_ms, source, new=True)
    return created


def purge_objects(
    conn: sqlite3.Connection, portal_id: int, object_type: str, ids: Sequence[int]
) -> None:
    for object_id in dict.fromkeys(ids):
        conn.execute(q.DELETE_OBJECT, (portal_id, object_type, object_id))
        _delete_edges(conn, portal_id, object_type, object_id)
    forget_history(conn, (portal_id, object_type), ids)


def update_objects(
    conn: sqlite3.Connection,
    portal_id: int,
    object_type: str,
    updates: Sequence[tuple[int, Mapping[str, str | None]]],
    now_ms: int,
) -> list[UpdatedRecord]:
    """Merge property changes (None removes one) into the records that exist, and add a
    version to the property history for each value that changed."""
    updated: list[UpdatedRecord] = []
    versions: list[tuple[int, list[tuple[str, str]]]] = []
    for object_id, changes in updates:
        row = conn.execute(q.OBJECT_FOR_UPDATE, (portal_id, object_type, object_id)).fetchone()
        if row is None:
            continue
        before: dict[str, str] = json.loads(row[0])
        versions.append((object_id, changed_values(before, changes)))
        properties = applied_changes(before, changes)
        conn.execute(
            q.WRITE_PROPERTIES,
            (json.dumps(properties), now_ms, portal_id, object_type, object_id),
        )
        record = CrmObject(portal_id, object_type, object_id, properties, row[1], now_ms)
        updated.append(UpdatedRecord(record, before))
    add_versions(conn, (portal_id, object_type), versions, now_ms, SOURCE_API)
    return updated


def archive_objects(
    conn: sqlite3.Connection,
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
    key = (portal_id, object_type)
    for object_id in dict.fromkeys(ids):
        row = conn.execute(q.TAKE_OBJECT, (*key, object_id)).fetchone()
        edges = _delete_edges(conn, portal_id, object_type, object_id)
        if row is None:
            continue
        if not purge:
            conn.execute(q.ARCHIVE_OBJECT, (*key, object_id, *row, now_ms))
        else:  # purged: nothing can restore it, so its history goes too
            forget_history(conn, key, [object_id])
        result.ids.append(object_id)
        if with_edges:
            result.edges.extend(
                RemovedEdge(object_id, to_type, to_id, decode_types(types))
                for to_type, to_id, types in edges
            )
    return result


class SQLiteObjects(SQLiteWebhooks):
    # -- objects ----------------------------------------------------------------------

    async def create_objects(
        self,
        portal_id: int,
        object_type: str,
        properties: Sequence[Mapping[str, str]],
        now_ms: int,
    ) -> list[CrmObject]:
        return await self._write_tx(
            lambda c: create_objects(c, portal_id, object_type, properties, now_ms)
        )

    async def get_objects(
        self, portal_id: int, object_type: str, ids: Sequence[int]
    ) -> list[CrmObject]:
        read = self._read_small if len(ids) <= _INLINE_IDS else self._read
        rows = await read(lambda c: _by_ids(c, "objects", _COLUMNS, (portal_id, object_type), ids))
        return [_object(portal_id, object_type, row) for row in rows]

    async def list_objects(
        self, portal_id: int, object_type: str, start_id: int, limit: int
    ) -> list[CrmObject]:
        rows = await self._read(
            lambda c: c.execute(
                q.LIST_OBJECTS, (portal_id, object_type, start_id, limit)
            ).fetchall()
        )
        return [_object(portal_id, object_type, row) for row in rows]

    async def get_archived_objects(
        self, portal_id: int, object_type: str, ids: Sequence[int]
    ) -> list[tuple[CrmObject, int]]:
        rows = await self._read(
            lambda c: _by_ids(
                c,
                "archived_objects",
                _COLUMNS + ", archived_at_ms",
                (portal_id, object_type),
                ids,
            )
        )
        return [(_object(portal_id, object_type, r[:4]), r[4]) for r in rows]

    async def list_archived_objects(
        self, portal_id: int, object_type: str, start_id: int, limit: int
    ) -> list[tuple[CrmObject, int]]:
        rows = await self._read(
            lambda c: c.execute(
                q.LIST_ARCHIVED_OBJECTS, (portal_id, object_type, start_id, limit)
            ).fetchall()
        )
        return [(_object(portal_id, object_type, r[:4]), r[4]) for r in rows]

    async def update_objects(
        self,
        portal_id: int,
        object_type: str,
        updates: Sequence[tuple[int, Mapping[str, str | None]]],
        now_ms: int,
    ) -> list[CrmObject]:
        updated = await self._write_tx(
            lambda c: update_objects(c, portal_id, object_type, updates, now_ms)
        )
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
        archived = await self._write_tx(
            lambda c: archive_objects(
                c, portal_id, object_type, ids, now_ms, purge=purge, with_edges=False
            )
        )
        return archived.ids

    async def find_label(
        self, portal_id: int, from_type: str, category: int, type_id: int
    ) -> LabelDef | None:
        row = await self._read(
            lambda c: c.execute(q.FIND_LABEL, (portal_id, from_type, category, type_id)).fetchone()
        )
        return LabelDef(*row) if row else None
