"""CRM owners: the people records are assigned to (``hubspot_owner_id``).

HubSpot's owners API is read-only (https://developers.hubspot.com/docs/api/crm/owners):
owners are the portal's users, created in HubSpot's UI. assocdb creates them with
``assocdb owner create``, the admin API, or seed documents; the API only lists and reads.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

from assocdb.domain.clock import now_ms
from assocdb.errors import ObjectNotFound, ValidationError

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "MAX_TEAMS",
    "NewOwner",
    "Owner",
    "OwnerPage",
    "OwnerService",
    "OwnerStore",
    "Team",
    "owner_store",
]

DEFAULT_LIMIT = 100
MAX_LIMIT = 500
"""``GET /crm/v3/owners``: HubSpot's default page is 100 and its maximum 500
(https://developers.hubspot.com/docs/api/crm/owners); larger values are clamped."""

MAX_NAME = 100
"""First and last names longer than this are refused: a bound on stored text."""

# Deliberately loose: one "@", no spaces, a dot in the domain. HubSpot's own check is not
# documented; this refuses typos without refusing real addresses.
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]+")
_MAX_EMAIL = 254

IdProperty = Literal["id", "userId"]


MAX_TEAMS = 20
"""Teams one owner is in [inferred: HubSpot documents no cap]; names ≤ ``MAX_NAME``."""


@dataclass(frozen=True, slots=True)
class NewOwner:
    email: str
    first_name: str | None = None
    last_name: str | None = None
    teams: tuple[str, ...] = ()
    """Team names, the primary team first; a name new to the portal creates the team."""


@dataclass(frozen=True, slots=True)
class Team:
    """HubSpot's ``PublicTeam`` (https://developers.hubspot.com/docs/api/crm/owners)."""

    team_id: str
    name: str
    primary: bool


@dataclass(frozen=True, slots=True)
class Owner:
    owner_id: int
    user_id: int
    email: str
    first_name: str | None
    last_name: str | None
    archived: bool
    created_at_ms: int
    updated_at_ms: int
    teams: tuple[Team, ...] = ()


@dataclass(frozen=True, slots=True)
class OwnerPage:
    owners: list[Owner]
    next_after: int | None


@runtime_checkable
class OwnerStore(Protocol):
    """The storage port of owners (storage/{sqlite,postgres}_owners.py)."""

    async def create_owner(self, portal_id: int, owner: NewOwner, now_ms: int) -> Owner:
        """A new owner with the next owner and user ids of the portal; a ValidationError
        if the portal does not exist or an active owner already has the email."""
        ...

    async def list_owners(
        self, portal_id: int, *, email: str | None, archived: bool, after_id: int, limit: int
    ) -> list[Owner]:
        """Up to ``limit`` owners with ``owner_id > after_id``, by ascending id."""
        ...

    async def find_owner(
        self, portal_id: int, *, by: IdProperty, value: int, archived: bool
    ) -> Owner | None: ...

    async def archive_owner(self, portal_id: int, owner_id: int, now_ms: int) -> bool: ...

    async def existing_owner_ids(self, portal_id: int, ids: Sequence[int]) -> set[int]:
        """The active owners among ``ids``."""
        ...


def owner_store(store: object) -> OwnerStore:
    """``store`` as the owners port; a TypeError if it does not implement it."""
    if not isinstance(store, OwnerStore):
        raise TypeError(f"{type(store).__name__} does not implement the OwnerStore port")
    return store


def email_key(email: str) -> str:
    """Owners are found by email case-insensitively; the key is what is indexed."""
    return email.strip().lower()


def _check(owner: NewOwner) -> NewOwner:
    email = owner.email.strip()
    if len(email) > _MAX_EMAIL or not _EMAIL.fullmatch(email):
        raise ValidationError(
            f"Invalid email '{email[:100]}': an owner needs a valid email address.",
            context={"email": [email[:100]]},
        )
    for name, value in (("firstName", owner.first_name), ("lastName", owner.last_name)):
        if value is not None and len(value) > MAX_NAME:
            raise ValidationError(
                f"{name} is longer than {MAX_NAME} characters.", context={name: [value[:40]]}
            )
    return NewOwner(
        email, owner.first_name or None, owner.last_name or None, _check_teams(owner.teams)
    )


def _check_teams(names: Sequence[str]) -> tuple[str, ...]:
    """1 to ``MAX_NAME`` characters each (trimmed), at most ``MAX_TEAMS``, no name twice."""
    if len(names) > MAX_TEAMS:
        raise ValidationError(
            f"An owner is in at most {MAX_TEAMS} teams.", context={"teams": [str(len(names))]}
        )
    clean = tuple(n.strip() for n in names)
    bad = next((n for n in clean if not n or len(n) > MAX_NAME), None)
    if bad is not None:
        raise ValidationError(
            f"Invalid team name '{bad[:40]}': 1 to {MAX_NAME} characters.",
            context={"teams": [bad[:40]]},
        )
    keys = [n.lower() for n in clean]
    if len(set(keys)) != len(keys):
        raise ValidationError("A team is named twice.", context={"teams": list(clean)})
    return clean


def _parse_int(raw: str, what: str) -> int:
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        raise ValidationError(
            f"Invalid {what} '{raw[:40]}': it must be a positive integer.",
            context={what: [raw[:40]]},
        )
    return int(raw)


class OwnerService:
    def __init__(self, store: OwnerStore) -> None:
        self.store = store

    async def create(self, portal_id: int, owner: NewOwner) -> Owner:
        return await self.store.create_owner(portal_id, _check(owner), now_ms())

    async def list_page(
        self,
        portal_id: int,
        *,
        email: str | None = None,
        after: str | None = None,
        limit: int = DEFAULT_LIMIT,
        archived: bool = False,
    ) -> OwnerPage:
        """Owners by ascending id; ``after`` is the last id of the previous page."""
        after_id = _parse_int(after, "after") if after else 0
        limit = max(1, min(limit, MAX_LIMIT))
        found = await self.store.list_owners(
            portal_id,
            email=email_key(email) if email else None,
            archived=archived,
            after_id=after_id,
            limit=limit + 1,
        )
        if len(found) > limit:
            return OwnerPage(found[:limit], found[limit - 1].owner_id)
        return OwnerPage(found, None)

    async def get(
        self, portal_id: int, raw_id: str, *, by: str = "id", archived: bool = False
    ) -> Owner:
        """One owner by owner id (``idProperty=id``, the default) or by ``userId``."""
        if by not in ("id", "userId"):
            raise ValidationError(
                f"Invalid idProperty '{by[:40]}': use 'id' or 'userId'.",
                context={"idProperty": [by[:40]]},
            )
        value = _parse_int(raw_id, "ownerId")
        found = await self.store.find_owner(
            portal_id, by="id" if by == "id" else "userId", value=value, archived=archived
        )
        if found is None:
            raise ObjectNotFound(
                f"No owner with {by} {raw_id} exists.", context={"ownerId": [raw_id]}
            )
        return found

    async def archive(self, portal_id: int, owner_id: int) -> None:
        if not await self.store.archive_owner(portal_id, owner_id, now_ms()):
            raise ObjectNotFound(f"No owner with id {owner_id} exists.")

    async def missing(self, portal_id: int, ids: Sequence[int]) -> list[int]:
        """The ids among ``ids`` that are not active owners of the portal."""
        existing = await self.store.existing_owner_ids(portal_id, ids)
        return [i for i in ids if i not in existing]
