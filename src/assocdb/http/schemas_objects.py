"""CRM objects v3 wire shapes as msgspec Structs.

HubSpot: https://developers.hubspot.com/docs/guides/api/crm/using-object-apis

Written from HubSpot's documented behaviour and real responses, not generated from
HubSpot's OpenAPI files. Property values are strings on the wire; clients also send
numbers and booleans, which are accepted and stored as their text.
"""

from __future__ import annotations

from typing import Literal

from msgspec import Struct

from assocdb.http.schemas import AssociationSpec, BatchErrorItem, IdText, Paging, PublicObjectId

__all__ = [
    "AssociatedId",
    "BatchArchiveObjects",
    "BatchCreateObjects",
    "BatchReadObjects",
    "BatchResponseObjects",
    "BatchResponseObjectsWithErrors",
    "BatchUpdateInput",
    "BatchUpdateObjects",
    "CollectionResponseAssociatedId",
    "CollectionResponseObjects",
    "ObjectAssociationInput",
    "ObjectCreate",
    "ObjectUpdateBody",
    "PropertyValue",
    "SimplePublicObject",
]

PropertyValue = str | int | float | bool | None
Status = Literal["PENDING", "PROCESSING", "CANCELED", "COMPLETE"]


# -- requests ------------------------------------------------------------------------------


class ObjectAssociationInput(Struct, forbid_unknown_fields=False):
    """``{"to": {"id": "123"}, "types": [{"associationCategory", "associationTypeId"}]}``;
    the category may be omitted (2026-03 examples do)."""

    to: PublicObjectId
    types: list[AssociationSpec]


class ObjectCreate(Struct, forbid_unknown_fields=False):
    properties: dict[str, PropertyValue]
    associations: list[ObjectAssociationInput] | None = None
    objectWriteTraceId: str | None = None


class ObjectUpdateBody(Struct, forbid_unknown_fields=False):
    properties: dict[str, PropertyValue]


class BatchCreateObjects(Struct, forbid_unknown_fields=False):
    inputs: list[ObjectCreate]


class BatchUpdateInput(Struct, forbid_unknown_fields=False):
    id: IdText
    properties: dict[str, PropertyValue]
    idProperty: str | None = None
    objectWriteTraceId: str | None = None


class BatchUpdateObjects(Struct, forbid_unknown_fields=False):
    inputs: list[BatchUpdateInput]


class BatchReadObjects(Struct, forbid_unknown_fields=False):
    inputs: list[PublicObjectId]
    properties: list[str] | None = None
    propertiesWithHistory: list[str] | None = None
    idProperty: str | None = None


class BatchArchiveObjects(Struct, forbid_unknown_fields=False):
    inputs: list[PublicObjectId]


# -- responses -----------------------------------------------------------------------------


class AssociatedId(Struct):
    id: str
    type: str


class CollectionResponseAssociatedId(Struct):
    results: list[AssociatedId]


class ValueWithTimestamp(Struct):
    """One version of a property (``propertiesWithHistory``); ``sourceId``, ``sourceLabel``
    and ``updatedByUserId`` are optional in HubSpot's model and never set here.

    HubSpot: https://developers.hubspot.com/docs/api/crm/understanding-the-crm
    """

    value: str
    timestamp: str
    sourceType: str


class SimplePublicObject(Struct, omit_defaults=True, kw_only=True):
    """``SimplePublicObject`` / ``SimplePublicObjectWithAssociations``."""

    id: str
    properties: dict[str, str | None]
    createdAt: str
    updatedAt: str
    archived: bool
    archivedAt: str | None = None
    associations: dict[str, CollectionResponseAssociatedId] | None = None
    propertiesWithHistory: dict[str, list[ValueWithTimestamp]] | None = None
    objectWriteTraceId: str | None = None


class CollectionResponseObjects(Struct, omit_defaults=True):
    results: list[SimplePublicObject]
    paging: Paging | None = None


class BatchResponseObjects(Struct):
    status: Status
    results: list[SimplePublicObject]
    startedAt: str
    completedAt: str


class BatchResponseObjectsWithErrors(Struct):
    status: Status
    results: list[SimplePublicObject]
    numErrors: int
    errors: list[BatchErrorItem]
    startedAt: str
    completedAt: str
