"""Storage backends behind the domain's Store protocol."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from assocdb.domain.store import Store

__all__ = ["is_postgres", "open_store", "run_with_store"]

T = TypeVar("T")


def is_postgres(url: str) -> bool:
    return url.startswith(("postgres://", "postgresql://"))


def open_store(url: str, *, readers: int = 4, read_url: str | None = None) -> Store:
    """The backend for a ``--db`` value: ``postgresql://…`` (asyncpg), else a SQLite path
    (or ``sqlite:///path``). ``read_url`` (PostgreSQL only) sends reads to a replica."""
    if is_postgres(url):
        from assocdb.storage.postgres import PostgresStore

        return PostgresStore(url, read_dsn=read_url)
    if read_url:
        raise ValueError("--read-db is only supported with a PostgreSQL --db")
    from assocdb.storage.sqlite import SQLiteStore

    path = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else url
    return SQLiteStore(path, readers=readers)


def run_with_store(url: str, work: Callable[[Store], Awaitable[T]]) -> T:
    """Open the store at ``url``, run ``work`` on it, close it: for one-shot CLI commands."""

    async def run() -> T:
        store = open_store(url)
        await store.open()
        try:
            return await work(store)
        finally:
            await store.close()

    return asyncio.run(run())
