"""SQLite plumbing shared by the store's parts: connections, threads, migrations.

Threads: reads run on a small pool, each thread with its own connection (WAL lets them
read while a write is in progress); writes run on one dedicated thread, one transaction
at a time (``BEGIN IMMEDIATE``), so SQLite's single writer never surfaces as
"database is locked" inside one process. Across processes ``busy_timeout`` makes writers
queue instead of failing.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from assocdb.errors import ServiceUnavailable
from assocdb.storage.migrations import migrations
from assocdb.storage.unique import duplicate_value

__all__ = ["INLINE_READ_ROWS", "SQLiteBase", "SQLiteTxCore", "chunks", "rollback"]

log = logging.getLogger("assocdb.storage")

T = TypeVar("T")

_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    # NORMAL is durable against a killed process in WAL mode; only an OS crash or power
    # loss can drop the last transactions.
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=30000",
    "PRAGMA temp_store=MEMORY",
    # Memory per worker is bounded by these two (bench/memory.py, docs/benchmarks.md): each
    # connection (4 readers, the loop's own, the writer) keeps at most 8 MiB of pages, and
    # at most 64 MiB of the file is mapped. With 64 MiB pages and a 256 MiB map a worker
    # reached 367 MiB resident on a 5M-association store; with these, 171 MiB.
    "PRAGMA cache_size=-8192",
    "PRAGMA mmap_size=67108864",
)


INLINE_READ_ROWS = 1_000
"""Reads that can return at most this many rows run on the event loop's thread.

A hop to a reader thread and back costs more than such a query (tens of microseconds
against a round trip through the executor, its queue and the loop's wake-up), and small
reads are most of what an API serves. Bigger reads keep the reader pool, so the loop is
never held for long. The loop's connection never waits for a lock (``busy_timeout`` 0):
should SQLite report it busy, the read is retried on the pool, which waits as usual.
"""


class SQLiteBase:
    def __init__(self, path: str, *, readers: int = 4) -> None:
        self.path = path
        self._readers = readers
        self._local = threading.local()
        self._read_pool: ThreadPoolExecutor | None = None
        self._write_pool: ThreadPoolExecutor | None = None
        self._write_lock = asyncio.Lock()
        self._secret: bytes | None = None
        self._full = False
        """A write failed with SQLITE_FULL; cleared by the next write that succeeds."""

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

    async def _read_small(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """``_read`` for a query bounded by ``INLINE_READ_ROWS`` rows: run it right here."""
        assert self._read_pool is not None, "store is not open"
        conn: sqlite3.Connection | None = getattr(self._local, "inline", None)
        if conn is None:
            conn = self._local.inline = self._connect()
            conn.execute("PRAGMA busy_timeout=0")
        try:
            return fn(conn)
        except sqlite3.OperationalError as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            return await self._read(fn)

    async def _write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        assert self._write_pool is not None, "store is not open"
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._write_pool, lambda: fn(self._conn()))
        except sqlite3.Error as exc:
            if not _is_full(exc):
                raise
            self._disk_full(exc)
            raise ServiceUnavailable(STORE_FULL_MESSAGE, sub_category=STORE_FULL) from None

    def _disk_full(self, exc: sqlite3.Error) -> None:
        if not self._full:  # one line per episode, not one per failed request
            log.error(
                "SQLite store %s: %s. Writes answer 503 (%s) until space is freed on %s;"
                " reads still work and no committed data is lost.",
                self.path,
                exc,
                STORE_FULL,
                os.path.dirname(os.path.abspath(self.path)),
            )
        self._full = True

    async def _write_tx(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn`` in its own write transaction, serialised with every other write."""

        def run(conn: sqlite3.Connection) -> T:
            conn.execute("BEGIN IMMEDIATE")
            try:
                result = fn(conn)
                conn.execute("COMMIT")
            except sqlite3.IntegrityError as exc:
                rollback(conn)
                raise duplicate_value(exc) from None
            except BaseException:
                rollback(conn)
                raise
            return result

        async with self._write_lock:
            result = await self._write(run)
        if self._full:
            self._full = False
            log.warning("SQLite store %s: writes succeed again.", self.path)
        return result

    # -- lifecycle --------------------------------------------------------------------

    async def open(self) -> None:
        self._read_pool = ThreadPoolExecutor(self._readers, thread_name_prefix="assocdb-read")
        self._write_pool = ThreadPoolExecutor(1, thread_name_prefix="assocdb-write")
        await self._write(_migrate)
        self._secret = await self._read(_load_secret)

    async def close(self) -> None:
        inline: sqlite3.Connection | None = getattr(self._local, "inline", None)
        if inline is not None:
            inline.close()
            self._local.inline = None
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

    # -- bulk copy (assocdb copy) -------------------------------------------------------

    async def export_rows(
        self, table: str, columns: Sequence[str], chunk: int
    ) -> AsyncIterator[list[tuple[Any, ...]]]:
        """Every row of a table, in chunks, from one snapshot (a dedicated connection)."""
        assert self._write_pool is not None, "store is not open"
        loop = asyncio.get_running_loop()
        conn = await loop.run_in_executor(self._write_pool, self._connect)
        try:
            await loop.run_in_executor(self._write_pool, conn.execute, "BEGIN")
            cursor = await loop.run_in_executor(
                self._write_pool, conn.execute, f"SELECT {', '.join(columns)} FROM {table}"
            )
            while rows := await loop.run_in_executor(self._write_pool, cursor.fetchmany, chunk):
                yield rows
        finally:
            await loop.run_in_executor(self._write_pool, conn.close)

    async def import_rows(
        self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]
    ) -> None:
        marks = ", ".join("?" * len(columns))
        verb = "INSERT OR REPLACE" if table == "meta" else "INSERT"
        await self._write_tx(
            lambda c: c.executemany(
                f"{verb} INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows
            )
        )

    async def analyze(self) -> None:
        await self._write(lambda c: c.execute("ANALYZE"))

    async def count_rows(self, table: str) -> int:
        row = await self._read(lambda c: c.execute(f"SELECT count(*) FROM {table}").fetchone())
        return int(row[0])

    async def ping(self) -> None:
        await self._read(lambda c: c.execute("SELECT 1").fetchone())
        if self._full:
            # Ready again only once a real write fits (this one leaves nothing behind).
            await self._write_tx(_probe_write)

    async def secret(self) -> bytes:
        assert self._secret is not None, "store is not open"
        return self._secret


