"""SQLite backend (stdlib ``sqlite3``, WAL), the embedded default.

The store is assembled from parts, one per area (``sqlite_objects``, ``sqlite_labels``),
over the shared plumbing in ``sqlite_base``; this module holds portals, tokens and the
association edges themselves.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from assocdb.domain.clock import now_ms
from assocdb.domain.models import LabelDef, Portal, TokenRecord, TypeSet
from assocdb.domain.store import EdgeWrite, PageRequest, PageRows
from assocdb.domain.webhooks import EventSink
from assocdb.errors import ValidationError
from assocdb.storage.sqlite_base import INLINE_READ_ROWS, SQLiteBase, chunks
from assocdb.storage.sqlite_explorer import SQLiteExplorer
from assocdb.storage.sqlite_harness import SQLiteHarness
from assocdb.storage.sqlite_inventory import SQLiteInventory
from assocdb.storage.sqlite_labels import SQLiteLabels
from assocdb.storage.sqlite_objects import SQLiteObjects
from assocdb.storage.sqlite_webhooks import flush_events
from assocdb.storage.typesets import decode_types, encode_types

__all__ = ["SQLiteStore"]

_READ_PAGE = (
    "SELECT to_id, types FROM associations"
    " WHERE portal_id = ? AND from_type = ? AND from_id = ? AND to_type = ? AND to_id > ?"
    " ORDER BY to_id LIMIT ?"
)


class SQLiteStore(
    SQLiteObjects, SQLiteLabels, SQLiteHarness, SQLiteInventory, SQLiteExplorer, SQLiteBase
):
    # -- portals and tokens -----------------------------------------------------------

    async def create_portal(self, portal_id: int | None, name: str, now_ms: int) -> Portal:
        def run(conn: sqlite3.Connection) -> Portal:
            try:
                cur = conn.execute(
                    "INSERT INTO portals (portal_id, name, created_at_ms) VALUES (?, ?, ?)",
                    (portal_id, name, now_ms),
                )
            except sqlite3.IntegrityError:
                raise ValidationError(f"Portal {portal_id} already exists.") from None
            new_id = portal_id if portal_id is not None else cur.lastrowid
            assert new_id is not None
            return Portal(new_id, name, now_ms)

        return await self._write_tx(run)

    async def get_portal(self, portal_id: int) -> Portal | None:
        row = await self._read(
            lambda c: c.execute(
                "SELECT portal_id, name, created_at_ms FROM portals WHERE portal_id = ?",
                (portal_id,),
            ).fetchone()
        )
        return Portal(*row) if row else None

    async def add_token(self, token: TokenRecord) -> None:
        await self._write_tx(
            lambda c: c.execute(
                "INSERT INTO tokens (token_hash, portal_id, scopes, created_at_ms, expires_at_ms,"
                " revoked) VALUES (?, ?, ?, ?, ?, ?)",
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
        row = await self._read_small(
            lambda c: c.execute(
                "SELECT token_hash, portal_id, scopes, created_at_ms, expires_at_ms, revoked"
                " FROM tokens WHERE token_hash = ?",
                (token_hash,),
            ).fetchone()
        )
        if row is None:
            return None
        return TokenRecord(row[0], row[1], frozenset(row[2].split()), row[3], row[4], bool(row[5]))

    async def revoke_token(self, token_hash: str) -> bool:
        def run(conn: sqlite3.Connection) -> bool:
            cur = conn.execute("UPDATE tokens SET revoked = 1 WHERE token_hash = ?", (token_hash,))
            return cur.rowcount > 0

        return await self._write_tx(run)

    async def set_portal_rate_limit(self, portal_id: int, policy: str | None) -> bool:
        def run(conn: sqlite3.Connection) -> bool:
            cur = conn.execute(
                "UPDATE portals SET rate_limit = ? WHERE portal_id = ?", (policy, portal_id)
            )
            return cur.rowcount > 0

        return await self._write_tx(run)

    async def list_portal_rate_limits(self) -> dict[int, str]:
        rows = await self._read(
            lambda c: c.execute(
                "SELECT portal_id, rate_limit FROM portals WHERE rate_limit IS NOT NULL"
            ).fetchall()
        )
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
        row = await self._read(
            lambda c: c.execute(
                "SELECT count(*) FROM associations WHERE portal_id = ?", (portal_id,)
            ).fetchone()
        )
        return int(row[0])

    @asynccontextmanager
    async def transaction(self, portal_id: int) -> AsyncIterator[_SQLiteTx]:
        async with self._write_lock:
            await self._write(lambda c: c.execute("BEGIN IMMEDIATE"))
            tx = _SQLiteTx(self, portal_id)
            try:
                await self.open_events(tx, portal_id)  # webhooks seam: tx.events
                yield tx
                await self._write(lambda c: flush_events(c, tx.events, now_ms()))
            except BaseException:
                await asyncio.shield(self._write(lambda c: c.execute("ROLLBACK")))
                raise
            await asyncio.shield(self._write(lambda c: c.execute("COMMIT")))
            self.sinks.committed(tx.events)


class _SQLiteTx:
    def __init__(self, store: SQLiteStore, portal_id: int) -> None:
        self._store = store
        self._portal = portal_id
        self.events: EventSink | None = None

    async def lock_records(self, records: Sequence[tuple[str, int]]) -> None:
        """Nothing to do: ``BEGIN IMMEDIATE`` already runs one writer at a time per file."""

    async def existing_object_ids(self, object_type: str, ids: Sequence[int]) -> set[int]:
        portal = self._portal

        def run(conn: sqlite3.Connection) -> set[int]:
            found: set[int] = set()
            for chunk in chunks(list(set(ids)), 500):
                marks = ",".join("?" * len(chunk))
                found.update(
                    r[0]
                    for r in conn.execute(
                        "SELECT object_id FROM objects WHERE portal_id = ? AND object_type = ?"
                        f" AND object_id IN ({marks})",
                        (portal, object_type, *chunk),
                    )
                )
            return found

        return await self._store._write(run)

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

        return await self._store._write(run)

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

        return await self._store._write(run)

    async def put_pairs(self, from_type: str, to_type: str, edges: Sequence[EdgeWrite]) -> None:
        portal = self._portal

        def run(conn: sqlite3.Connection) -> None:
            upsert = (
                "INSERT INTO associations (portal_id, from_type, from_id, to_type, to_id, types)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (portal_id, from_type, from_id, to_type,"
                " to_id) DO UPDATE SET types = excluded.types"
            )
            delete = (
                "DELETE FROM associations WHERE portal_id = ? AND from_type = ? AND from_id = ?"
                " AND to_type = ? AND to_id = ?"
            )
            upserts = [e for e in edges if e[2]]
            deletes = [e for e in edges if not e[2]]
            conn.executemany(
                upsert,
                [
                    row
                    for f, t, forward, inverse in upserts
                    for row in (
                        (portal, from_type, f, to_type, t, encode_types(forward)),
                        (portal, to_type, t, from_type, f, encode_types(inverse)),
                    )
                ],
            )
            conn.executemany(
                delete,
                [
                    row
                    for f, t, _, _ in deletes
                    for row in (
                        (portal, from_type, f, to_type, t),
                        (portal, to_type, t, from_type, f),
                    )
                ],
            )

        await self._store._write(run)

    async def labels_for_write(self, from_type: str, to_type: str) -> list[LabelDef]:
        # On the writer connection inside BEGIN IMMEDIATE: no label can change meanwhile.
        portal = self._portal
        rows = await self._store._write(
            lambda c: c.execute(
                "SELECT from_type, to_type, category, type_id, name, label, inverse_type_id"
                " FROM labels WHERE portal_id = ? AND from_type = ? AND to_type = ?",
                (portal, from_type, to_type),
            ).fetchall()
        )
        return [LabelDef(*row) for row in rows]

    async def add_labels(self, labels: Sequence[LabelDef]) -> None:
        portal = self._portal
        await self._store._write(
            lambda c: c.executemany(
                "INSERT INTO labels (portal_id, from_type, to_type, category, type_id, name,"
                " label, inverse_type_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        portal,
                        d.from_type,
                        d.to_type,
                        d.category,
                        d.type_id,
                        d.name,
                        d.label,
                        d.inverse_type_id,
                    )
                    for d in labels
                ],
            )
        )

    async def allocate_type_ids(self, count: int) -> int:
        portal = self._portal
        row = await self._store._write(
            lambda c: c.execute(
                "UPDATE portals SET next_type_id = next_type_id + ? WHERE portal_id = ?"
                " RETURNING next_type_id",
                (count, portal),
            ).fetchone()
        )
        if row is None:
            raise ValidationError(f"Portal {portal} does not exist.")
        return int(row[0]) - count
