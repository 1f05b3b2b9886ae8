"""SQLite: property history (domain/history.py), written on the record write's own
connection inside its transaction."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from assocdb.domain.history import MAX_VERSIONS, PropertyVersion, Versions
from assocdb.storage import history_sql as q
from assocdb.storage.sqlite_base import SQLiteBase, chunks

__all__ = ["SQLiteHistory", "add_versions", "forget_history"]

Write = tuple[int, Sequence[tuple[str, str]]]
"""(object id, [(property, value)]) of one record write."""


def add_versions(
    conn: sqlite3.Connection,
    key: tuple[int, str],
    writes: Sequence[Write],
    now_ms: int,
    source: str,
    *,
    new: bool = False,
) -> None:
    """Append a version per (property, value); ``new``: the records were just created, so
    each property starts at version 1 without a look-up."""
    rows: list[tuple[object, ...]] = []
    trims: list[tuple[object, ...]] = []
    for object_id, values in writes:
        for name, value in values:
            version = 1
            if not new:
                last = conn.execute(q.HISTORY_LAST, (*key, object_id, name)).fetchone()[0]
                version = (last or 0) + 1
            rows.append((*key, object_id, name, version, value, now_ms, source))
            if version > MAX_VERSIONS:
                trims.append((*key, object_id, name, version - MAX_VERSIONS))
    if rows:
        conn.executemany(q.HISTORY_INSERT, rows)
    if trims:
        conn.executemany(q.HISTORY_TRIM, trims)


def forget_history(conn: sqlite3.Connection, key: tuple[int, str], ids: Sequence[int]) -> None:
    conn.executemany(q.HISTORY_FORGET, [(*key, i) for i in dict.fromkeys(ids)])


def _read(
    conn: sqlite3.Connection, key: tuple[int, str], ids: Sequence[int], names: Sequence[str]
) -> Versions:
    found: Versions = {}
    wanted = sorted(set(names))
    for chunk in chunks(sorted(set(ids)), 100):
        id_marks = ",".join("?" * len(chunk))
        name_marks = ",".join("?" * len(wanted))
        rows = conn.execute(
            "SELECT object_id, property, value, timestamp_ms, source_type FROM property_history"
            f" WHERE portal_id = ? AND object_type = ? AND object_id IN ({id_marks})"
            f" AND property IN ({name_marks}) ORDER BY object_id, property, version DESC",
            (*key, *chunk, *wanted),
        )
        for object_id, name, value, at, source in rows:
            found.setdefault(object_id, {}).setdefault(name, []).append(
                PropertyVersion(value, at, source)
            )
    return found


class SQLiteHistory(SQLiteBase):
    async def property_history(
        self, portal_id: int, object_type: str, ids: Sequence[int], names: Sequence[str]
    ) -> Versions:
        if not ids or not names:
            return {}
        return await self._read(lambda c: _read(c, (portal_id, object_type), ids, names))