class SQLiteTxCore:
    """What every part of the SQLite unit of work shares: the store and the portal."""

    def __init__(self, store: SQLiteBase, portal_id: int) -> None:
        self._store = store
        self._portal = portal_id
        self.begun = False
        """Whether ``BEGIN IMMEDIATE`` ran: the first operation opens the transaction in
        its own thread hop (the store's write lock is held from the start, so nothing can
        write in between), which saves a hop per unit of work."""

    async def _write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn`` on the writer connection inside this transaction, opening it first
        when this is its first operation."""
        if self.begun:
            return await self._store._write(fn)

        def first(conn: sqlite3.Connection) -> T:
            conn.execute("BEGIN IMMEDIATE")
            self.begun = True  # before fn: a failing first operation still rolls back
            return fn(conn)

        return await self._store._write(first)

    async def _run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn`` on the writer connection, inside this transaction (``BEGIN
        IMMEDIATE``): every tx operation is ``await self._run(lambda conn: ...)``.

        A unique value refused by the search index is HubSpot's 409 (storage/unique.py);
        the transaction then rolls back as for any error."""
        try:
            return await self._write(fn)
        except sqlite3.IntegrityError as exc:
            raise duplicate_value(exc) from None


STORE_FULL = "assocdb.STORE_FULL"
STORE_FULL_MESSAGE = (
    "The database's disk is full: writes fail until the operator frees space. Reads still"
    " work; retry the request later."
)


def _is_full(exc: sqlite3.Error) -> bool:
    code: int | None = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return (code & 0xFF) == sqlite3.SQLITE_FULL  # extended codes keep it in the low byte
    return "database or disk is full" in str(exc)


def rollback(conn: sqlite3.Connection) -> None:
    """ROLLBACK if a transaction is still open: SQLite ends it by itself on some errors
    (SQLITE_FULL during COMMIT), and a second ROLLBACK would hide the first error."""
    if conn.in_transaction:
        conn.execute("ROLLBACK")


def _probe_write(conn: sqlite3.Connection) -> None:
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('disk_probe', zeroblob(16384))")
    conn.execute("DELETE FROM meta WHERE key = 'disk_probe'")


def chunks(items: list[int], size: int) -> list[list[int]]:
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
