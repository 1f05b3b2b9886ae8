"""Properties API wire shapes (https://developers.hubspot.com/docs/guides/api/crm/properties)
as msgspec Structs, written from HubSpot's documented fields, not generated."""

from __future__ import annotations

from typing import Literal

from msgspec import UNSET, Struct, UnsetType

from assocdb.http.schemas import BatchErrorItem

__all__ = [
    "BatchPropertyCreate",
    "BatchPropertyNames",
    "BatchReadProperties",
    "BatchResponseProperty",
    "BatchResponsePropertyWithErrors",
    "CollectionResponseProperty",
    "CollectionResponsePropertyGroup",
    "ModificationMetadata",
    "OptionWire",
    "PropertyCreate",
    "PropertyGroupCreate",
    "PropertyGroupUpdate",
    "PropertyGroupWire",
    "PropertyName",
    "PropertyUpdate",
    "PropertyWire",
]

Status = Literal["PENDING", "PROCESSING", "CANCELED", "COMPLETE"]


class OptionWire(Struct, forbid_unknown_fields=False):
    label: str
    value: str
    displayOrder: int = 0
    hidden: bool = False
    description: str = ""


class PropertyCreate(Struct, forbid_unknown_fields=False):
    name: str
    label: str
    type: str
    fieldType: str
    groupName: str
    description: str = ""
    options: list[OptionWire] = []
    displayOrder: int = -1
    hasUniqueValue: bool = False
    hidden: bool = False
    formField: bool = False
    externalOptions: bool = False


class PropertyUpdate(Struct, forbid_unknown_fields=False):
    label: str | UnsetType = UNSET
    type: str | UnsetType = UNSET
    fieldType: str | UnsetType = UNSET
    groupName: str | UnsetType = UNSET
    description: str | UnsetType = UNSET
    options: list[OptionWire] | UnsetType = UNSET
    displayOrder: int | UnsetType = UNSET
    hidden: bool | UnsetType = UNSET
    formField: bool | UnsetType = UNSET


class PropertyName(Struct, forbid_unknown_fields=False):
    name: str


class BatchPropertyCreate(Struct, forbid_unknown_fields=False):
    inputs: list[PropertyCreate]


class BatchReadProperties(Struct, forbid_unknown_fields=False):
    inputs: list[PropertyName]
    archived: bool = False


class BatchPropertyNames(Struct, forbid_unknown_fields=False):
    inputs: list[PropertyName]


class ModificationMetadata(Struct):
    archivable: bool
    readOnlyDefinition: bool
    readOnlyValue: bool


class PropertyWire(Struct, omit_defaults=True, kw_only=True):
    name: str
    label: str
    type: str
    fieldType: str
    description: str
    groupName: str
    options: list[OptionWire]
    displayOrder: int
    calculated: bool
    externalOptions: bool
    hasUniqueValue: bool
    hidden: bool
    hubspotDefined: bool
    formField: bool
    modificationMetadata: ModificationMetadata
    dataSensitivity: str
    archived: bool
    createdAt: str | None = None
    updatedAt: str | None = None
    archivedAt: str | None = None


class CollectionResponseProperty(Struct):
    results: list[PropertyWire]


class BatchResponseProperty(Struct):
    status: Status
    results: list[PropertyWire]
    startedAt: str
    completedAt: str


class BatchResponsePropertyWithErrors(Struct):
    status: Status
    results: list[PropertyWire]
    numErrors: int
    errors: list[BatchErrorItem]
    startedAt: str
    completedAt: str


class PropertyGroupCreate(Struct, forbid_unknown_fields=False):
    name: str
    label: str
    displayOrder: int = -1


class PropertyGroupUpdate(Struct, forbid_unknown_fields=False):
    label: str | UnsetType = UNSET
    displayOrder: int | UnsetType = UNSET


class PropertyGroupWire(Struct):
    name: str
    label: str
    displayOrder: int
    archived: bool


class CollectionResponsePropertyGroup(Struct):
    results: list[PropertyGroupWire]
