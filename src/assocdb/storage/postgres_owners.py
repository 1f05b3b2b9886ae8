"""PostgreSQL: CRM owners (the port is ``domain.owners.OwnerStore``), same SQL as SQLite."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from assocdb.domain.owners import IdProperty, NewOwner, Owner, Team, email_key
from assocdb.storage import crm_sql as q
from assocdb.storage.postgres_base import PostgresBase
from assocdb.storage.sql import pg
from assocdb.storage.sqlite_owners import (
    duplicate_email,
    encode_teams,
    no_portal,
    owner_from_row,
)

__all__ = ["PostgresOwners", "take_counter"]


async def take_counter(
    conn: asyncpg.Connection, portal_id: int, name: str, start: int, n: int
) -> int:
    """The first of ``n`` consecutive values of a per-portal counter (inside a transaction)."""
    await conn.execute(pg(q.COUNTER_INIT), portal_id, name, start)
    after = await conn.fetchval(pg(q.COUNTER_TAKE), n, portal_id, name)
    return int(after) - n


async def _team(conn: asyncpg.Connection, portal_id: int, name: str, primary: bool) -> Team:
    """The portal's team of this name (case-insensitive), created if new (by whichever of
    two concurrent creates commits first: the other's insert does nothing)."""
    found = await conn.fetchrow(pg(q.TEAM_BY_NAME), portal_id, name.lower())
    if found is None:
        team_id = await take_counter(conn, portal_id, "team", q.TEAM_BASE + 1, 1)
        await conn.execute(pg(q.TEAM_INSERT), portal_id, team_id, name.lower(), name)
        found = await conn.fetchrow(pg(q.TEAM_BY_NAME), portal_id, name.lower())
    return Team(str(found[0]), found[1], primary)


class PostgresOwners(PostgresBase):
    async def create_owner(self, portal_id: int, owner: NewOwner, now_ms: int) -> Owner:
        async with self._connection() as conn, conn.transaction():
            if await conn.fetchval(pg(q.PORTAL_EXISTS), portal_id) is None:
                raise no_portal(portal_id)
            owner_id = await take_counter(conn, portal_id, "owner", q.OWNER_BASE + 1, 1)
            user_id = await take_counter(conn, portal_id, "user", q.USER_BASE + 1, 1)
            row = (owner_id, user_id, owner.email, owner.first_name, owner.last_name)
            teams = tuple(
                [await _team(conn, portal_id, n, i == 0) for i, n in enumerate(owner.teams)]
            )
            try:
                await conn.execute(
                    pg(q.OWNER_INSERT),
                    portal_id,
                    email_key(owner.email),
                    *row,
                    now_ms,
                    now_ms,
                    encode_teams(teams),
                )
            except asyncpg.UniqueViolationError:
                raise duplicate_email(owner.email) from None
            return Owner(*row, False, now_ms, now_ms, teams)

    async def list_owners(
        self, portal_id: int, *, email: str | None, archived: bool, after_id: int, limit: int
    ) -> list[Owner]:
        async with self._connection() as conn:
            if email is None:
                rows = await conn.fetch(pg(q.OWNER_LIST), portal_id, int(archived), after_id, limit)
            else:
                rows = await conn.fetch(
                    pg(q.OWNER_LIST_BY_EMAIL), portal_id, int(archived), after_id, email, limit
                )
        return [owner_from_row(tuple(r)) for r in rows]

    async def find_owner(
        self, portal_id: int, *, by: IdProperty, value: int, archived: bool
    ) -> Owner | None:
        sql = q.OWNER_BY_ID if by == "id" else q.OWNER_BY_USER
        async with self._connection() as conn:
            row = await conn.fetchrow(pg(sql), portal_id, value, int(archived))
        return owner_from_row(tuple(row)) if row else None

    async def archive_owner(self, portal_id: int, owner_id: int, now_ms: int) -> bool:
        async with self._connection() as conn:
            status = await conn.execute(pg(q.OWNER_ARCHIVE), now_ms, portal_id, owner_id)
        return bool(status.endswith(" 1"))

    async def existing_owner_ids(self, portal_id: int, ids: Sequence[int]) -> set[int]:
        async with self._connection() as conn:
            rows = await conn.fetch(
                "SELECT owner_id FROM owners WHERE portal_id = $1 AND archived = 0"
                " AND owner_id = ANY($2::bigint[])",
                portal_id,
                sorted(set(ids)),
            )
        return {r[0] for r in rows}
