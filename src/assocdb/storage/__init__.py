"""Storage backends behind the domain's Store protocol, and the ``--db`` value that picks one.

A ``--db`` value is one of:

- a file path (``assocdb.sqlite3``, ``data/x.sqlite3``, ``/var/lib/assocdb.sqlite3``): SQLite;
- ``sqlite:///x.sqlite3``: SQLite, the **relative** path ``x.sqlite3`` (three slashes, then
  the path, as in SQLAlchemy's URLs);
- ``sqlite:////srv/x.sqlite3``: SQLite, the **absolute** path ``/srv/x.sqlite3`` (four
  slashes: three for the URL, one that starts the path);
- ``postgresql://user[:password]@host[:port]/db`` (or ``postgres://``): PostgreSQL.

Anything else that looks like a URL (``postgresq://``, ``mysql://``, ``sqlite://host/x``) is
refused, so a typo never becomes a SQLite file in a folder named after it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from assocdb.domain.store import Store

__all__ = [
    "DatabaseUrl",
    "DatabaseUrlError",
    "StoreOpenError",
    "is_postgres",
    "mask_url",
    "open_store",
    "parse_db_url",
    "run_with_store",
    "store_exists",
]

T = TypeVar("T")

_POSTGRES_SCHEMES = ("postgres://", "postgresql://")
_SQLITE_PREFIX = "sqlite:///"
USAGE = (
    "use a SQLite file path, sqlite:///relative/path, sqlite:////absolute/path"
    " or postgresql://user@host:port/db"
)


class DatabaseUrlError(ValueError):
    """A ``--db`` value that names no backend we know (a usage error: exit 2)."""


class StoreOpenError(ValueError):
    """The database named by a valid ``--db`` cannot be opened: the message names the
    SQLite path or the PostgreSQL host and port, never a password."""


@dataclass(frozen=True, slots=True)
class DatabaseUrl:
    kind: str
    """``"sqlite"`` or ``"postgres"``."""
    target: str
    """The SQLite file path, or the PostgreSQL URL as given."""

    @property
    def shown(self) -> str:
        """How messages name this database (no password)."""
        return mask_url(self.target) if self.kind == "postgres" else self.target

    @property
    def where(self) -> str:
        """``host:port`` of a PostgreSQL URL (libpq's defaults when left out)."""
        parts = urlsplit(self.target)
        return f"{parts.hostname or 'localhost'}:{parts.port or 5432}"


def is_postgres(url: str) -> bool:
    return url.startswith(_POSTGRES_SCHEMES)


def parse_db_url(url: str) -> DatabaseUrl:
    """The backend and target of a ``--db`` value, or ``DatabaseUrlError`` saying why not."""
    text = url.strip()
    if not text:
        raise DatabaseUrlError(f"empty database URL: {USAGE}")
    if is_postgres(text):
        return DatabaseUrl("postgres", text)
    if text.startswith(_SQLITE_PREFIX):
        path = text.removeprefix(_SQLITE_PREFIX)
        if not path or path.endswith("/"):
            raise DatabaseUrlError(f"{text!r} names no SQLite file: {USAGE}")
        return DatabaseUrl("sqlite", path)
    scheme, sep, _ = text.partition("://")
    if sep:
        raise DatabaseUrlError(f"unknown database URL scheme {scheme + '://'!r}: {USAGE}")
    return DatabaseUrl("sqlite", text)


def mask_url(url: str) -> str:
    """``url`` with any password (in the user part or a ``password=`` parameter) as ``***``."""
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return url
    netloc = parts.netloc
    if parts.password is not None:
        user_part, _, host_part = netloc.rpartition("@")
        user = user_part.partition(":")[0]
        netloc = f"{user}:***@{host_part}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(k.lower() == "password" for k, _ in pairs):
            masked = [(k, "***" if k.lower() == "password" else v) for k, v in pairs]
            query = urlencode(masked, safe="*")
    return urlunsplit(parts._replace(netloc=netloc, query=query))


def open_store(
    url: str, *, readers: int = 4, read_url: str | None = None, pool_size: int = 10
) -> Store:
    """The backend for a ``--db`` value (see the module docstring). ``read_url``
    (PostgreSQL only) sends reads to a replica; ``pool_size``: PostgreSQL connections."""
    parsed = parse_db_url(url)
    if parsed.kind == "postgres":
        from assocdb.storage.postgres import PostgresStore

        return PostgresStore(parsed.target, read_dsn=read_url, pool_size=pool_size)
    if read_url:
        raise ValueError("--read-db is only supported with a PostgreSQL --db")
    from assocdb.storage.sqlite import SQLiteStore

    return SQLiteStore(parsed.target, readers=readers)


async def _open(url: str) -> Store:
    store = open_store(url)
    try:
        await store.open()
    except BaseException:
        with contextlib.suppress(Exception):
            await store.close()  # the pools that were started before the failure
        raise
    return store


async def open_checked(url: str) -> Store:
    """``open_store`` and ``open``, with a failure to open turned into ``StoreOpenError``."""
    parsed = parse_db_url(url)
    try:
        return await _open(url)
    except (OSError, sqlite3.Error) as exc:
        if parsed.kind == "sqlite":
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise StoreOpenError(
                f"cannot open the SQLite database {parsed.target} ({reason}):"
                " its folder must be a folder this user may write in"
            ) from None
        raise StoreOpenError(_postgres_failure(parsed, exc)) from None
    except Exception as exc:
        if parsed.kind == "postgres":
            raise StoreOpenError(_postgres_failure(parsed, exc)) from None
        raise


def _postgres_failure(parsed: DatabaseUrl, exc: BaseException) -> str:
    cause = exc.__cause__ or exc
    reason = str(cause).splitlines()[0] if str(cause) else type(cause).__name__
    return f"cannot connect to PostgreSQL at {parsed.where} ({parsed.shown}): {reason}"


def store_exists(url: str) -> bool:
    """Whether ``url`` holds an assocdb store already (without creating anything)."""
    parsed = parse_db_url(url)
    if parsed.kind == "sqlite":
        return os.path.isfile(parsed.target) and os.path.getsize(parsed.target) > 0
    return asyncio.run(_postgres_has_schema(parsed))


async def _postgres_has_schema(parsed: DatabaseUrl) -> bool:
    import asyncpg

    from assocdb.storage.postgres_base import split_dsn

    dsn, schema = split_dsn(parsed.target)
    try:
        conn = await asyncpg.connect(dsn, timeout=10)
    except Exception as exc:
        raise StoreOpenError(_postgres_failure(parsed, exc)) from None
    try:
        table = f'"{schema}".schema_migrations' if schema else "schema_migrations"
        return await conn.fetchval("SELECT to_regclass($1)", table) is not None
    finally:
        await conn.close()


def run_with_store(url: str, work: Callable[[Store], Awaitable[T]]) -> T:
    """Open the store at ``url``, run ``work`` on it, close it: for one-shot CLI commands."""

    async def run() -> T:
        store = await open_checked(url)
        try:
            return await work(store)
        finally:
            await store.close()

    return asyncio.run(run())
