"""SQLite backend (stdlib ``sqlite3``, WAL), the embedded default.

Threads: reads run on a small pool, each thread with its own connection (WAL lets them
read while a write is in progress); writes run on one dedicated thread, one transaction
at a time (``BEGIN IMMEDIATE``), so SQLite's single writer never surfaces as
"database is locked" inside one process. Across processes ``busy_timeout`` makes writers
queue instead of failing.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import TypeVar

from assocdb.domain.models import CrmObject, LabelDef, Portal, TokenRecord, TypeSet
from assocdb.domain.registry import TypeKey
from assocdb.domain.store import EdgeWrite, PageRequest, PageRows
from assocdb.errors import ValidationError
from assocdb.storage.migrations import migrations
from assocdb.storage.typesets import decode_types, encode_types

__all__ = ["SQLiteStore"]

T = TypeVar("T")

_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    # NORMAL is durable against a killed process in WAL mode; only an OS crash or power
    # loss can drop the last transactions.
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=30000",
    "PRAGMA temp_store=MEMORY",
    "PRAGMA cache_size=-65536",
    "PRAGMA mmap_size=268435456",
)

_READ_PAGE = (
    "SELECT to_id, types FROM associations"
    " WHERE portal_id = ? AND from_type = ? AND from_id = ? AND to_type = ? AND to_id > ?"
    " ORDER BY to_id LIMIT ?"
)


class SQLiteStore:
    def __init__(self, path: str, *, readers: int = 4) -> None:
        self.path = path
        self._readers = readers
        self._local = threading.local()
        self._read_pool: ThreadPoolExecutor | None = None
        self._write_pool: ThreadPoolExecutor | None = None
        self._write_lock = asyncio.Lock()
        self._secret: bytes | None = None

    # -- plumbing ---------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        # Runs on a pool thread, never on the event loop.
        os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        for pragma in _PRAGMAS:
            conn.execute(pragma)
        return conn

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
        return conn

    async def _read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        assert self._read_pool is not None, "store is not open"
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._read_pool, lambda: fn(self._conn()))

    async def _write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        assert self._write_pool is not None, "store is not open"
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._write_pool, lambda: fn(self._conn()))

    async def _write_tx(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn`` in its own write transaction, serialised with every other write."""

        def run(conn: sqlite3.Connection) -> T:
            conn.execute("BEGIN IMMEDIATE")
            try:
                result = fn(conn)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            return result

        async with self._write_lock:
            return await self._write(run)

    # -- lifecycle --------------------------------------------------------------------

    async def open(self) -> None:
        self._read_pool = ThreadPoolExecutor(self._readers, thread_name_prefix="assocdb-read")
        self._write_pool = ThreadPoolExecutor(1, thread_name_prefix="assocdb-write")
        await self._write(_migrate)
        self._secret = await self._read(_load_secret)

    async def close(self) -> None:
        for pool in (self._read_pool, self._write_pool):
            if pool is not None:
                pool.submit(self._close_thread_connection).result()
                pool.shutdown(wait=True)
        self._read_pool = self._write_pool = None

    def _close_thread_connection(self) -> None:
        # Only the connection of the thread that runs this is closed; reader threads
        # that never ran a query have none, and the rest are collected with their thread.
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    async def ping(self) -> None:
        await self._read(lambda c: c.execute("SELECT 1").fetchone())

    async def secret(self) -> bytes:
        assert self._secret is not None, "store is not open"
        return self._secret

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
        row = await self._read(
            lambda c: c.execute(
                "SELECT token_hash, portal_id, scopes, created_at_ms, expires_at_ms, revoked"
                " FROM tokens WHERE token_hash = ?",
                (token_hash,),
            ).fetchone()
        )
        if row is None:
            return None
        return TokenRecord(row[0], row[1], frozenset(row[2].split()), row[3], row[4], bool(row[5]))

    # -- objects ----------------------------------------------------------------------

    async def create_objects(
        self,
        portal_id: int,
        object_type: str,
        properties: Sequence[Mapping[str, str]],
        now_ms: int,
    ) -> list[CrmObject]:
        def run(conn: sqlite3.Connection) -> list[CrmObject]:
            row = conn.execute(
                "UPDATE portals SET next_object_id = next_object_id + ? WHERE portal_id = ?"
                " RETURNING next_object_id",
                (len(properties), portal_id),
            ).fetchone()
            if row is None:
                raise ValidationError(f"Portal {portal_id} does not exist.")
            first = row[0] - len(properties)
            created = [
                CrmObject(portal_id, object_type, first + i, dict(props), now_ms, now_ms)
                for i, props in enumerate(properties)
            ]
            conn.executemany(
                "INSERT INTO objects (portal_id, object_type, object_id, properties,"
                " created_at_ms, updated_at_ms) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (portal_id, object_type, o.object_id, json.dumps(o.properties), now_ms, now_ms)
                    for o in created
                ],
            )
            return created

        return await self._write_tx(run)

    # -- labels -----------------------------------------------------------------------

    async def list_labels(self, portal_id: int, from_type: str, to_type: str) -> list[LabelDef]:
        rows = await self._read(
            lambda c: c.execute(
                "SELECT from_type, to_type, category, type_id, name, label, inverse_type_id"
                " FROM labels WHERE portal_id = ? AND from_type = ? AND to_type = ?"
                " ORDER BY category, type_id",
                (portal_id, from_type, to_type),
            ).fetchall()
        )
        return [LabelDef(*row) for row in rows]

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
            try:
                yield _SQLiteTx(self, portal_id)
            except BaseException:
                await asyncio.shield(self._write(lambda c: c.execute("ROLLBACK")))
                raise
            await asyncio.shield(self._write(lambda c: c.execute("COMMIT")))


