"""PostgreSQL backend (asyncpg), for more than one machine.

Same tables and type-set encoding as SQLite. The batch read is one round trip: the
from-ids and their cursors go in as arrays, and a LATERAL subquery takes ``LIMIT n+1``
rows of each from the primary key's range. Writes lock the records they touch
(row locks on their ``objects`` rows, in a fixed order) so that concurrent workers can
never leave a half edge, a duplicate or two primaries.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import asyncpg

from assocdb.domain.clock import now_ms
from assocdb.domain.models import LabelDef, Portal, TokenRecord, TypeSet
from assocdb.domain.store import EdgeWrite, PageRequest, PageRows
from assocdb.domain.webhooks import EventSink
from assocdb.errors import ValidationError
from assocdb.storage.postgres_base import PostgresBase, lock_object_rows, unavailable
from assocdb.storage.postgres_explorer import PostgresExplorer
from assocdb.storage.postgres_harness import PostgresHarness
from assocdb.storage.postgres_inventory import PostgresInventory
from assocdb.storage.postgres_labels import PostgresLabels
from assocdb.storage.postgres_objects import PostgresObjects
from assocdb.storage.postgres_webhooks import flush_events
from assocdb.storage.typesets import decode_types, encode_types

__all__ = ["PostgresStore"]

_READ_PAGES = """
SELECT r.ord, a.to_id, a.types
FROM unnest($4::bigint[], $5::bigint[]) WITH ORDINALITY AS r(from_id, after_id, ord)
CROSS JOIN LATERAL (
    SELECT to_id, types FROM associations
    WHERE portal_id = $1 AND from_type = $2 AND from_id = r.from_id AND to_type = $3
      AND to_id > r.after_id
    ORDER BY to_id
    LIMIT $6
) a
ORDER BY r.ord, a.to_id
"""


class PostgresStore(
    PostgresObjects,
    PostgresLabels,
    PostgresHarness,
    PostgresInventory,
    PostgresExplorer,
    PostgresBase,
):
    # -- portals and tokens -----------------------------------------------------------

    async def create_portal(self, portal_id: int | None, name: str, now_ms: int) -> Portal:
        async with self._connection() as conn:
            try:
                new_id = await conn.fetchval(
                    "INSERT INTO portals (portal_id, name, created_at_ms)"
                    " VALUES (COALESCE($1, nextval('portal_ids')), $2, $3) RETURNING portal_id",
                    portal_id,
                    name,
                    now_ms,
                )
            except asyncpg.UniqueViolationError:
                raise ValidationError(f"Portal {portal_id} already exists.") from None
        return Portal(int(new_id), name, now_ms)

    async def get_portal(self, portal_id: int) -> Portal | None:
        with unavailable():
            row = await self.pool.fetchrow(
                "SELECT portal_id, name, created_at_ms FROM portals WHERE portal_id = $1",
                portal_id,
            )
        return Portal(row[0], row[1], row[2]) if row else None

    async def add_token(self, token: TokenRecord) -> None:
        with unavailable():
            await self.pool.execute(
                "INSERT INTO tokens (token_hash, portal_id, scopes, created_at_ms, expires_at_ms,"
                " revoked) VALUES ($1, $2, $3, $4, $5, $6)",
                token.token_hash,
                token.portal_id,
                " ".join(sorted(token.scopes)),
                token.created_at_ms,
                token.expires_at_ms,
                token.revoked,
            )

    async def find_token(self, token_hash: str) -> TokenRecord | None:
        # Always the primary: a token created a moment ago must work at once.
        with unavailable():
            row = await self.pool.fetchrow(
                "SELECT token_hash, portal_id, scopes, created_at_ms, expires_at_ms, revoked"
                " FROM tokens WHERE token_hash = $1",
                token_hash,
            )
        if row is None:
            return None
        return TokenRecord(row[0], row[1], frozenset(row[2].split()), row[3], row[4], row[5])

    async def revoke_token(self, token_hash: str) -> bool:
        with unavailable():
            status = await self.pool.execute(
                "UPDATE tokens SET revoked = TRUE WHERE token_hash = $1", token_hash
            )
        return bool(status != "UPDATE 0")

    async def set_portal_rate_limit(self, portal_id: int, policy: str | None) -> bool:
        with unavailable():
            status = await self.pool.execute(
                "UPDATE portals SET rate_limit = $2 WHERE portal_id = $1", portal_id, policy
            )
        return bool(status != "UPDATE 0")

    async def list_portal_rate_limits(self) -> dict[int, str]:
        with unavailable():
            rows = await self.pool.fetch(
                "SELECT portal_id, rate_limit FROM portals WHERE rate_limit IS NOT NULL"
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
        pages: list[PageRows] = [[] for _ in requests]
        if not requests:
            return pages
        with unavailable():
            rows = await self.read_pool.fetch(
                _READ_PAGES,
                portal_id,
                from_type,
                to_type,
                [r[0] for r in requests],
                [r[1] for r in requests],
                limit,
            )
        for ordinal, to_id, types in rows:
            pages[ordinal - 1].append((to_id, decode_types(types)))
        return pages

    async def count_edges(self, portal_id: int) -> int:
        with unavailable():
            count = await self.pool.fetchval(
                "SELECT count(*) FROM associations WHERE portal_id = $1", portal_id
            )
        return int(count)

    @asynccontextmanager
    async def transaction(self, portal_id: int) -> AsyncIterator[_PostgresTx]:
        async with self._connection() as conn, conn.transaction():
            tx = _PostgresTx(conn, portal_id)
            await self.open_events(tx, portal_id)  # webhooks seam: tx.events
            yield tx
            await flush_events(conn, tx.events, now_ms())
        self.sinks.committed(tx.events)


class _PostgresTx:
    def __init__(self, conn: asyncpg.Connection, portal_id: int) -> None:
        self._conn = conn
        self._portal = portal_id
        self.events: EventSink | None = None

    async def lock_records(self, records: Sequence[tuple[str, int]]) -> None:
        with unavailable():
            await lock_object_rows(self._conn, self._portal, records)

    async def existing_object_ids(self, object_type: str, ids: Sequence[int]) -> set[int]:
        with unavailable():
            rows = await self._conn.fetch(
                "SELECT object_id FROM objects WHERE portal_id = $1 AND object_type = $2"
                " AND object_id = ANY($3::bigint[])",
                self._portal,
                object_type,
                list(set(ids)),
            )
        return {r[0] for r in rows}

    async def get_pairs(
        self, from_type: str, to_type: str, pairs: Sequence[tuple[int, int]]
    ) -> dict[tuple[int, int], TypeSet]:
        # LATERAL on the full primary key: one index lookup per pair whatever the planner's
        # statistics say (a plain join was planned as a scan per pair on an unanalysed table).
        with unavailable():
            rows = await self._conn.fetch(
                "SELECT p.from_id, p.to_id, a.types"
                " FROM unnest($4::bigint[], $5::bigint[]) AS p(from_id, to_id)"
                " CROSS JOIN LATERAL (SELECT types FROM associations WHERE portal_id = $1"
                " AND from_type = $2 AND from_id = p.from_id AND to_type = $3"
                " AND to_id = p.to_id) a",
                self._portal,
                from_type,
                to_type,
                [p[0] for p in pairs],
                [p[1] for p in pairs],
            )
        return {(r[0], r[1]): decode_types(r[2]) for r in rows}

    async def edges_from(
        self, from_type: str, to_type: str, from_ids: Sequence[int]
    ) -> list[tuple[int, int, TypeSet]]:
        with unavailable():
            rows = await self._conn.fetch(
                "SELECT from_id, to_id, types FROM associations WHERE portal_id = $1"
                " AND from_type = $2 AND to_type = $3 AND from_id = ANY($4::bigint[])"
                " ORDER BY from_id, to_id",
                self._portal,
                from_type,
                to_type,
                sorted(set(from_ids)),
            )
        return [(r[0], r[1], decode_types(r[2])) for r in rows]

    async def put_pairs(self, from_type: str, to_type: str, edges: Sequence[EdgeWrite]) -> None:
        upserts = [e for e in edges if e[2]]
        deletes = [e for e in edges if not e[2]]
        portal = self._portal
        with unavailable():
            if upserts:
                # Both directions in one statement, from arrays: one round trip per batch.
                await self._conn.execute(
                    "INSERT INTO associations (portal_id, from_type, from_id, to_type, to_id,"
                    " types) SELECT $1, f_type, f_id, t_type, t_id, types FROM unnest("
                    "$2::text[], $3::bigint[], $4::text[], $5::bigint[], $6::text[])"
                    " AS u(f_type, f_id, t_type, t_id, types)"
                    " ON CONFLICT (portal_id, from_type, from_id, to_type, to_id)"
                    " DO UPDATE SET types = excluded.types",
                    portal,
                    [from_type] * len(upserts) + [to_type] * len(upserts),
                    [e[0] for e in upserts] + [e[1] for e in upserts],
                    [to_type] * len(upserts) + [from_type] * len(upserts),
                    [e[1] for e in upserts] + [e[0] for e in upserts],
                    [encode_types(e[2]) for e in upserts] + [encode_types(e[3]) for e in upserts],
                )
            if deletes:
                await self._conn.execute(
                    "DELETE FROM associations a USING unnest($2::text[], $3::bigint[],"
                    " $4::text[], $5::bigint[]) AS d(f_type, f_id, t_type, t_id)"
                    " WHERE a.portal_id = $1 AND a.from_type = d.f_type AND a.from_id = d.f_id"
                    " AND a.to_type = d.t_type AND a.to_id = d.t_id",
                    portal,
                    [from_type] * len(deletes) + [to_type] * len(deletes),
                    [e[0] for e in deletes] + [e[1] for e in deletes],
                    [to_type] * len(deletes) + [from_type] * len(deletes),
                    [e[1] for e in deletes] + [e[0] for e in deletes],
                )

    async def labels_for_write(self, from_type: str, to_type: str) -> list[LabelDef]:
        # FOR SHARE: a concurrent label delete (which takes FOR UPDATE) waits for this
        # transaction, then sees its edges and refuses.
        with unavailable():
            rows = await self._conn.fetch(
                "SELECT from_type, to_type, category, type_id, name, label, inverse_type_id"
                " FROM labels WHERE portal_id = $1 AND from_type = $2 AND to_type = $3"
                " FOR SHARE",
                self._portal,
                from_type,
                to_type,
            )
        return [LabelDef(*row) for row in rows]

    async def add_labels(self, labels: Sequence[LabelDef]) -> None:
        with unavailable():
            await self._conn.executemany(
                "INSERT INTO labels (portal_id, from_type, to_type, category, type_id, name,"
                " label, inverse_type_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                [
                    (
                        self._portal,
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

    async def allocate_type_ids(self, count: int) -> int:
        with unavailable():
            next_id = await self._conn.fetchval(
                "UPDATE portals SET next_type_id = next_type_id + $1 WHERE portal_id = $2"
                " RETURNING next_type_id",
                count,
                self._portal,
            )
        if next_id is None:
            raise ValidationError(f"Portal {self._portal} does not exist.")
        return int(next_id) - count
