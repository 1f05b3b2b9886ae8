"""What a store holds, for people: portals, token metadata and row counts.

A role-sized port used by ``assocdb portal list``, ``token list``, ``status`` and ``serve``'s
start-up banner. Tokens are listed by id (the first characters of their SHA-256 digest,
which is stored anyway and reveals nothing usable), never by value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from assocdb.domain.models import Portal

__all__ = ["TOKEN_ID_CHARS", "InventoryStore", "PortalCounts", "TokenInfo", "token_id"]

TOKEN_ID_CHARS = 12
"""48 bits of the digest: unique enough to tell a portal's tokens apart at a glance."""


def token_id(token_hash: str) -> str:
    """The id ``token list`` shows: ``printf %s "$TOKEN" | sha256sum | cut -c1-12``."""
    return token_hash[:TOKEN_ID_CHARS]


@dataclass(frozen=True, slots=True)
class TokenInfo:
    token_id: str
    scopes: frozenset[str]
    created_at_ms: int
    expires_at_ms: int | None
    revoked: bool


@dataclass(frozen=True, slots=True)
class PortalCounts:
    objects: int
    associations: int
    """Associations (pairs); each is stored as two directed rows."""


@runtime_checkable
class InventoryStore(Protocol):
    async def list_portals(self) -> list[Portal]: ...

    async def list_token_infos(self, portal_id: int) -> list[TokenInfo]: ...

    async def schema_version(self) -> int: ...

    async def portal_counts(self) -> dict[int, PortalCounts]:
        """Objects and associations of every portal that holds any."""
        ...
