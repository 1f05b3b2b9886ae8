"""SQLite plumbing shared by the store's parts: connections, threads, migrations.

Threads: reads run on a small pool, each thread with its own connection (WAL lets them
read while a write is in progress); writes run on one dedicated thread, one transaction
at a time (``BEGIN IMMEDIATE``), so SQLite's single writer never surfaces as
"database is locked" inside one process. Across processes ``busy_timeout`` makes writers
queue instead of failing.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from assocdb.storage.migrations import migrations

__all__ = ["INLINE_READ_ROWS", "SQLiteBase", "chunks"]

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

    async def secret(self) -> bytes:
        assert self._secret is not None, "store is not open"
        return self._secret


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
