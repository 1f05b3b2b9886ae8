"""SQLite: CRM records (live in ``objects``, archived in ``archived_objects``)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

from assocdb.domain.models import CrmObject, LabelDef
from assocdb.domain.webhooks import EventSink, object_changes
from assocdb.errors import ValidationError
from assocdb.storage import queries as q
from assocdb.storage.sqlite_base import chunks
from assocdb.storage.sqlite_webhooks import SQLiteWebhooks, flush_events

__all__ = ["SQLiteObjects", "create_objects", "purge_objects", "update_objects"]

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
        rows.extend(
            conn.execute(
                f"SELECT {columns} FROM {table} WHERE portal_id = ? AND object_type = ?"
                f" AND object_id IN ({marks}) ORDER BY object_id",
                (*key, *chunk),
            )
        )
    return rows


def _delete_edges(
    conn: sqlite3.Connection, portal_id: int, object_type: str, object_id: int
) -> None:
    """Every association of a record, both directions: each edge row and its inverse row."""
    edges = conn.execute(
        "SELECT to_type, to_id FROM associations WHERE portal_id = ? AND from_type = ?"
        " AND from_id = ?",
        (portal_id, object_type, object_id),
    ).fetchall()
    conn.executemany(
        "DELETE FROM associations WHERE portal_id = ? AND from_type = ? AND from_id = ?"
        " AND to_type = ? AND to_id = ?",
        [(portal_id, to_type, to_id, object_type, object_id) for to_type, to_id in edges],
    )
    conn.execute(
        "DELETE FROM associations WHERE portal_id = ? AND from_type = ? AND from_id = ?",
        (portal_id, object_type, object_id),
    )


def create_objects(
    conn: sqlite3.Connection,
    portal_id: int,
    object_type: str,
    properties: Sequence[Mapping[str, str]],
    now_ms: int,
) -> list[CrmObject]:
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
    return created


def purge_objects(
    conn: sqlite3.Connection, portal_id: int, object_type: str, ids: Sequence[int]
) -> None:
    for object_id in dict.fromkeys(ids):
        conn.execute(q.DELETE_OBJECT, (portal_id, object_type, object_id))
        _delete_edges(conn, portal_id, object_type, object_id)


def update_objects(
    conn: sqlite3.Connection,
    portal_id: int,
    object_type: str,
    updates: Sequence[tuple[int, Mapping[str, str | None]]],
    now_ms: int,
    sink: EventSink | None,
) -> list[CrmObject]:
    """Merge property changes into live records (None removes a property), inside the
    caller's write transaction; the records that exist, updated. Each update adds its
    webhook event to ``sink``."""
    updated: list[CrmObject] = []
    for object_id, changes in updates:
        row = conn.execute(
            "SELECT properties, created_at_ms FROM objects WHERE portal_id = ?"
            " AND object_type = ? AND object_id = ?",
            (portal_id, object_type, object_id),
        ).fetchone()
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
        conn.execute(
            "UPDATE objects SET properties = ?, updated_at_ms = ? WHERE portal_id = ?"
            " AND object_type = ? AND object_id = ?",
            (json.dumps(properties), now_ms, portal_id, object_type, object_id),
        )
        updated.append(CrmObject(portal_id, object_type, object_id, properties, row[1], now_ms))
    return updated


class SQLiteObjects(SQLiteWebhooks):
    # -- objects ----------------------------------------------------------------------

    async def create_objects(
        self,
        portal_id: int,
        object_type: str,
        properties: Sequence[Mapping[str, str]],
        now_ms: int,
    ) -> list[CrmObject]:
        sink = await self.sinks.sink(portal_id)

        def run(conn: sqlite3.Connection) -> list[CrmObject]:
            created = create_objects(conn, portal_id, object_type, properties, now_ms)
            if sink is not None:  # webhooks: record writes outside a unit of work emit here
                for o in created:
                    object_changes(sink, object_type, o.object_id, "creation", now_ms, o.properties)
                flush_events(conn, sink, now_ms)
            return created

        created = await self._write_tx(run)
        self.sinks.committed(sink)
        return created

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
        sink = await self.sinks.sink(portal_id)

        def run(conn: sqlite3.Connection) -> list[CrmObject]:
            updated = update_objects(conn, portal_id, object_type, updates, now_ms, sink)
            flush_events(conn, sink, now_ms)
            return updated

        updated = await self._write_tx(run)
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
        sink = await self.sinks.sink(portal_id)

        def run(conn: sqlite3.Connection) -> list[int]:
            archived: list[int] = []
            key = (portal_id, object_type)
            for object_id in dict.fromkeys(ids):
                row = conn.execute(
                    "DELETE FROM objects WHERE portal_id = ? AND object_type = ?"
                    " AND object_id = ? RETURNING properties, created_at_ms, updated_at_ms",
                    (*key, object_id),
                ).fetchone()
                _delete_edges(conn, portal_id, object_type, object_id)
                if row is None:
                    continue
                if not purge:
                    conn.execute(
                        "INSERT OR REPLACE INTO archived_objects (portal_id, object_type,"
                        " object_id, properties, created_at_ms, updated_at_ms, archived_at_ms)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (*key, object_id, *row, now_ms),
                    )
                archived.append(object_id)
                if sink is not None:  # webhooks: until object writes run on StoreTx
                    object_changes(sink, object_type, object_id, "deletion", now_ms)
            flush_events(conn, sink, now_ms)
            return archived

        archived = await self._write_tx(run)
        self.sinks.committed(sink)
        return archived

    async def find_label(
        self, portal_id: int, from_type: str, category: int, type_id: int
    ) -> LabelDef | None:
        row = await self._read(
            lambda c: c.execute(q.FIND_LABEL, (portal_id, from_type, category, type_id)).fetchone()
        )
        return LabelDef(*row) if row else None
