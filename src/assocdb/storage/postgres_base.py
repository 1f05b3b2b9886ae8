"""PostgreSQL plumbing shared by the store's parts: pools, migrations, failure mapping.

A lost or refused connection becomes ``ServiceUnavailable`` (a HubSpot-shaped 503); the
asyncpg pool replaces broken connections on its own, so the server recovers as soon as
the database is back. Writes go to the primary pool, reads to ``read_dsn`` when given
(a replica), else to the primary.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncIterator, Sequence
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import asyncpg

from assocdb.errors import ServiceUnavailable
from assocdb.storage.migrations import migrations
from assocdb.storage.unique import duplicate_value

__all__ = [
    "Guarded",
    "PostgresBase",
    "PostgresTxCore",
    "lock_object_rows",
    "split_dsn",
    "unavailable",
]

# Any of these means the database cannot be reached right now, not that the query is wrong.
_UNAVAILABLE: tuple[type[BaseException], ...] = (
    OSError,
    ConnectionError,
    TimeoutError,
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.exceptions.InterfaceError,
    # A connection lost mid-query can leave asyncpg's protocol in a state it cannot leave
    # ("cannot switch to state …"); the pool replaces that connection.
    asyncpg.exceptions.InternalClientError,
)

# Columns that are BOOLEAN here and INTEGER on SQLite (``assocdb copy`` between the two).
_BOOLEAN_COLUMNS = frozenset({"revoked", "is_primary"})

# Serialises concurrent `migrate` runs from several workers or hosts.
_MIGRATION_LOCK = 0x6173736F63646221  # "assocdb!"


_LOCK_OBJECT_ROWS = (
    "SELECT 1 FROM objects o JOIN unnest($2::text[], $3::bigint[]) AS r(object_type, object_id)"
    " ON o.object_type = r.object_type AND o.object_id = r.object_id WHERE o.portal_id = $1"
    " ORDER BY o.object_type, o.object_id FOR UPDATE OF o"
)


async def lock_object_rows(
    conn: Guarded, portal_id: int, records: Sequence[tuple[str, int]]
) -> None:
    """Lock the rows of these (object type, id) records until the transaction ends.

    Every writer locks in one global order (type, id), so writers touching the same records
    queue instead of deadlocking. Row locks live in the rows themselves, so a batch of
    thousands of records cannot exhaust PostgreSQL's shared lock table, as one advisory
    lock per record did. A record that does not exist has nothing to lock, and nothing can
    be associated with it either.
    """
    unique = sorted(set(records))
    await conn.execute(_LOCK_OBJECT_ROWS, portal_id, [t for t, _ in unique], [i for _, i in unique])


def split_dsn(dsn: str) -> tuple[str, str | None]:
    """The DSN without our ``schema`` query parameter, and that schema (for tests, tenants)."""
    parts = urlsplit(dsn)
    query = parse_qsl(parts.query)
    schema = next((v for k, v in query if k == "schema"), None)
    rest = urlencode([(k, v) for k, v in query if k != "schema"])
    return urlunsplit(parts._replace(query=rest)), schema


@contextlib.contextmanager
def unavailable() -> Any:
    """Turns connection failures into a 503 the HTTP layer renders in HubSpot's shape."""
    try:
        yield
    except asyncpg.UniqueViolationError as exc:
        raise duplicate_value(exc) from None
    except _UNAVAILABLE as exc:
        raise ServiceUnavailable(
            "The database is unavailable. Retry the request in a few seconds.",
            sub_category="assocdb.STORE_UNAVAILABLE",
        ) from exc


class Guarded:
    """A pool or a connection whose every query turns connection failures into the
    HubSpot-shaped 503 (``unavailable``): the one place the drivers' queries map errors,
    instead of a ``with unavailable():`` around each call."""

    def __init__(self, target: Any) -> None:
        self.target = target

    async def fetch(self, sql: str, *args: Any) -> list[Any]:
        with unavailable():
            return list(await self.target.fetch(sql, *args))

    async def fetchrow(self, sql: str, *args: Any) -> Any:
        with unavailable():
            return await self.target.fetchrow(sql, *args)

    async def fetchval(self, sql: str, *args: Any) -> Any:
        with unavailable():
            return await self.target.fetchval(sql, *args)

    async def execute(self, sql: str, *args: Any) -> str:
        with unavailable():
            return str(await self.target.execute(sql, *args))

    async def executemany(self, sql: str, args: Sequence[Sequence[Any]]) -> None:
        with unavailable():
            await self.target.executemany(sql, args)


class PostgresTxCore:
    """What every part of the PostgreSQL unit of work shares: the transaction's connection
    (``conn``; ``_db`` maps connection failures to 503), the portal and the schema."""

    def __init__(self, conn: asyncpg.Connection, portal_id: int, schema: str | None) -> None:
        self._conn = conn
        self._db = Guarded(conn)
        self._portal = portal_id
        self._schema = schema

    @property
    def conn(self) -> asyncpg.Connection:
        return self._conn


