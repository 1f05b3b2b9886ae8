"""SQLite backend (stdlib ``sqlite3``, WAL), the embedded default.

The store is assembled from parts, one per area (``sqlite_objects``, ``sqlite_labels``),
over the shared plumbing in ``sqlite_base``; this module holds portals, tokens and the
association edges themselves.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from assocdb.domain.clock import now_ms
from assocdb.domain.history import SOURCE_API
from assocdb.domain.models import CrmObject, LabelDef, LimitDef, Portal, TokenRecord, TypeSet
from assocdb.domain.store import (
    ArchivedRecords,
    EdgeWrite,
    PageRequest,
    PageRows,
    UpdatedRecord,
)
from assocdb.domain.webhooks import EventSink
from assocdb.errors import ValidationError
from assocdb.storage import queries as q
from assocdb.storage import sqlite_labels as labels
from assocdb.storage import sqlite_objects as objects
from assocdb.storage.primary import flagger
from assocdb.storage.sqlite_base import INLINE_READ_ROWS, SQLiteBase, SQLiteTxCore, chunks, rollback
from assocdb.storage.sqlite_explorer import SQLiteExplorer
from assocdb.storage.sqlite_harness import SQLiteHarness
from assocdb.storage.sqlite_history import SQLiteHistory
from assocdb.storage.sqlite_inventory import SQLiteInventory
from assocdb.storage.sqlite_labels import SQLiteLabels
from assocdb.storage.sqlite_merges import SQLiteMerges, SQLiteMergeTx
from assocdb.storage.sqlite_objects import SQLiteObjects
from assocdb.storage.sqlite_owners import SQLiteOwners
from assocdb.storage.sqlite_pipelines import SQLitePipelines
from assocdb.storage.sqlite_properties import SQLiteProperties
from assocdb.storage.sqlite_recordtx import SQLiteRecordTx
from assocdb.storage.sqlite_schemas import SQLiteSchemas
from assocdb.storage.sqlite_search import SQLiteSearch
from assocdb.storage.sqlite_webhooks import flush_events
from assocdb.storage.typesets import decode_types, encode_types

__all__ = ["SQLiteStore"]

T = TypeVar("T")

_READ_PAGE = (
    "SELECT to_id, types FROM associations"
    " WHERE portal_id = ? AND from_type = ? AND from_id = ? AND to_type = ? AND to_id > ?"
    " ORDER BY to_id LIMIT ?"
)
_UPSERT_EDGE = (
    "INSERT INTO associations (portal_id, from_type, from_id, to_type, to_id, types, is_primary)"
    " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (portal_id, from_type, from_id, to_type, to_id)"
    " DO UPDATE SET types = excluded.types, is_primary = excluded.is_primary"
)


def _write_order(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """(from_type, from_id, is_primary, to_id) of an edge row for ``_UPSERT_EDGE``."""
    return (row[1], row[2], row[6], row[4])


_DELETE_EDGE = (
    "DELETE FROM associations WHERE portal_id = ? AND from_type = ? AND from_id = ?"
    " AND to_type = ? AND to_id = ?"
)


class SQLiteStore(
    SQLiteSchemas,
    SQLiteMerges,
    SQLitePipelines,
    SQLiteOwners,
    SQLiteObjects,
    SQLiteHistory,
    SQLiteLabels,
    SQLiteProperties,
    SQLiteSearch,
    SQLiteHarness,
    SQLiteInventory,
    SQLiteExplorer,
    SQLiteBase,
):
    # -- portals and tokens -----------------------------------------------------------

    async def create_portal(self, portal_id: int | None, name: str, now_ms: int) -> Portal:
        def run(conn: sqlite3.Connection) -> Portal:
            try:
                (new_id,) = conn.execute(q.CREATE_PORTAL, (portal_id, name, now_ms)).fetchone()
            except sqlite3.IntegrityError:
                raise ValidationError(f"Portal {portal_id} already exists.") from None
            return Portal(int(new_id), name, now_ms)

        return await self._write_tx(run)

    async def get_portal(self, portal_id: int) -> Portal | None:
        row = await self._read(lambda c: c.execute(q.GET_PORTAL, (portal_id,)).fetchone())
        return Portal(*row) if row else None

    async def add_token(self, token: TokenRecord) -> None:
        await self._write_tx(
            lambda c: c.execute(
                q.ADD_TOKEN,
                (
                    token.token_hash,
                    token.portal_id,
                    " ".join(sorted(token.scopes)),
                    token.created_at_ms,
                    token.expires_at_ms,
                    int(token.revoked),
                ),
            )
        )

    async def find_token(self, token_hash: str) -> TokenRecord | None:
        row = await self._read_small(lambda c: c.execute(q.FIND_TOKEN, (token_hash,)).fetchone())
        if row is None:
            return None
        return TokenRecord(row[0], row[1], frozenset(row[2].split()), row[3], row[4], bool(row[5]))

    async def revoke_token(self, token_hash: str) -> bool:
        def run(conn: sqlite3.Connection) -> bool:
            cur = conn.execute(q.REVOKE_TOKEN, (True, token_hash))
            return cur.rowcount > 0

        return await self._write_tx(run)

    async def set_portal_rate_limit(self, portal_id: int, policy: str | None) -> bool:
        def run(conn: sqlite3.Connection) -> bool:
            cur = conn.execute(q.SET_RATE_LIMIT, (policy, portal_id))
            return cur.rowcount > 0

        return await self._write_tx(run)

    async def list_portal_rate_limits(self) -> dict[int, str]:
        rows = await self._read(lambda c: c.execute(q.LIST_RATE_LIMITS).fetchall())
        return {int(r[0]): str(r[1]) for r in rows}

    # -- associations -----------------------------------------------------------------

    async def read_pages(
        self,
        portal_id: int,
        from_type: str,
        to_type: str,
        requests: Sequence[PageRequest],
        limit: int,
    ) -> list[PageRows]:
        def run(conn: sqlite3.Connection) -> list[PageRows]:
            # One read transaction: every page of the batch sees the same snapshot.
            conn.execute("BEGIN")
            try:
                return [
                    [
                        (to_id, decode_types(types))
                        for to_id, types in conn.execute(
                            _READ_PAGE, (portal_id, from_type, from_id, to_type, after, limit)
                        )
                    ]
                    for from_id, after in requests
                ]
            finally:
                conn.execute("COMMIT")

        if len(requests) * limit <= INLINE_READ_ROWS:
            return await self._read_small(run)
        return await self._read(run)

    async def count_edges(self, portal_id: int) -> int:
        row = await self._read(lambda c: c.execute(q.COUNT_EDGES, (portal_id,)).fetchone())
        return int(row[0])

    @asynccontextmanager
    async def transaction(self, portal_id: int) -> AsyncIterator[_SQLiteTx]:
        async with self._write_lock:
            tx = _SQLiteTx(self, portal_id)
            try:
                await self.open_events(tx, portal_id)  # webhooks seam: tx.events
                yield tx
                # The outbox rows and COMMIT in one thread hop; BEGIN IMMEDIATE ran with
                # the first operation (``SQLiteTxCore._write``): two hops for a one-write
                # unit of work, as a single storage call had before record writes moved
                # into the domain's unit of work.
                await asyncio.shield(self._write(lambda c: _finish(c, tx)))
            except BaseException:
                await asyncio.shield(self._write(rollback))  # also after a failed COMMIT
                raise
        self.sinks.committed(tx.events)


def _finish(conn: sqlite3.Connection, tx: _SQLiteTx) -> None:
    """Write the transaction's events to the outbox and COMMIT (nothing to do for a unit
    of work that neither wrote nor read)."""
    if not tx.begun:
        if tx.events is None or not tx.events.changes:
            return
        conn.execute("BEGIN IMMEDIATE")
        tx.begun = True
    flush_events(conn, tx.events, now_ms())
    conn.execute("COMMIT")


class _SQLiteTx(SQLiteRecordTx, SQLiteMergeTx, SQLiteTxCore):
    """The unit of work: graph, label, limit and record operations. Other areas add a
    mixin (a ``SQLiteTxCore`` subclass in their own module) to these bases."""

    events: EventSink | None = None
    """Webhook events of this transaction (set by ``open_events``; see StoreTx.events)."""

    async def lock_pairs(self, pairs: Sequence[tuple[str, str]], *, exclusive: bool) -> None:
        """Nothing to do: ``BEGIN IMMEDIATE`` already runs one writer at a time per file."""

    async def lock_records(self, records: Sequence[tuple[str, int]]) -> None:
        """Nothing to do: ``BEGIN IMMEDIATE`` already runs one writer at a time per file."""

    async def existing_object_ids(self, object_type: str, ids: Sequence[int]) -> set[int]:
        portal = self._portal

        def run(conn: sqlite3.Connection) -> set[int]:
            found: set[int] = set()
            for chunk in chunks(list(set(ids)), 500):
                marks = ",".join("?" * len(chunk))
                query = q.by_ids("object_id", "objects", f"IN ({marks})")
                found.update(r[0] for r in conn.execute(query, (portal, object_type, *chunk)))
            return found

        return await self._run(run)

    async def get_pairs(
        self, from_type: str, to_type: str, pairs: Sequence[tuple[int, int]]
    ) -> dict[tuple[int, int], TypeSet]:
        portal = self._portal

        def run(conn: sqlite3.Connection) -> dict[tuple[int, int], TypeSet]:
            out: dict[tuple[int, int], TypeSet] = {}
            for from_id, to_id in pairs:
                row = conn.execute(
                    "SELECT types FROM associations WHERE portal_id = ? AND from_type = ?"
                    " AND from_id = ? AND to_type = ? AND to_id = ?",
                    (portal, from_type, from_id, to_type, to_id),
                ).fetchone()
                if row is not None:
                    out[(from_id, to_id)] = decode_types(row[0])
            return out

        return await self._write(run)

    async def edges_from(
        self, from_type: str, to_type: str, from_ids: Sequence[int]
    ) -> list[tuple[int, int, TypeSet]]:
        portal = self._portal

        def run(conn: sqlite3.Connection) -> list[tuple[int, int, TypeSet]]:
            return [
                (from_id, to_id, decode_types(types))
                for from_id in sorted(set(from_ids))
                for to_id, types in conn.execute(
                    "SELECT to_id, types FROM associations WHERE portal_id = ? AND from_type = ?"
                    " AND from_id = ? AND to_type = ? ORDER BY to_id",
                    (portal, from_type, from_id, to_type),
                )
            ]

        return await self._write(run)

    async def put_pairs(self, from_type: str, to_type: str, edges: Sequence[EdgeWrite]) -> None:
        portal = self._portal
        fwd, bwd = flagger(from_type, to_type), flagger(to_type, from_type)

        def run(conn: sqlite3.Connection) -> None:
            upserts = [e for e in edges if e[2]]
            deletes = [e for e in edges if not e[2]]
            encoded = encode_types  # memoised: a write holds few distinct type sets
            forward = [
                (portal, from_type, f, to_type, t, encoded(fw), bool(fwd and fwd(fw)))
                for f, t, fw, _ in upserts
            ]
            backward = [
                (portal, to_type, t, from_type, f, encoded(inv), bool(bwd and bwd(inv)))
                for f, t, _, inv in upserts
            ]
            conn.executemany(
                _DELETE_EDGE,
                [
                    row
                    for f, t, _, _ in deletes
                    for row in (
                        (portal, from_type, f, to_type, t),
                        (portal, to_type, t, from_type, f),
                    )
                ],
            )
            # Key order (each B-tree page is touched once per run of rows, not at random),
            # except that within one record's rows those without the flag come first: the
            # unique index is checked row by row and is per record and to-type, so the old
            # Primary is cleared before the new one is set (storage/primary.py).
            rows = forward + backward
            rows.sort(key=_write_order)
            conn.executemany(_UPSERT_EDGE, rows)

        await self._run(run)

    async def labels_for_write(self, from_type: str, to_type: str) -> list[LabelDef]:
        # On the writer connection inside BEGIN IMMEDIATE: no label can change meanwhile.
        return await self._run(lambda c: labels.list_labels(c, self._portal, from_type, to_type))

    async def add_labels(self, defs: Sequence[LabelDef]) -> None:
        await self._run(lambda c: labels.add_labels(c, self._portal, defs))

    async def update_labels(self, defs: Sequence[LabelDef]) -> None:
        await self._run(lambda c: labels.update_labels(c, self._portal, defs))

    async def delete_label(self, label: LabelDef) -> bool:
        return await self._run(lambda c: labels.delete_label(c, self._portal, label))

    async def allocate_type_ids(self, count: int) -> int:
        return await self._run(lambda c: labels.allocate_type_ids(c, self._portal, count))

    async def list_limits(self, from_type: str, to_type: str) -> list[LimitDef]:
        return await self._run(lambda c: labels.list_limits(c, self._portal, from_type, to_type))

    async def put_limits(self, limits: Sequence[LimitDef]) -> None:
        await self._run(lambda c: labels.put_limits(c, self._portal, limits))

    async def delete_limits(
        self, from_type: str, to_type: str, keys: Sequence[tuple[int, int]]
    ) -> None:
        await self._run(lambda c: labels.delete_limits(c, self._portal, from_type, to_type, keys))

    async def create_objects(
        self,
        object_type: str,
        properties: Sequence[Mapping[str, str]],
        now_ms: int,
        *,
        source: str = SOURCE_API,
    ) -> list[CrmObject]:
        return await self._run(
            lambda c: objects.create_objects(
                c, self._portal, object_type, properties, now_ms, source
            )
        )

    async def update_objects(
        self,
        object_type: str,
        updates: Sequence[tuple[int, Mapping[str, str | None]]],
        now_ms: int,
    ) -> list[UpdatedRecord]:
        return await self._run(
            lambda c: objects.update_objects(c, self._portal, object_type, updates, now_ms)
        )

    async def archive_objects(
        self,
        object_type: str,
        ids: Sequence[int],
        now_ms: int,
        *,
        purge: bool = False,
        with_edges: bool = False,
    ) -> ArchivedRecords:
        return await self._run(
            lambda c: objects.archive_objects(
                c, self._portal, object_type, ids, now_ms, purge=purge, with_edges=with_edges
            )
        )

    async def purge_objects(self, object_type: str, ids: Sequence[int]) -> None:
        await self._run(lambda c: objects.purge_objects(c, self._portal, object_type, ids))