class _SQLiteTx:
    def __init__(self, store: SQLiteStore, portal_id: int) -> None:
        self._store = store
        self._portal = portal_id

    async def existing_object_ids(self, object_type: str, ids: Sequence[int]) -> set[int]:
        portal = self._portal

        def run(conn: sqlite3.Connection) -> set[int]:
            found: set[int] = set()
            for chunk in _chunks(list(set(ids)), 500):
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

    async def edges_with_type(
        self, from_type: str, to_type: str, from_ids: Sequence[int], key: TypeKey
    ) -> list[tuple[int, int, TypeSet]]:
        portal = self._portal

        def run(conn: sqlite3.Connection) -> list[tuple[int, int, TypeSet]]:
            out: list[tuple[int, int, TypeSet]] = []
            for from_id in sorted(set(from_ids)):
                for to_id, types in conn.execute(
                    "SELECT to_id, types FROM associations WHERE portal_id = ? AND from_type = ?"
                    " AND from_id = ? AND to_type = ?",
                    (portal, from_type, from_id, to_type),
                ):
                    decoded = decode_types(types)
                    if key in decoded:
                        out.append((from_id, to_id, decoded))
            return out

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


def _chunks(items: list[int], size: int) -> list[list[int]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _migrate(conn: sqlite3.Connection) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations"
            " (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at_ms INTEGER NOT NULL)"
        )
        applied = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
        for migration in migrations("sqlite"):
            if migration.version in applied:
                continue
            for statement in migration.statements():
                conn.execute(statement)
            conn.execute(
                "INSERT INTO schema_migrations (version, name, applied_at_ms)"
                " VALUES (?, ?, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))",
                (migration.version, migration.name),
            )
        conn.execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES ('cursor_secret', ?)",
            (secrets.token_bytes(32),),
        )
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _load_secret(conn: sqlite3.Connection) -> bytes:
    row = conn.execute("SELECT value FROM meta WHERE key = 'cursor_secret'").fetchone()
    return bytes(row[0])
