"""HubSpot's wire shapes as msgspec Structs: decoded and validated in one step, encoded once.

Field names are HubSpot's (camelCase). These types also generate our OpenAPI document.
Written from HubSpot's documented behaviour, not generated from HubSpot's OpenAPI files:
https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associate-records/guide
https://developers.hubspot.com/docs/guides/api/crm/using-object-apis
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta, Struct, field

__all__ = [
    "AssociationSpecWithLabel",
    "BatchErrorItem",
    "BatchReadInput",
    "BatchReadRequest",
    "BatchResponseMultiWithLabel",
    "BatchResponseMultiWithLabelWithErrors",
    "CollectionResponseMultiAssociated",
    "Error",
    "ErrorDetailWire",
    "FromId",
    "MultiAssociatedObjectWithLabel",
    "NextPage",
    "Paging",
    "PublicAssociationMultiWithLabel",
]

Category = Literal["HUBSPOT_DEFINED", "USER_DEFINED", "INTEGRATOR_DEFINED", "WORK"]
IdText = Annotated[
    str | int,
    Meta(description="A record id: a string of digits (numbers are accepted too)."),
]
Context = dict[str, list[str]]


class BatchReadInput(Struct, forbid_unknown_fields=False):
    id: IdText
    after: str | None = None


class BatchReadRequest(Struct):
    inputs: list[BatchReadInput]


# The read shapes below are built once per association of an answer (42,000 times for a
# 1,000-id batch read): ``gc=False`` keeps them out of the cyclic garbage collector, whose
# passes over tens of thousands of fresh objects cost more than building them. Safe
# because they hold only strings, ints and lists of each other and so never form a cycle.
# https://jcristharif.com/msgspec/structs.html#disabling-garbage-collection-advanced


class AssociationSpecWithLabel(Struct, gc=False):
    category: Category
    typeId: int
    label: str | None


class MultiAssociatedObjectWithLabel(Struct, gc=False):
    toObjectId: int
    associationTypes: list[AssociationSpecWithLabel]


class NextPage(Struct, omit_defaults=True):
    after: str
    link: str | None = None


class Paging(Struct):
    next: NextPage


class FromId(Struct):
    id: str


class PublicAssociationMultiWithLabel(Struct, omit_defaults=True):
    from_: FromId = field(name="from")
    to: list[MultiAssociatedObjectWithLabel] = field(default_factory=list)
    paging: Paging | None = None


class BatchErrorItem(Struct, omit_defaults=True, kw_only=True):
    status: str
    category: str
    subCategory: str | None = None
    message: str
    context: Context | None = None


class BatchResponseMultiWithLabel(Struct):
    status: Literal["PENDING", "PROCESSING", "CANCELED", "COMPLETE"]
    results: list[PublicAssociationMultiWithLabel]
    startedAt: str
    completedAt: str


class BatchResponseMultiWithLabelWithErrors(Struct):
    status: Literal["PENDING", "PROCESSING", "CANCELED", "COMPLETE"]
    results: list[PublicAssociationMultiWithLabel]
    numErrors: int
    errors: list[BatchErrorItem]
    startedAt: str
    completedAt: str


class CollectionResponseMultiAssociated(Struct, omit_defaults=True):
    results: list[MultiAssociatedObjectWithLabel]
    paging: Paging | None = None


class ErrorDetailWire(Struct, omit_defaults=True):
    message: str
    code: str | None = None
    subCategory: str | None = None
    context: Context | None = None


class Error(Struct, omit_defaults=True):
    status: str
    message: str
    correlationId: str
    category: str
    subCategory: str | None = None
    context: Context | None = None
    links: dict[str, str] | None = None
    errors: list[ErrorDetailWire] | None = None


class Health(Struct):
    status: str


encoder = msgspec.json.Encoder()


# -- writes ------------------------------------------------------------------------------
# HubSpot: https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associate-records/guide
# and https://developers.hubspot.com/docs/api-reference/2026-03/crm/associations/associate-records/batch/create-associations-labeled


class AssociationSpec(Struct, forbid_unknown_fields=False):
    associationTypeId: int
    # Required by the v4 spec; HubSpot's 2026-03 examples omit it:
    # https://developers.hubspot.com/docs/api-reference/2026-03/crm/associations/associate-records/batch/create-associations-labeled
    associationCategory: Category | None = None


class PublicObjectId(Struct, forbid_unknown_fields=False):
    id: IdText


class AssociationMultiPost(Struct, forbid_unknown_fields=False):
    from_: PublicObjectId = field(name="from")
    to: PublicObjectId
    types: list[AssociationSpec]


class BatchCreateRequest(Struct):
    inputs: list[AssociationMultiPost]


class DefaultAssociationPost(Struct, forbid_unknown_fields=False):
    from_: PublicObjectId = field(name="from")
    to: PublicObjectId


class BatchDefaultRequest(Struct):
    inputs: list[DefaultAssociationPost]


class AssociationMultiArchive(Struct, forbid_unknown_fields=False):
    from_: PublicObjectId = field(name="from")
    to: list[PublicObjectId]


class BatchArchiveRequest(Struct):
    inputs: list[AssociationMultiArchive]


class LabelsBetweenObjectPair(Struct):
    fromObjectTypeId: str
    fromObjectId: int
    toObjectTypeId: str
    toObjectId: int
    labels: list[str]


class BatchResponseLabelsBetweenObjectPair(Struct):
    status: str
    results: list[LabelsBetweenObjectPair]
    startedAt: str
    completedAt: str


class BatchResponseLabelsBetweenObjectPairWithErrors(Struct):
    status: str
    results: list[LabelsBetweenObjectPair]
    numErrors: int
    errors: list[BatchErrorItem]
    startedAt: str
    completedAt: str


class AssociationSpecOut(Struct):
    associationCategory: Category
    associationTypeId: int


class IdOut(Struct):
    id: str


class PublicDefaultAssociation(Struct):
    from_: IdOut = field(name="from")
    to: IdOut
    associationSpec: AssociationSpecOut


class BatchResponseDefaultAssociation(Struct, omit_defaults=True, kw_only=True):
    status: str
    results: list[PublicDefaultAssociation]
    numErrors: int | None = None
    errors: list[BatchErrorItem] | None = None
    startedAt: str
    completedAt: str


class BatchResponseVoid(Struct):
    """The 2026-03 batch archive answer: 200 with an empty batch body.

    HubSpot: https://developers.hubspot.com/docs/api-reference/2026-03/crm/associations/associate-records/batch/create-associations-labeled
    """

    status: str
    results: list[dict[str, str]]
    startedAt: str
    completedAt: str
