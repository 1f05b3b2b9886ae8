"""The route table: every operation assocdb serves, declared once.

Each HubSpot operation is written once, under its canonical path (the form HubSpot's
current v4 / v3 pages use), with its scopes and batch limit. ``serve`` repeats it under
the other path forms of its API (HubSpot's 2024 v4 paths, the date-versioned 2026-03 paths),
swapping in the 2026-03 variant where that version answers differently.

The table drives routing and authorisation (``http.app``), ``/openapi.json``
(``http.openapi``) and the endpoint table of docs/compatibility.md
(``http.endpoint_table``, checked by tests/api/test_route_coverage.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from assocdb.domain.objects import MAX_BATCH_INPUTS as MAX_OBJECT_BATCH_INPUTS
from assocdb.http import observability
from assocdb.http.crm import account, associations_v3, merge, owners, pipelines, schemas
from assocdb.http.crm import properties as crm_properties
from assocdb.http.crm import search as crm_search
from assocdb.http.handlers import associations as assoc
from assocdb.http.handlers import labels, objects, service, upsert
from assocdb.http.operation import Handler, Operation, QueryParam
from assocdb.http.schemas import (
    AssociationSpec,
    BatchArchiveRequest,
    BatchCreateRequest,
    BatchDefaultRequest,
    BatchReadRequest,
    BatchResponseDefaultAssociation,
    BatchResponseLabelsBetweenObjectPair,
    BatchResponseLabelsBetweenObjectPairWithErrors,
    BatchResponseMultiWithLabel,
    BatchResponseMultiWithLabelWithErrors,
    BatchResponseVoid,
    CollectionResponseMultiAssociated,
    LabelsBetweenObjectPair,
)
from assocdb.http.schemas_labels import (
    BatchInputPublicAssociationDefinitionConfigurationCreateRequest,
    BatchInputPublicAssociationDefinitionConfigurationUpdateRequest,
    BatchInputPublicAssociationSpec,
    BatchResponsePublicAssociationDefinitionConfigurationUpdateResult,
    BatchResponsePublicAssociationDefinitionConfigurationUpdateResultWithErrors,
    BatchResponsePublicAssociationDefinitionUserConfiguration,
    BatchResponsePublicAssociationDefinitionUserConfigurationWithErrors,
    CollectionResponseAssociationSpecWithLabelNoPaging,
    CollectionResponsePublicAssociationDefinitionUserConfigurationNoPaging,
    PublicAssociationDefinitionCreateRequest,
    PublicAssociationDefinitionUpdateRequest,
)
from assocdb.http.schemas_objects import (
    BatchArchiveObjects,
    BatchCreateObjects,
    BatchReadObjects,
    BatchResponseObjects,
    BatchResponseObjectsWithErrors,
    BatchUpdateObjects,
    CollectionResponseObjects,
    ObjectCreate,
    ObjectUpdateBody,
    SimplePublicObject,
)
from assocdb.http.schemas_upsert import (
    BatchResponseUpsert,
    BatchResponseUpsertWithErrors,
    BatchUpsertObjects,
)
from assocdb.http.scopes import CRM_OBJECT_SCOPES, AnyScope
from assocdb.http.webhooks import handlers as webhooks

__all__ = ["API_FAMILIES", "OPERATIONS", "ApiFamily", "PathForm", "serve"]


@dataclass(frozen=True, slots=True)
class PathForm:
    """One path form of an API: canonical prefix → this form's prefix."""

    name: str
    prefixes: Mapping[str, str]
    id_suffix: str = ""
    tag_suffix: str = ""
    dated: bool = False
    """Date-versioned (2026-03): operations with a dated variant use it."""


@dataclass(frozen=True, slots=True)
class Dated:
    """How a 2026-03 operation differs: its handler and its success responses."""

    handler: Handler
    responses: Mapping[int, type | None]


@dataclass(frozen=True, slots=True)
class ApiFamily:
    """Operations written once and served under each of ``forms``."""

    title: str
    operations: tuple[Operation, ...]
    forms: tuple[PathForm, ...]
    dated: Mapping[Handler, Dated]

    def served(self) -> tuple[Operation, ...]:
        return serve(self.operations, self.forms, self.dated)


