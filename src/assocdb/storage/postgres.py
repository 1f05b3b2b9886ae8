"""PostgreSQL backend (asyncpg), for more than one machine.

Same tables and type-set encoding as SQLite. The batch read is one round trip: the
from-ids and their cursors go in as arrays, and a LATERAL subquery takes ``LIMIT n+1``
rows of each from the primary key's range. Writes lock the records they touch
(row locks on their ``objects`` rows, in a fixed order) so that concurrent workers can
never leave a half edge, a duplicate or two primaries.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager

import asyncpg

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
from assocdb.storage import postgres_labels as labels
from assocdb.storage import postgres_objects as objects
from assocdb.storage import queries as q
from assocdb.storage.postgres_base import (
    PostgresBase,
    PostgresTxCore,
    lock_object_rows,
    unavailable,
)
from assocdb.storage.postgres_explorer import PostgresExplorer
from assocdb.storage.postgres_harness import PostgresHarness
from assocdb.storage.postgres_history import PostgresHistory
from assocdb.storage.postgres_inventory import PostgresInventory
from assocdb.storage.postgres_labels import PostgresLabels
from assocdb.storage.postgres_merges import PostgresMerges, PostgresMergeTx
from assocdb.storage.postgres_objects import ANY_ID, PostgresObjects
from assocdb.storage.postgres_owners import PostgresOwners
from assocdb.storage.postgres_pipelines import PostgresPipelines
from assocdb.storage.postgres_properties import PostgresProperties
from assocdb.storage.postgres_recordtx import PostgresRecordTx
from assocdb.storage.postgres_schemas import PostgresSchemas
from assocdb.storage.postgres_search import PostgresSearch
from assocdb.storage.postgres_webhooks import flush_events
from assocdb.storage.primary import flagger, split_flagged
from assocdb.storage.sql import pg
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
_UPSERT_EDGES = (
    "INSERT INTO associations (portal_id, from_type, from_id, to_type, to_id, types, is_primary)"
    " SELECT $1, f_type, f_id, t_type, t_id, types, flag FROM unnest($2::text[], $3::bigint[],"
    " $4::text[], $5::bigint[], $6::text[], $7::boolean[]) AS u(f_type, f_id, t_type, t_id,"
    " types, flag) ON CONFLICT (portal_id, from_type, from_id, to_type, to_id)"
    " DO UPDATE SET types = excluded.types, is_primary = excluded.is_primary"
)
_DELETE_EDGES = (
    "DELETE FROM associations a USING unnest($2::text[], $3::bigint[], $4::text[],"
    " $5::bigint[]) AS d(f_type, f_id, t_type, t_id) WHERE a.portal_id = $1"
    " AND a.from_type = d.f_type AND a.from_id = d.f_id AND a.to_type = d.t_type"
    " AND a.to_id = d.t_id"
)


class PostgresStore(
    PostgresSchemas,
    PostgresMerges,
    PostgresPipelines,
    PostgresOwners,
    PostgresObjects,
    PostgresHistory,
    PostgresLabels,
    PostgresProperties,
    PostgresSearch,
    PostgresHarness,
    PostgresInventory,
    PostgresExplorer,
    PostgresBase,
):
    # -- portals and tokens -----------------------------------------------------------

    async def create_portal(self, portal_id: int | None, name: str, now_ms: int) -> Portal:
        # SQLite numbers a portal without an id itself; here the sequence does.
        new_id = portal_id
        if new_id is None:
            new_id = int(await self.db.fetchval("SELECT nextval('portal_ids')"))
        try:
            await self.db.execute(pg(q.CREATE_PORTAL), new_id, name, now_ms)
        except asyncpg.UniqueViolationError:
            raise ValidationError(f"Portal {portal_id} already exists.") from None
        return Portal(new_id, name, now_ms)

    async def get_portal(self, portal_id: int) -> Portal | None:
        row = await self.db.fetchrow(pg(q.GET_PORTAL), portal_id)
        return Portal(row[0], row[1], row[2]) if row else None

    async def add_token(self, token: TokenRecord) -> None:
        await self.db.execute(
            pg(q.ADD_TOKEN),
            token.token_hash,
            token.portal_id,
            " ".join(sorted(token.scopes)),
            token.created_at_ms,
            token.expires_at_ms,
            token.revoked,
        )

    async def find_token(self, token_hash: str) -> TokenRecord | None:
        # Always the primary: a token created a moment ago must work at once.
        row = await self.db.fetchrow(pg(q.FIND_TOKEN), token_hash)
        if row is None:
            return None
        return TokenRecord(row[0], row[1], frozenset(row[2].split()), row[3], row[4], row[5])

    async def revoke_token(self, token_hash: str) -> bool:
        status = await self.db.execute(pg(q.REVOKE_TOKEN), True, token_hash)
        return bool(status != "UPDATE 0")

    async def set_portal_rate_limit(self, portal_id: int, policy: str | None) -> bool:
        status = await self.db.execute(pg(q.SET_RATE_LIMIT), policy, portal_id)
        return bool(status != "UPDATE 0")

    async def list_portal_rate_limits(self) -> dict[int, str]:
        rows = await self.db.fetch(q.LIST_RATE_LIMITS)
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
        rows = await self.read_db.fetch(
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
        count = await self.db.fetchval(pg(q.COUNT_EDGES), portal_id)
        return int(count)

    @asynccontextmanager
    async def transaction(self, portal_id: int) -> AsyncIterator[_PostgresTx]:
        async with self._connection() as conn, conn.transaction():
            tx = _PostgresTx(conn, portal_id, self.schema)
            await self.open_events(tx, portal_id)  # webhooks seam: tx.events
            yield tx
            await flush_events(conn, tx.events, now_ms())
        self.sinks.committed(tx.events)


class _PostgresTx(PostgresRecordTx, PostgresMergeTx, PostgresTxCore):
    """The unit of work: graph, label, limit and record operations. Other areas add a
    mixin (a ``PostgresTxCore`` subclass in their own module) to these bases."""

    events: EventSink | None = None
    """Webhook events of this transaction (set by ``open_events``; see StoreTx.events)."""

    async def lock_pairs(self, pairs: Sequence[tuple[str, str]], *, exclusive: bool) -> None:
        await labels.lock_pairs(self._db, self._portal, pairs, exclusive)

    async def lock_records(self, records: Sequence[tuple[str, int]]) -> None:
        await lock_object_rows(self._db, self._portal, records)

    async def existing_object_ids(self, object_type: str, ids: Sequence[int]) -> set[int]:
        rows = await self._db.fetch(
            pg(q.by_ids("object_id", "objects", ANY_ID)),
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
        rows = await self._db.fetch(
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
        rows = await self._db.fetch(
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
        if deletes:
            await self._db.execute(
                _DELETE_EDGES,
                portal,
                [from_type] * len(deletes) + [to_type] * len(deletes),
                [e[0] for e in deletes] + [e[1] for e in deletes],
                [to_type] * len(deletes) + [from_type] * len(deletes),
                [e[1] for e in deletes] + [e[0] for e in deletes],
            )
        if not upserts:
            return
        fwd, bwd = flagger(from_type, to_type), flagger(to_type, from_type)
        rows = [
            (from_type, f, to_type, t, encode_types(fw), bool(fwd and fwd(fw)))
            for f, t, fw, _ in upserts
        ]
        rows += [
            (to_type, t, from_type, f, encode_types(inv), bool(bwd and bwd(inv)))
            for f, t, _, inv in upserts
        ]
        # Rows without the flag in a statement before the flagged ones: the unique index is
        # checked row by row, so an old Primary must be cleared before the new one is set
        # (storage/primary.py). Most writes have no Primary: one round trip.
        for group in split_flagged(rows, 5, fwd is not None or bwd is not None):
            if group:
                # Both directions in one statement, from arrays: one round trip per group.
                await self._db.execute(
                    _UPSERT_EDGES, portal, *(list(column) for column in zip(*group, strict=True))
                )

    async def labels_for_write(self, from_type: str, to_type: str) -> list[LabelDef]:
        # No row lock: the pair lock (taken shared by every association write) keeps a
        # label delete out until this transaction ends.
        return await labels.list_labels(self._db, self._portal, from_type, to_type)

    async def add_labels(self, defs: Sequence[LabelDef]) -> None:
        await labels.add_labels(self._db, self._portal, defs)

    async def update_labels(self, defs: Sequence[LabelDef]) -> None:
        await labels.update_labels(self._db, self._portal, defs)

    async def delete_label(self, label: LabelDef) -> bool:
        return await labels.delete_label(self._db, self._portal, label)

    async def allocate_type_ids(self, count: int) -> int:
        return await labels.allocate_type_ids(self._db, self._portal, count)

    async def list_limits(self, from_type: str, to_type: str) -> list[LimitDef]:
        return await labels.list_limits(self._db, self._portal, from_type, to_type)

    async def put_limits(self, limits: Sequence[LimitDef]) -> None:
        await labels.put_limits(self._db, self._portal, limits)

    async def delete_limits(
        self, from_type: str, to_type: str, keys: Sequence[tuple[int, int]]
    ) -> None:
        await labels.delete_limits(self._db, self._portal, from_type, to_type, keys)

    async def create_objects(
        self,
        object_type: str,
        properties: Sequence[Mapping[str, str]],
        now_ms: int,
        *,
        source: str = SOURCE_API,
    ) -> list[CrmObject]:
        # COPY needs the connection itself, not the guarded query methods.
        with unavailable():
            return await objects.create_objects(
                self._conn, self._portal, object_type, properties, now_ms, self._schema, source
            )

    async def update_objects(
        self,
        object_type: str,
        updates: Sequence[tuple[int, Mapping[str, str | None]]],
        now_ms: int,
    ) -> list[UpdatedRecord]:
        return await objects.update_objects(self._db, self._portal, object_type, updates, now_ms)

    async def archive_objects(
        self,
        object_type: str,
        ids: Sequence[int],
        now_ms: int,
        *,
        purge: bool = False,
        with_edges: bool = False,
    ) -> ArchivedRecords:
        return await objects.archive_objects(
            self._db, self._portal, object_type, ids, now_ms, purge=purge, with_edges=with_edges
        )

    async def purge_objects(self, object_type: str, ids: Sequence[int]) -> None:
        await objects.purge_objects(self._db, self._portal, object_type, ids)
