"""SQLite: CRM owners (the port is ``domain.owners.OwnerStore``)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any

from assocdb.domain.owners import IdProperty, NewOwner, Owner, Team, email_key
from assocdb.errors import ValidationError
from assocdb.storage import crm_sql as q
from assocdb.storage.sqlite_base import SQLiteBase

__all__ = ["SQLiteOwners", "take_counter"]


def take_counter(conn: sqlite3.Connection, portal_id: int, name: str, start: int, n: int) -> int:
    """The first of ``n`` consecutive values of a per-portal counter (inside a write tx)."""
    conn.execute(q.COUNTER_INIT, (portal_id, name, start))
    (after,) = conn.execute(q.COUNTER_TAKE, (n, portal_id, name)).fetchone()
    return int(after) - n


def owner_from_row(row: Sequence[Any]) -> Owner:
    owner_id, user_id, email, first, last, archived, created, updated, teams = row
    return Owner(
        owner_id, user_id, email, first, last, bool(archived), created, updated, decode_teams(teams)
    )


def encode_teams(teams: Sequence[Team]) -> str:
    return json.dumps([{"id": t.team_id, "name": t.name, "primary": t.primary} for t in teams])


def decode_teams(text: str) -> tuple[Team, ...]:
    return tuple(Team(str(t["id"]), str(t["name"]), bool(t["primary"])) for t in json.loads(text))


def _team(conn: sqlite3.Connection, portal_id: int, name: str, primary: bool) -> Team:
    """The portal's team of this name (case-insensitive), created if new."""
    found = conn.execute(q.TEAM_BY_NAME, (portal_id, name.lower())).fetchone()
    if found is not None:
        return Team(str(found[0]), found[1], primary)
    team_id = take_counter(conn, portal_id, "team", q.TEAM_BASE + 1, 1)
    conn.execute(q.TEAM_INSERT, (portal_id, team_id, name.lower(), name))
    return Team(str(team_id), name, primary)


def duplicate_email(email: str) -> ValidationError:
    return ValidationError(
        f"An owner with the email '{email}' already exists.", context={"email": [email]}
    )


def no_portal(portal_id: int) -> ValidationError:
    return ValidationError(f"Portal {portal_id} does not exist.")


class SQLiteOwners(SQLiteBase):
    async def create_owner(self, portal_id: int, owner: NewOwner, now_ms: int) -> Owner:
        def run(conn: sqlite3.Connection) -> Owner:
            if conn.execute(q.PORTAL_EXISTS, (portal_id,)).fetchone() is None:
                raise no_portal(portal_id)
            owner_id = take_counter(conn, portal_id, "owner", q.OWNER_BASE + 1, 1)
            user_id = take_counter(conn, portal_id, "user", q.USER_BASE + 1, 1)
            row = (owner_id, user_id, owner.email, owner.first_name, owner.last_name)
            teams = tuple(_team(conn, portal_id, n, i == 0) for i, n in enumerate(owner.teams))
            try:
                conn.execute(
                    q.OWNER_INSERT,
                    (portal_id, email_key(owner.email), *row, now_ms, now_ms, encode_teams(teams)),
                )
            except sqlite3.IntegrityError:
                raise duplicate_email(owner.email) from None
            return Owner(*row, False, now_ms, now_ms, teams)

        return await self._write_tx(run)

    async def list_owners(
        self, portal_id: int, *, email: str | None, archived: bool, after_id: int, limit: int
    ) -> list[Owner]:
        args: tuple[object, ...] = (portal_id, int(archived), after_id, limit)
        sql = q.OWNER_LIST
        if email is not None:
            sql, args = q.OWNER_LIST_BY_EMAIL, (portal_id, int(archived), after_id, email, limit)
        rows = await self._read(lambda c: c.execute(sql, args).fetchall())
        return [owner_from_row(r) for r in rows]

    async def find_owner(
        self, portal_id: int, *, by: IdProperty, value: int, archived: bool
    ) -> Owner | None:
        sql = q.OWNER_BY_ID if by == "id" else q.OWNER_BY_USER
        row = await self._read(
            lambda c: c.execute(sql, (portal_id, value, int(archived))).fetchone()
        )
        return owner_from_row(row) if row else None

    async def archive_owner(self, portal_id: int, owner_id: int, now_ms: int) -> bool:
        def run(conn: sqlite3.Connection) -> bool:
            return conn.execute(q.OWNER_ARCHIVE, (now_ms, portal_id, owner_id)).rowcount > 0

        return await self._write_tx(run)

    async def existing_owner_ids(self, portal_id: int, ids: Sequence[int]) -> set[int]:
        wanted = sorted(set(ids))
        if not wanted:
            return set()
        marks = ", ".join("?" * len(wanted))
        sql = (
            f"SELECT owner_id FROM owners WHERE portal_id = ? AND archived = 0"
            f" AND owner_id IN ({marks})"
        )
        rows = await self._read(lambda c: c.execute(sql, (portal_id, *wanted)).fetchall())
        return {r[0] for r in rows}
