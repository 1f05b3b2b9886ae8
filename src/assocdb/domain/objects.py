"""CRM records (the things associations link)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from assocdb.domain.clock import now_ms
from assocdb.domain.models import CrmObject
from assocdb.domain.objecttypes import ObjectType
from assocdb.domain.store import Store

__all__ = ["ObjectService"]


class ObjectService:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def create_many(
        self, portal_id: int, object_type: ObjectType, properties: Sequence[Mapping[str, str]]
    ) -> list[CrmObject]:
        """Create records; ids are allocated per portal, HubSpot-sized (11+ digits)."""
        return await self.store.create_objects(portal_id, object_type.type_id, properties, now_ms())
