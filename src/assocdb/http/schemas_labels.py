"""Wire shapes of the association schema endpoints: labels and limits.

HubSpot: https://developers.hubspot.com/docs/api-reference/crm-associations-schema-v4/guide

Written from HubSpot's documented behaviour, not generated from HubSpot's OpenAPI files.
Shared shapes (``AssociationSpecWithLabel``, ``BatchErrorItem``, ``Error``) live in
``http.schemas``.
"""

from __future__ import annotations

from typing import Literal

from msgspec import Struct

from assocdb.http.schemas import AssociationSpecWithLabel, BatchErrorItem

__all__ = [
    "BatchInputPublicAssociationDefinitionConfigurationCreateRequest",
    "BatchInputPublicAssociationDefinitionConfigurationUpdateRequest",
    "BatchInputPublicAssociationSpec",
    "BatchResponsePublicAssociationDefinitionConfigurationUpdateResult",
    "BatchResponsePublicAssociationDefinitionConfigurationUpdateResultWithErrors",
    "BatchResponsePublicAssociationDefinitionUserConfiguration",
    "BatchResponsePublicAssociationDefinitionUserConfigurationWithErrors",
    "BatchStatus",
    "CategoryName",
    "CollectionResponseAssociationSpecWithLabelNoPaging",
    "CollectionResponsePublicAssociationDefinitionUserConfigurationNoPaging",
    "PublicAssociationDefinitionConfigurationCreateRequest",
    "PublicAssociationDefinitionConfigurationUpdateRequest",
    "PublicAssociationDefinitionConfigurationUpdateResult",
    "PublicAssociationDefinitionCreateRequest",
    "PublicAssociationDefinitionUpdateRequest",
    "PublicAssociationDefinitionUserConfiguration",
    "PublicAssociationSpec",
]

CategoryName = Literal["HUBSPOT_DEFINED", "USER_DEFINED", "INTEGRATOR_DEFINED", "WORK"]
BatchStatus = Literal["PENDING", "PROCESSING", "CANCELED", "COMPLETE"]

# -- labels ------------------------------------------------------------------------------


class PublicAssociationDefinitionCreateRequest(Struct, forbid_unknown_fields=False):
    name: str
    label: str
    inverseLabel: str | None = None


class PublicAssociationDefinitionUpdateRequest(Struct, forbid_unknown_fields=False):
    associationTypeId: int
    label: str
    inverseLabel: str | None = None


class CollectionResponseAssociationSpecWithLabelNoPaging(Struct):
    results: list[AssociationSpecWithLabel]


# -- limits (definition configurations) --------------------------------------------------


class PublicAssociationDefinitionConfigurationCreateRequest(Struct, forbid_unknown_fields=False):
    category: CategoryName
    typeId: int
    maxToObjectIds: int


class PublicAssociationDefinitionConfigurationUpdateRequest(Struct, forbid_unknown_fields=False):
    category: CategoryName
    typeId: int
    maxToObjectIds: int


class PublicAssociationSpec(Struct, forbid_unknown_fields=False):
    category: CategoryName
    typeId: int


class BatchInputPublicAssociationDefinitionConfigurationCreateRequest(Struct):
    inputs: list[PublicAssociationDefinitionConfigurationCreateRequest]


class BatchInputPublicAssociationDefinitionConfigurationUpdateRequest(Struct):
    inputs: list[PublicAssociationDefinitionConfigurationUpdateRequest]


class BatchInputPublicAssociationSpec(Struct):
    inputs: list[PublicAssociationSpec]


class PublicAssociationDefinitionUserConfiguration(Struct, omit_defaults=True):
    """``label`` is always sent (null for the unlabeled type), as in HubSpot's example.

    HubSpot: https://developers.hubspot.com/docs/api-reference/crm-associations-schema-v4/guide
    """

    category: CategoryName
    typeId: int
    label: str | None
    userEnforcedMaxToObjectIds: int | None = None


class PublicAssociationDefinitionConfigurationUpdateResult(Struct):
    """A batch/update result: no label."""

    category: CategoryName
    typeId: int
    userEnforcedMaxToObjectIds: int


class CollectionResponsePublicAssociationDefinitionUserConfigurationNoPaging(Struct):
    results: list[PublicAssociationDefinitionUserConfiguration]


class BatchResponsePublicAssociationDefinitionUserConfiguration(Struct):
    status: BatchStatus
    results: list[PublicAssociationDefinitionUserConfiguration]
    startedAt: str
    completedAt: str


class BatchResponsePublicAssociationDefinitionUserConfigurationWithErrors(Struct):
    status: BatchStatus
    results: list[PublicAssociationDefinitionUserConfiguration]
    numErrors: int
    errors: list[BatchErrorItem]
    startedAt: str
    completedAt: str


class BatchResponsePublicAssociationDefinitionConfigurationUpdateResult(Struct):
    status: BatchStatus
    results: list[PublicAssociationDefinitionConfigurationUpdateResult]
    startedAt: str
    completedAt: str


class BatchResponsePublicAssociationDefinitionConfigurationUpdateResultWithErrors(Struct):
    status: BatchStatus
    results: list[PublicAssociationDefinitionConfigurationUpdateResult]
    numErrors: int
    errors: list[BatchErrorItem]
    startedAt: str
    completedAt: str
