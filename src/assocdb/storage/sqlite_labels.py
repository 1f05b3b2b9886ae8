"""SQLite: a portal's own association labels and limits.

Each operation is one function on a connection, used both by the store's own
one-statement transactions and by ``_SQLiteTx`` (the domain's unit of work)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from assocdb.domain.models import LabelDef, LimitDef
from assocdb.domain.store import UniqueViolation
from assocdb.errors import ValidationError
from assocdb.storage import queries as q
from assocdb.storage.sqlite_base import SQLiteBase

__all__ = [
    "SQLiteLabels",
    "add_labels",
    "allocate_type_ids",
    "delete_label",
    "delete_limits",
    "list_labels",
    "list_limits",
    "put_limits",
    "update_labels",
]


def list_labels(
    conn: sqlite3.Connection, portal: int, from_type: str, to_type: str
) -> list[LabelDef]:
    return [LabelDef(*r) for r in conn.execute(q.SELECT_LABELS, (portal, from_type, to_type))]


def add_labels(conn: sqlite3.Connection, portal: int, labels: Sequence[LabelDef]) -> None:
    rows = [
        (portal, d.from_type, d.to_type, d.category, d.type_id, d.name, d.label, d.inverse_type_id)
        for d in labels
    ]
    try:
        conn.executemany(q.INSERT_LABEL, rows)
    except sqlite3.IntegrityError as exc:
        raise UniqueViolation(str(exc)) from exc


def update_labels(conn: sqlite3.Connection, portal: int, labels: Sequence[LabelDef]) -> None:
    conn.executemany(
        q.UPDATE_LABEL,
        [(d.label, portal, d.from_type, d.to_type, d.category, d.type_id) for d in labels],
    )


def delete_label(conn: sqlite3.Connection, portal: int, label: LabelDef) -> bool:
    """Both directions with their limits, unless an edge uses the label (then False)."""
    sides = (
        (label.from_type, label.to_type, label.type_id),
        (label.to_type, label.from_type, label.inverse_type_id),
    )
    for from_type, to_type, type_id in sides:
        pattern = f"%,{label.category}:{type_id},%"
        if conn.execute(q.TYPE_IN_USE, (portal, from_type, to_type, pattern)).fetchone():
            return False
    for statement in (q.DELETE_LABEL, q.DELETE_LIMIT):
        conn.executemany(statement, [(portal, f, t, label.category, tid) for f, t, tid in sides])
    return True


def allocate_type_ids(conn: sqlite3.Connection, portal: int, count: int) -> int:
    row = conn.execute(q.ALLOCATE_TYPE_IDS, (count, portal)).fetchone()
    if row is None:
        raise ValidationError(f"Portal {portal} does not exist.")
    return int(row[0]) - count


def list_limits(
    conn: sqlite3.Connection, portal: int, from_type: str, to_type: str
) -> list[LimitDef]:
    return [LimitDef(*r) for r in conn.execute(q.SELECT_LIMITS, (portal, from_type, to_type))]


def put_limits(conn: sqlite3.Connection, portal: int, limits: Sequence[LimitDef]) -> None:
    conn.executemany(
        q.UPSERT_LIMIT,
        [
            (portal, d.from_type, d.to_type, d.category, d.type_id, d.max_to_object_ids)
            for d in limits
        ],
    )


def delete_limits(
    conn: sqlite3.Connection,
    portal: int,
    from_type: str,
    to_type: str,
    keys: Sequence[tuple[int, int]],
) -> None:
    conn.executemany(q.DELETE_LIMIT, [(portal, from_type, to_type, c, t) for c, t in keys])


class SQLiteLabels(SQLiteBase):
    async def list_labels(self, portal_id: int, from_type: str, to_type: str) -> list[LabelDef]:
        return await self._read(lambda c: list_labels(c, portal_id, from_type, to_type))

    async def update_labels(self, portal_id: int, labels: Sequence[LabelDef]) -> None:
        await self._write_tx(lambda c: update_labels(c, portal_id, labels))

    async def delete_label(self, portal_id: int, label: LabelDef) -> bool:
        """The check and the delete run in one write transaction, so no association can
        take the label in between."""
        return await self._write_tx(lambda c: delete_label(c, portal_id, label))

    async def list_limits(self, portal_id: int, from_type: str, to_type: str) -> list[LimitDef]:
        return await self._read(lambda c: list_limits(c, portal_id, from_type, to_type))

    async def list_all_limits(self, portal_id: int) -> list[LimitDef]:
        rows = await self._read(lambda c: c.execute(q.SELECT_ALL_LIMITS, (portal_id,)).fetchall())
        return [LimitDef(*row) for row in rows]

    async def put_limits(self, portal_id: int, limits: Sequence[LimitDef]) -> None:
        await self._write_tx(lambda c: put_limits(c, portal_id, limits))

    async def delete_limits(
        self, portal_id: int, from_type: str, to_type: str, keys: Sequence[tuple[int, int]]
    ) -> None:
        await self._write_tx(lambda c: delete_limits(c, portal_id, from_type, to_type, keys))
