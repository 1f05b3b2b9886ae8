"""Wire shapes of ``POST /crm/v3/objects/{type}/batch/upsert`` as msgspec Structs.

Written from HubSpot's public page
https://developers.hubspot.com/docs/api-reference/legacy/crm/objects/contacts/batch/upsert-contacts,
not generated from HubSpot's OpenAPI files.
"""

from __future__ import annotations

from msgspec import Struct

from assocdb.http.schemas import BatchErrorItem, IdText
from assocdb.http.schemas_objects import PropertyValue, Status

__all__ = [
    "BatchResponseUpsert",
    "BatchResponseUpsertWithErrors",
    "BatchUpsertObjects",
    "UpsertInputBody",
    "UpsertObject",
]


class UpsertInputBody(Struct, forbid_unknown_fields=False):
    id: IdText
    properties: dict[str, PropertyValue]
    idProperty: str | None = None
    objectWriteTraceId: str | None = None


class BatchUpsertObjects(Struct, forbid_unknown_fields=False):
    inputs: list[UpsertInputBody]


class UpsertObject(Struct, omit_defaults=True, kw_only=True):
    """``SimplePublicUpsertObject``: a record with ``new`` (created by this upsert); ``new``
    is always written, false included (omit_defaults only drops the trace id)."""

    id: str
    properties: dict[str, str | None]
    createdAt: str
    updatedAt: str
    archived: bool
    new: bool
    objectWriteTraceId: str | None = None


class BatchResponseUpsert(Struct):
    status: Status
    results: list[UpsertObject]
    startedAt: str
    completedAt: str


class BatchResponseUpsertWithErrors(Struct):
    status: Status
    results: list[UpsertObject]
    numErrors: int
    errors: list[BatchErrorItem]
    startedAt: str
    completedAt: str
