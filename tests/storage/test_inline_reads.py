"""Small SQLite reads run on the event loop's own connection; when SQLite reports that
connection busy they are retried on the reader pool, so the answer is the same."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from assocdb.storage.sqlite import SQLiteStore


def test_a_busy_inline_read_is_retried_on_the_pool(tmp_path: Path) -> None:
    async def run() -> tuple[list[int], int]:
        store = SQLiteStore(str(tmp_path / "inline.sqlite3"))
        await store.open()
        try:
            await store.create_portal(1, "p", 0)
            calls: list[str] = []

            def flaky(conn: sqlite3.Connection) -> list[int]:
                calls.append(getattr(conn, "_name", "pool"))
                if len(calls) == 1:
                    raise sqlite3.OperationalError("database is locked")
                return [row[0] for row in conn.execute("SELECT portal_id FROM portals")]

            found = await store._read_small(flaky)
            return found, len(calls)
        finally:
            await store.close()

    assert asyncio.run(run()) == ([1], 2)


def test_other_errors_are_not_retried(tmp_path: Path) -> None:
    async def run() -> str:
        store = SQLiteStore(str(tmp_path / "inline.sqlite3"))
        await store.open()
        try:
            await store._read_small(lambda c: c.execute("SELECT nope FROM portals").fetchall())
        except sqlite3.OperationalError as exc:
            return str(exc)
        finally:
            await store.close()
        return "no error"

    assert "no such column" in asyncio.run(run())


def test_reads_see_what_the_writer_committed(tmp_path: Path) -> None:
    """The loop's connection is a reader like the pool's: a write committed on the writer
    thread is visible to the very next small read."""

    async def run() -> list[list[str]]:
        store = SQLiteStore(str(tmp_path / "inline.sqlite3"))
        await store.open()
        try:
            await store.create_portal(1, "p", 0)
            seen = []
            for n in range(3):
                (created,) = await store.create_objects(1, "0-1", [{"n": str(n)}], 0)
                found = await store.get_objects(1, "0-1", [created.object_id])  # inline
                seen.append([o.properties["n"] for o in found])
            return seen
        finally:
            await store.close()

    assert asyncio.run(run()) == [["0"], ["1"], ["2"]]
