"""What the explorer (``http/explorer/``) reads that no API reads: the list of portals,
counts of records per type, and which object types a record has associations with.

Read-only, and every per-portal call takes the portal first, like every other port. The
records and associations themselves are read through ``ObjectService`` and
``AssociationService``, exactly as the API reads them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from assocdb.domain.models import LabelDef, Portal
from assocdb.domain.objecttypes import ObjectType, resolve_object_type
from assocdb.errors import ValidationError

__all__ = [
    "MAX_PORTALS_LISTED",
    "ExplorerService",
    "ExplorerStore",
    "PortalSummary",
    "TypeCount",
]

MAX_PORTALS_LISTED = 200
"""Portals on one page of the portals view (keyset paged beyond that)."""


@runtime_checkable
class ExplorerStore(Protocol):
    """The explorer's storage port (``storage/*_explorer.py``)."""

    async def page_portals(self, after_id: int, limit: int) -> list[Portal]:
        """Portals with ``portal_id > after_id``, by ascending id."""
        ...

    async def count_objects_by_type(self, portal_id: int) -> dict[str, int]:
        """Live records per object type id; types without records are left out."""
        ...

    async def count_associations_by_type(
        self, portal_id: int, from_type: str, from_id: int
    ) -> dict[str, int]:
        """Associated records per to-type id of one record (an index range count)."""
        ...

    async def count_tokens(self, portal_id: int) -> int:
        """Tokens of a portal that are not revoked (expired ones included)."""
        ...

    async def list_all_labels(self, portal_id: int) -> list[LabelDef]: ...


@dataclass(frozen=True, slots=True)
class TypeCount:
    object_type: ObjectType
    count: int


@dataclass(frozen=True, slots=True)
class PortalSummary:
    portal: Portal
    records: list[TypeCount]
    tokens: int


def _types(counts: dict[str, int]) -> list[TypeCount]:
    """Counts by type, in the order of HubSpot's type ids (``0-1``, ``0-2``, …, ``2-…``)."""
    found = []
    for type_id, count in counts.items():
        try:
            found.append(TypeCount(resolve_object_type(type_id), count))
        except ValidationError:  # a type id this version cannot name: skip, never fail
            continue

    def order(item: TypeCount) -> tuple[int, int]:
        major, _, minor = item.object_type.type_id.partition("-")
        return (int(major), int(minor))

    return sorted(found, key=order)


class ExplorerService:
    def __init__(self, store: ExplorerStore) -> None:
        self.store = store

    async def portals(self, after_id: int = 0) -> tuple[list[PortalSummary], int | None]:
        """One page of portals with their counts, and the id to continue after (or None)."""
        portals = await self.store.page_portals(after_id, MAX_PORTALS_LISTED + 1)
        more = len(portals) > MAX_PORTALS_LISTED
        portals = portals[:MAX_PORTALS_LISTED]
        out = [await self.summary(p) for p in portals]
        return out, (portals[-1].portal_id if more else None)

    async def summary(self, portal: Portal) -> PortalSummary:
        counts = await self.store.count_objects_by_type(portal.portal_id)
        tokens = await self.store.count_tokens(portal.portal_id)
        return PortalSummary(portal, _types(counts), tokens)

    async def associated_types(
        self, portal_id: int, from_type: ObjectType, from_id: int
    ) -> list[TypeCount]:
        counts = await self.store.count_associations_by_type(portal_id, from_type.type_id, from_id)
        return _types(counts)

    async def labels(self, portal_id: int) -> Sequence[LabelDef]:
        return await self.store.list_all_labels(portal_id)
