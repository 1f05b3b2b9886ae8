"""PostgreSQL: a portal's own association labels and limits (mirrors sqlite_labels).

Each operation is one function on a connection, used both by the store's own
transactions and by ``_PostgresTx`` (the domain's unit of work). The SQL is shared with
SQLite (``storage/queries.py``)."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from assocdb.domain.models import LabelDef, LimitDef
from assocdb.domain.store import UniqueViolation
from assocdb.errors import ValidationError
from assocdb.storage import queries as q
from assocdb.storage.postgres_base import PostgresBase
from assocdb.storage.sql import pg

__all__ = [
    "PostgresLabels",
    "add_labels",
    "allocate_type_ids",
    "delete_label",
    "delete_limits",
    "list_labels",
    "list_limits",
    "lock_pairs",
    "put_limits",
    "update_labels",
]

# A pair lock is a transaction-level advisory lock on a 64-bit hash of (portal, pair).
# Advisory locks go through PostgreSQL's lock manager, which queues a new request behind
# a conflicting one already waiting: a label change (exclusive) waits only for the writers
# that hold the pair now, never for the stream that keeps arriving after it. Row locks
# (FOR SHARE on the label rows, as before) do not queue that way, so under steady write
# load a label rename or delete starved. Two pairs hashing alike only serialise more.
_LOCK_SHARED = "SELECT pg_advisory_xact_lock_shared(hashtextextended($1, 0))"
_LOCK_EXCLUSIVE = "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))"


def pair_key(portal: int, pair: tuple[str, str]) -> str:
    low, high = sorted(pair)
    return f"assocdb-pair|{portal}|{low}|{high}"


async def lock_pairs(
    conn: asyncpg.Connection, portal: int, pairs: Sequence[tuple[str, str]], exclusive: bool
) -> None:
    """Take the pairs' locks in one global order (their keys sorted), so two transactions
    that each need several pairs can never wait for each other in a cycle."""
    statement = _LOCK_EXCLUSIVE if exclusive else _LOCK_SHARED
    for key in sorted({pair_key(portal, p) for p in pairs}):
        await conn.execute(statement, key)


async def list_labels(
    conn: asyncpg.Connection | asyncpg.Pool, portal: int, from_type: str, to_type: str
) -> list[LabelDef]:
    rows = await conn.fetch(pg(q.SELECT_LABELS), portal, from_type, to_type)
    return [LabelDef(*row) for row in rows]


async def add_labels(conn: asyncpg.Connection, portal: int, labels: Sequence[LabelDef]) -> None:
    rows = [
        (portal, d.from_type, d.to_type, d.category, d.type_id, d.name, d.label, d.inverse_type_id)
        for d in labels
    ]
    try:
        await conn.executemany(pg(q.INSERT_LABEL), rows)
    except asyncpg.UniqueViolationError as exc:
        raise UniqueViolation(str(exc)) from exc


async def update_labels(conn: asyncpg.Connection, portal: int, labels: Sequence[LabelDef]) -> None:
    await conn.executemany(
        pg(q.UPDATE_LABEL),
        [(d.label, portal, d.from_type, d.to_type, d.category, d.type_id) for d in labels],
    )


async def delete_label(conn: asyncpg.Connection, portal: int, label: LabelDef) -> bool:
    """Both directions with their limits, unless an edge uses the label (then False).

    The pair's exclusive lock first: writers that may be adding the label finish before the
    in-use check (READ COMMITTED: it then sees their edges), later ones see it gone."""
    await lock_pairs(conn, portal, [(label.from_type, label.to_type)], exclusive=True)
    sides = (
        (label.from_type, label.to_type, label.type_id),
        (label.to_type, label.from_type, label.inverse_type_id),
    )
    for from_type, to_type, type_id in sides:
        pattern = f"%,{label.category}:{type_id},%"
        if await conn.fetchval(pg(q.TYPE_IN_USE), portal, from_type, to_type, pattern):
            return False
    for statement in (q.DELETE_LABEL, q.DELETE_LIMIT):
        await conn.executemany(
            pg(statement), [(portal, f, t, label.category, tid) for f, t, tid in sides]
        )
    return True


async def allocate_type_ids(conn: asyncpg.Connection, portal: int, count: int) -> int:
    next_id = await conn.fetchval(pg(q.ALLOCATE_TYPE_IDS), count, portal)
    if next_id is None:
        raise ValidationError(f"Portal {portal} does not exist.")
    return int(next_id) - count


async def list_limits(
    conn: asyncpg.Connection | asyncpg.Pool, portal: int, from_type: str, to_type: str
) -> list[LimitDef]:
    rows = await conn.fetch(pg(q.SELECT_LIMITS), portal, from_type, to_type)
    return [LimitDef(*row) for row in rows]


async def put_limits(conn: asyncpg.Connection, portal: int, limits: Sequence[LimitDef]) -> None:
    await conn.executemany(
        pg(q.UPSERT_LIMIT),
        [
            (portal, d.from_type, d.to_type, d.category, d.type_id, d.max_to_object_ids)
            for d in limits
        ],
    )


async def delete_limits(
    conn: asyncpg.Connection,
    portal: int,
    from_type: str,
    to_type: str,
    keys: Sequence[tuple[int, int]],
) -> None:
    await conn.executemany(
        pg(q.DELETE_LIMIT), [(portal, from_type, to_type, c, t) for c, t in keys]
    )


class PostgresLabels(PostgresBase):
    async def list_labels(self, portal_id: int, from_type: str, to_type: str) -> list[LabelDef]:
        # The primary: writes validate label sets against this.
        return await list_labels(self.pool, portal_id, from_type, to_type)

    async def update_labels(self, portal_id: int, labels: Sequence[LabelDef]) -> None:
        async with self._connection() as conn, conn.transaction():
            await update_labels(conn, portal_id, labels)

    async def delete_label(self, portal_id: int, label: LabelDef) -> bool:
        async with self._connection() as conn, conn.transaction():
            return await delete_label(conn, portal_id, label)

    async def list_limits(self, portal_id: int, from_type: str, to_type: str) -> list[LimitDef]:
        return await list_limits(self.pool, portal_id, from_type, to_type)

    async def list_all_limits(self, portal_id: int) -> list[LimitDef]:
        rows = await self.read_db.fetch(pg(q.SELECT_ALL_LIMITS), portal_id)
        return [LimitDef(*row) for row in rows]

    async def put_limits(self, portal_id: int, limits: Sequence[LimitDef]) -> None:
        async with self._connection() as conn, conn.transaction():
            await lock_pairs(conn, portal_id, [(d.from_type, d.to_type) for d in limits], True)
            await put_limits(conn, portal_id, limits)

    async def delete_limits(
        self, portal_id: int, from_type: str, to_type: str, keys: Sequence[tuple[int, int]]
    ) -> None:
        async with self._connection() as conn, conn.transaction():
            await lock_pairs(conn, portal_id, [(from_type, to_type)], True)
            await delete_limits(conn, portal_id, from_type, to_type, keys)
