"""PostgreSQL: property history (domain/history.py), written on the record write's own
connection inside its transaction (mirrors sqlite_history)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeAlias

import asyncpg

from assocdb.domain.history import MAX_VERSIONS, PropertyVersion, Versions
from assocdb.storage import history_sql as q
from assocdb.storage.postgres_base import Guarded, PostgresBase
from assocdb.storage.sql import pg

__all__ = ["PostgresHistory", "add_versions", "copy_first_versions", "forget_history"]

Write = tuple[int, Sequence[tuple[str, str]]]
"""(object id, [(property, value)]) of one record write."""
Conn: TypeAlias = asyncpg.Connection | Guarded

# Every (record, property) of a write in one round trip: the last version of each.
_LAST_VERSIONS = (
    "SELECT object_id, property, max(version) FROM property_history WHERE portal_id = $1"
    " AND object_type = $2 AND object_id = ANY($3::bigint[]) AND property = ANY($4::text[])"
    " GROUP BY object_id, property"
)
_READ = (
    "SELECT object_id, property, value, timestamp_ms, source_type FROM property_history"
    " WHERE portal_id = $1 AND object_type = $2 AND object_id = ANY($3::bigint[])"
    " AND property = ANY($4::text[]) ORDER BY object_id, property, version DESC"
)


async def copy_first_versions(
    conn: asyncpg.Connection,
    key: tuple[int, str],
    writes: Sequence[Write],
    now_ms: int,
    source: str,
    schema: str | None,
) -> None:
    """Version 1 of each value of records just created, by COPY like the records."""
    rows = [
        (*key, object_id, name, 1, value, now_ms, source)
        for object_id, values in writes
        for name, value in values
    ]
    if rows:
        await conn.copy_records_to_table(
            "property_history", records=rows, columns=q.HISTORY_COLUMNS, schema_name=schema
        )


async def add_versions(
    conn: Conn, key: tuple[int, str], writes: Sequence[Write], now_ms: int, source: str
) -> None:
    """Append a version per (property, value) after each property's last one; the
    records are locked by the caller, so no other writer numbers the same versions."""
    writes = [(i, values) for i, values in writes if values]
    if not writes:
        return
    ids = sorted({i for i, _ in writes})
    names = sorted({name for _, values in writes for name, _ in values})
    last = {(r[0], r[1]): int(r[2]) for r in await conn.fetch(_LAST_VERSIONS, *key, ids, names)}
    rows: list[tuple[Any, ...]] = []
    trims: list[tuple[Any, ...]] = []
    for object_id, values in writes:
        for name, value in values:
            version = last.get((object_id, name), 0) + 1
            last[(object_id, name)] = version
            rows.append((*key, object_id, name, version, value, now_ms, source))
            if version > MAX_VERSIONS:
                trims.append((*key, object_id, name, version - MAX_VERSIONS))
    await conn.executemany(pg(q.HISTORY_INSERT), rows)
    if trims:
        await conn.executemany(pg(q.HISTORY_TRIM), trims)


async def forget_history(conn: Conn, key: tuple[int, str], ids: Sequence[int]) -> None:
    await conn.execute(
        "DELETE FROM property_history WHERE portal_id = $1 AND object_type = $2"
        " AND object_id = ANY($3::bigint[])",
        *key,
        sorted(set(ids)),
    )


class PostgresHistory(PostgresBase):
    async def property_history(
        self, portal_id: int, object_type: str, ids: Sequence[int], names: Sequence[str]
    ) -> Versions:
        if not ids or not names:
            return {}
        rows = await self.read_db.fetch(
            _READ, portal_id, object_type, sorted(set(ids)), sorted(set(names))
        )
        found: Versions = {}
        for object_id, name, value, at, source in rows:
            found.setdefault(object_id, {}).setdefault(name, []).append(
                PropertyVersion(value, at, source)
            )
        return found