def _in_form(op: Operation, form: PathForm, dated: Mapping[Handler, Dated]) -> Operation:
    prefix = next((p for p in form.prefixes if op.path.startswith(p + "/")), None)
    if prefix is None:
        raise ValueError(f"{op.operation_id}: {op.path} has none of the prefixes of {form.name}")
    variant = dated.get(op.handler) if form.dated else None
    return replace(
        op,
        path=form.prefixes[prefix] + op.path[len(prefix) :],
        operation_id=op.operation_id + form.id_suffix,
        tag=op.tag + form.tag_suffix,
        handler=variant.handler if variant else op.handler,
        responses=variant.responses if variant else op.responses,
    )


def serve(
    operations: Sequence[Operation],
    forms: Sequence[PathForm],
    dated: Mapping[Handler, Dated],
) -> tuple[Operation, ...]:
    """Every operation under every form, form by form (the routing order)."""
    return tuple(_in_form(op, form, dated) for form in forms for op in operations)


# -- record associations (v4) -------------------------------------------------------------
# https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associate-records/guide

_A = "/crm/v4/associations/{fromObjectType}/{toObjectType}"
_R = "/crm/v4/objects/{objectType}/{objectId}/associations/{toObjectType}"
_ASSOC = "Associations"
_WRITE_CAP = assoc.MAX_BATCH_WRITE_INPUTS

RECORD_ASSOCIATIONS = ApiFamily(
    "Record associations",
    (
        Operation(
            "POST",
            _A + "/batch/read",
            assoc.batch_read,
            "batch_read",
            "Read the associations of up to 1,000 records, each with its own cursor",
            _ASSOC,
            request=BatchReadRequest,
            batch_limit=assoc.MAX_BATCH_READ_INPUTS,
            responses={
                200: BatchResponseMultiWithLabel,
                207: BatchResponseMultiWithLabelWithErrors,
            },
        ),
        Operation(
            "POST",
            _A + "/batch/create",
            assoc.batch_create,
            "batch_create",
            "Create associations with labels (the types become the pair's label set)",
            _ASSOC,
            access="write",
            request=BatchCreateRequest,
            batch_limit=_WRITE_CAP,
            responses={
                201: BatchResponseLabelsBetweenObjectPair,
                207: BatchResponseLabelsBetweenObjectPairWithErrors,
            },
        ),
        Operation(
            "POST",
            _A + "/batch/associate/default",
            assoc.batch_associate_default,
            "batch_associate_default",
            "Create unlabeled associations",
            _ASSOC,
            access="write",
            request=BatchDefaultRequest,
            batch_limit=_WRITE_CAP,
            responses={200: BatchResponseDefaultAssociation},
        ),
        Operation(
            "POST",
            _A + "/batch/archive",
            assoc.batch_archive,
            "batch_archive",
            "Remove every association between the pairs",
            _ASSOC,
            access="write",
            request=BatchArchiveRequest,
            batch_limit=_WRITE_CAP,
            responses={204: None},
        ),
        Operation(
            "POST",
            _A + "/batch/labels/archive",
            assoc.batch_archive_labels,
            "batch_archive_labels",
            "Remove labels; removing the unlabeled type removes the pair",
            _ASSOC,
            access="write",
            request=BatchCreateRequest,
            batch_limit=_WRITE_CAP,
            responses={204: None},
        ),
        Operation(
            "GET",
            _R,
            assoc.list_associations,
            "list_record_associations",
            "List a record's associations to one object type (at most 500 per page)",
            _ASSOC,
            responses={200: CollectionResponseMultiAssociated},
            query=(
                QueryParam("limit", "integer", "Page size; default and maximum 500."),
                QueryParam("after", "string", "Cursor from a previous page's paging.next.after."),
            ),
        ),
        Operation(
            "PUT",
            _R + "/{toObjectId}",
            assoc.put_labels,
            "put_labels",
            "Associate two records with the given labels",
            _ASSOC,
            access="write",
            request=list[AssociationSpec],
            responses={201: LabelsBetweenObjectPair},
        ),
        Operation(
            "DELETE",
            _R + "/{toObjectId}",
            assoc.delete_pair,
            "delete_pair",
            "Remove every association between two records",
            _ASSOC,
            access="write",
            responses={204: None},
        ),
        Operation(
            "PUT",
            "/crm/v4/objects/{fromObjectType}/{fromObjectId}/associations/default"
            "/{toObjectType}/{toObjectId}",
            assoc.put_default,
            "put_default",
            "Associate two records with the unlabeled type",
            _ASSOC,
            access="write",
            responses={200: BatchResponseDefaultAssociation},
        ),
    ),
    (
        PathForm(
            "v4",
            {"/crm/v4/associations": "/crm/v4/associations", "/crm/v4/objects": "/crm/v4/objects"},
        ),
        PathForm(
            "2026-03",
            {
                "/crm/v4/associations": "/crm/associations/2026-03",
                "/crm/v4/objects": "/crm/objects/2026-03",
            },
            "_2026_03",
            " (2026-03)",
            dated=True,
        ),
    ),
    # The 2026-03 batch archives answer 200 with an empty batch instead of 204, as the
    # 2026-03 reference pages declare (docs/compatibility.md, "Date-versioned paths").
    {
        assoc.batch_archive: Dated(assoc.batch_archive_versioned, {200: BatchResponseVoid}),
        assoc.batch_archive_labels: Dated(
            assoc.batch_archive_labels_versioned, {200: BatchResponseVoid}
        ),
    },
)