class PostgresBase:
    def __init__(self, dsn: str, *, read_dsn: str | None = None, pool_size: int = 10) -> None:
        self.dsn, self.schema = split_dsn(dsn)
        self.read_dsn: str | None = None
        self.read_schema: str | None = None
        if read_dsn:
            self.read_dsn, self.read_schema = split_dsn(read_dsn)
        self._pool_size = pool_size
        self._pool: asyncpg.Pool | None = None
        self._read_pool: asyncpg.Pool | None = None
        self._secret: bytes | None = None

    async def _create_pool(self, dsn: str, schema: str | None) -> asyncpg.Pool:
        settings = {"search_path": schema} if schema else {}
        pool = await asyncpg.create_pool(
            dsn,
            min_size=1,
            max_size=self._pool_size,
            command_timeout=30,
            server_settings=settings,
            timeout=10,
        )
        assert pool is not None
        return pool

    @property
    def pool(self) -> asyncpg.Pool:
        assert self._pool is not None, "store is not open"
        return self._pool

    @property
    def db(self) -> Guarded:
        """The primary pool, failures mapped to 503."""
        return Guarded(self.pool)

    @property
    def read_db(self) -> Guarded:
        """The read pool (a replica when configured), failures mapped to 503."""
        return Guarded(self.read_pool)

    @property
    def read_pool(self) -> asyncpg.Pool:
        assert self._pool is not None, "store is not open"
        return self._read_pool or self._pool

    async def open(self) -> None:
        with unavailable():
            if self.schema:
                conn = await asyncpg.connect(self.dsn, timeout=10)
                try:
                    await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
                finally:
                    await conn.close()
            self._pool = await self._create_pool(self.dsn, self.schema)
            if self.read_dsn:
                self._read_pool = await self._create_pool(self.read_dsn, self.read_schema)
            await self.migrate()
            row = await self.pool.fetchval("SELECT value FROM meta WHERE key = 'cursor_secret'")
            self._secret = bytes(row)

    async def migrate(self) -> None:
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", _MIGRATION_LOCK)
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
                " name TEXT NOT NULL, applied_at_ms BIGINT NOT NULL)"
            )
            applied = {r[0] for r in await conn.fetch("SELECT version FROM schema_migrations")}
            for migration in migrations("postgres"):
                if migration.version in applied:
                    continue
                for statement in migration.statements():
                    await conn.execute(statement)
                await conn.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at_ms)"
                    " VALUES ($1, $2, (extract(epoch from now()) * 1000)::bigint)",
                    migration.version,
                    migration.name,
                )
            await conn.execute(
                "INSERT INTO meta (key, value) VALUES ('cursor_secret', $1)"
                " ON CONFLICT (key) DO NOTHING",
                secrets.token_bytes(32),
            )

    async def close(self) -> None:
        for pool in (self._read_pool, self._pool):
            if pool is not None:
                await pool.close()
        self._pool = self._read_pool = None

    # -- bulk copy (assocdb copy) -------------------------------------------------------

    async def export_rows(
        self, table: str, columns: Sequence[str], chunk: int
    ) -> AsyncIterator[list[tuple[Any, ...]]]:
        """Every row of a table, in chunks, from one snapshot (a server-side cursor)."""
        async with self._connection() as conn, conn.transaction(isolation="repeatable_read"):
            batch: list[tuple[Any, ...]] = []
            query = f"SELECT {', '.join(columns)} FROM {table}"
            async for record in conn.cursor(query, prefetch=chunk):
                batch.append(tuple(record))
                if len(batch) >= chunk:
                    yield batch
                    batch = []
            if batch:
                yield batch

    async def import_rows(
        self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]
    ) -> None:
        # SQLite keeps booleans as integers.
        flags = [i for i, name in enumerate(columns) if name in _BOOLEAN_COLUMNS]
        if flags:
            rows = [tuple(bool(v) if i in flags else v for i, v in enumerate(r)) for r in rows]
        async with self._connection() as conn, conn.transaction():
            if table == "meta":
                await conn.executemany(
                    "INSERT INTO meta (key, value) VALUES ($1, $2)"
                    " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    [(k, bytes(v)) for k, v in rows],
                )
            else:
                await conn.copy_records_to_table(
                    table, records=rows, columns=list(columns), schema_name=self.schema
                )
            if table == "portals":  # portals created later must not reuse a copied id
                await conn.execute(
                    "SELECT setval('portal_ids', GREATEST((SELECT max(portal_id) FROM portals), 1))"
                )

    async def analyze(self) -> None:
        # Autovacuum may be off or late; without statistics a fresh bulk load is planned
        # as if empty.
        await self.db.execute("ANALYZE")

    async def count_rows(self, table: str) -> int:
        return int(await self.db.fetchval(f"SELECT count(*) FROM {table}"))

    async def ping(self) -> None:
        await self.db.fetchval("SELECT 1")

    async def secret(self) -> bytes:
        assert self._secret is not None, "store is not open"
        return self._secret

    async def drop_schema(self) -> None:
        """Tests only: remove the whole schema this store was opened on."""
        assert self.schema, "only a store opened on its own schema can drop it"
        await self.pool.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')

    @contextlib.asynccontextmanager
    async def _connection(self) -> AsyncIterator[asyncpg.Connection]:
        with unavailable():
            async with self.pool.acquire() as conn:
                yield conn