# -- association labels and limits (schema v4) --------------------------------------------
# https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associations-schema/guide

_L = "/crm/associations/v4/{fromObjectType}/{toObjectType}/labels"
_C = "/crm/associations/v4/definitions/configurations"
_P = _C + "/{fromObjectType}/{toObjectType}"
_LABELS, _LIMITS = "Association labels", "Association limits"
_LIMIT_LIST = CollectionResponsePublicAssociationDefinitionUserConfigurationNoPaging

LABELS_AND_LIMITS = ApiFamily(
    "Association labels and limits",
    (
        Operation(
            "GET",
            _L,
            labels.list_labels,
            "labels_list",
            "List the association types from one object type to another",
            _LABELS,
            responses={200: CollectionResponseAssociationSpecWithLabelNoPaging},
        ),
        Operation(
            "POST",
            _L,
            labels.create_label,
            "labels_create",
            "Create an association label (single, or paired with inverseLabel)",
            _LABELS,
            access="write",
            request=PublicAssociationDefinitionCreateRequest,
            responses={200: CollectionResponseAssociationSpecWithLabelNoPaging},
        ),
        Operation(
            "PUT",
            _L,
            labels.update_label,
            "labels_update",
            "Rename an association label",
            _LABELS,
            access="write",
            request=PublicAssociationDefinitionUpdateRequest,
            responses={204: None},
        ),
        Operation(
            "DELETE",
            _L + "/{associationTypeId}",
            labels.delete_label,
            "labels_delete",
            "Delete an association label that no association uses",
            _LABELS,
            access="write",
            responses={204: None},
        ),
        Operation(
            "GET",
            _C + "/all",
            labels.list_all_limits,
            "limits_list_all",
            "List every association limit of the account",
            _LIMITS,
            # The path names no object type, so no per-type rule applies: HubSpot asks for
            # any one CRM object scope ("This API requires one of the following scopes"),
            # https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associations-schema/limits/get-all-associations-limits
            scopes=(AnyScope(CRM_OBJECT_SCOPES),),
            responses={200: _LIMIT_LIST},
        ),
        Operation(
            "GET",
            _P,
            labels.list_pair_limits,
            "limits_list",
            "List the association limits from one object type to another",
            _LIMITS,
            responses={200: _LIMIT_LIST},
        ),
        Operation(
            "POST",
            _P + "/batch/create",
            labels.create_limits,
            "limits_batch_create",
            "Set association limits (maxToObjectIds)",
            _LIMITS,
            access="write",
            request=BatchInputPublicAssociationDefinitionConfigurationCreateRequest,
            responses={
                201: BatchResponsePublicAssociationDefinitionUserConfiguration,
                207: BatchResponsePublicAssociationDefinitionUserConfigurationWithErrors,
            },
        ),
        Operation(
            "POST",
            _P + "/batch/update",
            labels.update_limits,
            "limits_batch_update",
            "Change association limits",
            _LIMITS,
            access="write",
            request=BatchInputPublicAssociationDefinitionConfigurationUpdateRequest,
            responses={
                200: BatchResponsePublicAssociationDefinitionConfigurationUpdateResult,
                207: BatchResponsePublicAssociationDefinitionConfigurationUpdateResultWithErrors,
            },
        ),
        Operation(
            "POST",
            _P + "/batch/purge",
            labels.purge_limits,
            "limits_batch_purge",
            "Remove association limits",
            _LIMITS,
            access="write",
            request=BatchInputPublicAssociationSpec,
            responses={204: None},
        ),
    ),
    (
        PathForm("v4", {"/crm/associations/v4": "/crm/associations/v4"}),
        # The 2024 v4 spec, the guides and the official clients use this prefix.
        PathForm("v4 (2024)", {"/crm/associations/v4": "/crm/v4/associations"}, "_crm_v4"),
        PathForm(
            "2026-03",
            {"/crm/associations/v4": "/crm/associations/2026-03"},
            "_2026_03",
            " (2026-03)",
            dated=True,
        ),
    ),
    # 2026-03's batch/purge answers 200 with an empty batch instead of 204, as its
    # reference page declares (docs/compatibility.md, "Limits").
    {labels.purge_limits: Dated(labels.purge_limits_versioned, {200: BatchResponseVoid})},
)

# -- CRM objects v3 -----------------------------------------------------------------------
# Reads (GET, batch/read) need the type's read scope, the rest its write scope, as each
# object's v3 page lists, e.g.
# https://developers.hubspot.com/docs/api-reference/legacy/crm/objects/contacts/guide

_O = "/crm/v3/objects/{objectType}"
_OBJECTS = "Objects"
_READ_QUERY = (
    QueryParam("properties", "string", "Properties to return, comma-separated or repeated."),
    QueryParam(
        "propertiesWithHistory",
        "string",
        "Properties to return with their earlier values, newest first (list: at most 50"
        " records a page).",
    ),
    QueryParam("associations", "string", "Object types whose associated ids to return."),
    QueryParam("archived", "string", "true: read archived records instead."),
)
_OBJECT_BATCH = {200: BatchResponseObjects, 207: BatchResponseObjectsWithErrors}
_ID_PROPERTY = QueryParam(
    "idProperty", "string", "A unique property (e.g. email) whose value the path's id is."
)

OBJECTS = ApiFamily(
    "CRM objects v3",
    (
        Operation(
            "GET",
            _O,
            objects.get_page,
            "objects_get_page",
            "List records by id, 10 per page by default (at most 100)",
            _OBJECTS,
            responses={200: CollectionResponseObjects},
            query=(
                QueryParam("limit", "integer", "Page size; default 10, at most 100."),
                QueryParam("after", "string", "paging.next.after of the previous page."),
                *_READ_QUERY,
            ),
        ),
        Operation(
            "POST",
            _O,
            objects.create,
            "objects_create",
            "Create a record, optionally associated with existing records",
            _OBJECTS,
            access="write",
            request=ObjectCreate,
            responses={201: SimplePublicObject},
        ),
        Operation(
            "GET",
            _O + "/{objectId}",
            objects.get_by_id,
            "objects_get_by_id",
            "Read a record, optionally with the ids of its associated records",
            _OBJECTS,
            responses={200: SimplePublicObject},
            query=(*_READ_QUERY, _ID_PROPERTY),
        ),
        Operation(
            "PATCH",
            _O + "/{objectId}",
            objects.update,
            "objects_update",
            "Update a record's properties (an empty string clears one)",
            _OBJECTS,
            access="write",
            request=ObjectUpdateBody,
            responses={200: SimplePublicObject},
            query=(_ID_PROPERTY,),
        ),
        Operation(
            "DELETE",
            _O + "/{objectId}",
            objects.archive,
            "objects_archive",
            "Archive a record and remove all of its associations",
            _OBJECTS,
            access="write",
            responses={204: None},
            query=(_ID_PROPERTY,),
        ),
        Operation(
            "POST",
            _O + "/batch/create",
            objects.batch_create,
            "objects_batch_create",
            "Create up to 100 records",
            _OBJECTS,
            access="write",
            request=BatchCreateObjects,
            batch_limit=MAX_OBJECT_BATCH_INPUTS,
            responses={201: BatchResponseObjects, 207: BatchResponseObjectsWithErrors},
        ),
        Operation(
            "POST",
            _O + "/batch/read",
            objects.batch_read,
            "objects_batch_read",
            "Read up to 100 records by id",
            _OBJECTS,
            request=BatchReadObjects,
            batch_limit=MAX_OBJECT_BATCH_INPUTS,
            responses=_OBJECT_BATCH,
            query=(QueryParam("archived", "string", "true: read archived records instead."),),
        ),
        Operation(
            "POST",
            _O + "/batch/update",
            objects.batch_update,
            "objects_batch_update",
            "Update up to 100 records",
            _OBJECTS,
            access="write",
            request=BatchUpdateObjects,
            batch_limit=MAX_OBJECT_BATCH_INPUTS,
            responses=_OBJECT_BATCH,
        ),
        # Create or update by a unique property's value (docs/crm.md, "Records by unique
        # value"); HubSpot serves it on both path forms:
        # https://developers.hubspot.com/docs/api-reference/2026-03/crm/objects/contacts/batch/upsert-contacts
        Operation(
            "POST",
            _O + "/batch/upsert",
            upsert.batch_upsert,
            "objects_batch_upsert",
            "Create or update up to 100 records by a unique property value",
            _OBJECTS,
            access="write",
            request=BatchUpsertObjects,
            batch_limit=MAX_OBJECT_BATCH_INPUTS,
            responses={200: BatchResponseUpsert, 207: BatchResponseUpsertWithErrors},
        ),
        Operation(
            "POST",
            _O + "/batch/archive",
            objects.batch_archive,
            "objects_batch_archive",
            "Archive up to 100 records and remove all of their associations",
            _OBJECTS,
            access="write",
            request=BatchArchiveObjects,
            batch_limit=MAX_OBJECT_BATCH_INPUTS,
            responses={204: None},
        ),
    ),
    (
        PathForm("v3", {"/crm/v3/objects": "/crm/v3/objects"}),
        PathForm(
            "2026-03",
            {"/crm/v3/objects": "/crm/objects/2026-03"},
            "_2026_03",
            " (2026-03)",
            dated=True,
        ),
    ),
    {},
)

PROPERTIES = ApiFamily(
    "CRM properties v3",
    crm_properties.OPERATIONS,
    (PathForm("v3", {"/crm/v3/properties": "/crm/v3/properties"}),),
    {},
)
"""Declared beside their handlers (http/crm/properties.py): scopes ``crm.schemas.*``."""

SEARCH = ApiFamily(
    "CRM search",
    crm_search.OPERATIONS,
    (
        PathForm("v3", {"/crm/v3/objects": "/crm/v3/objects"}),
        PathForm(
            "2026-03",
            {"/crm/v3/objects": "/crm/objects/2026-03"},
            "_2026_03",
            " (2026-03)",
            dated=True,
        ),
    ),
    {},
)
"""Declared beside its handler (http/crm/search.py)."""

API_FAMILIES: tuple[ApiFamily, ...] = (
    RECORD_ASSOCIATIONS,
    LABELS_AND_LIMITS,
    OBJECTS,
    PROPERTIES,
    SEARCH,
)
"""HubSpot's APIs that assocdb reproduces, each operation once."""

OPERATIONS: tuple[Operation, ...] = (
    *(op for family in API_FAMILIES for op in family.served()),
    *service.OPERATIONS,
    *observability.OPERATIONS,
    # CRM resources of issue 13, each module with its own table (http/crm/).
    *associations_v3.OPERATIONS,
    *owners.OPERATIONS,
    *pipelines.OPERATIONS,
    *account.OPERATIONS,
    *merge.OPERATIONS,
    *schemas.OPERATIONS,
    *webhooks.OPERATIONS,
)
"""Everything routed (the admin API, when enabled, is added by ``http.app``)."""
