"""Properties API handlers: ``/crm/v3/properties/{objectType}…`` (docs/properties.md).

Scopes are ``crm.schemas.{type}.read|write`` (HubSpot's properties spec); success codes
are the ones HubSpot's clients expect: create 201, read/update 200, archive 204, batch
create 201/207, batch read 200/207, batch archive 204.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
from starlette.responses import Response

from assocdb.domain.properties import (
    MAX_BATCH_PROPERTIES,
    Option,
    PropertyDef,
    PropertyGroup,
)
from assocdb.errors import AssocdbError, ValidationError
from assocdb.http.call import Call
from assocdb.http.crm.body import read_body
from assocdb.http.crm.properties_schemas import (
    BatchPropertyCreate,
    BatchPropertyNames,
    BatchReadProperties,
    BatchResponseProperty,
    BatchResponsePropertyWithErrors,
    CollectionResponseProperty,
    CollectionResponsePropertyGroup,
    ModificationMetadata,
    OptionWire,
    PropertyCreate,
    PropertyGroupCreate,
    PropertyGroupUpdate,
    PropertyGroupWire,
    PropertyUpdate,
    PropertyWire,
)
from assocdb.http.errors import batch_error_item
from assocdb.http.operation import Operation, QueryParam
from assocdb.http.render import batch_answer, iso_ms
from assocdb.http.scopes import SchemaScope

__all__ = ["OPERATIONS"]


# -- conversions ---------------------------------------------------------------------------


def _wire(prop: PropertyDef) -> PropertyWire:
    return PropertyWire(
        name=prop.name,
        label=prop.label,
        type=prop.type,
        fieldType=prop.field_type,
        description=prop.description,
        groupName=prop.group_name,
        options=[
            OptionWire(o.label, o.value, o.display_order, o.hidden, o.description or "")
            for o in prop.options
        ],
        displayOrder=prop.display_order,
        calculated=prop.calculated,
        externalOptions=prop.external_options,
        hasUniqueValue=prop.has_unique_value,
        hidden=prop.hidden,
        hubspotDefined=prop.hubspot_defined,
        formField=prop.form_field,
        modificationMetadata=ModificationMetadata(
            archivable=prop.archivable,
            readOnlyDefinition=prop.hubspot_defined,
            readOnlyValue=prop.read_only_value,
        ),
        dataSensitivity="non_sensitive",
        archived=prop.archived,
        createdAt=iso_ms(prop.created_at_ms) if prop.created_at_ms is not None else None,
        updatedAt=iso_ms(prop.updated_at_ms) if prop.updated_at_ms is not None else None,
        archivedAt=iso_ms(prop.archived_at_ms) if prop.archived_at_ms is not None else None,
    )


def _options(options: Sequence[OptionWire]) -> tuple[Option, ...]:
    return tuple(
        Option(o.label, o.value, o.displayOrder, o.hidden, o.description or None) for o in options
    )


def _definition(body: PropertyCreate) -> PropertyDef:
    return PropertyDef(
        name=body.name,
        label=body.label,
        type=body.type,
        field_type=body.fieldType,
        group_name=body.groupName,
        description=body.description,
        options=_options(body.options),
        display_order=body.displayOrder,
        has_unique_value=body.hasUniqueValue,
        hidden=body.hidden,
        form_field=body.formField,
        external_options=body.externalOptions,
    )


_UPDATE_FIELDS = {
    "label": "label",
    "type": "type",
    "fieldType": "field_type",
    "groupName": "group_name",
    "description": "description",
    "displayOrder": "display_order",
    "hidden": "hidden",
    "formField": "form_field",
}


def _changes(body: PropertyUpdate) -> dict[str, object]:
    changes: dict[str, object] = {
        ours: getattr(body, wire)
        for wire, ours in _UPDATE_FIELDS.items()
        if getattr(body, wire) is not msgspec.UNSET
    }
    if not isinstance(body.options, msgspec.UnsetType):
        changes["options"] = _options(body.options)
    return changes


def _group(group: PropertyGroup) -> PropertyGroupWire:
    return PropertyGroupWire(group.name, group.label, group.display_order, group.archived)


def _archived(call: Call) -> bool:
    return call.request.query_params.get("archived", "").lower() == "true"


def _check_batch(count: int) -> None:
    if count > MAX_BATCH_PROPERTIES:
        raise ValidationError(
            f"Too many inputs: {count}. A batch takes at most {MAX_BATCH_PROPERTIES}.",
            context={"inputs": [str(count)]},
        )


# -- properties ----------------------------------------------------------------------------


async def get_all(call: Call) -> Response:
    found = await call.services.properties.all(
        call.portal_id, call.types["objectType"], archived=_archived(call)
    )
    return call.json(CollectionResponseProperty([_wire(p) for p in found]))


async def create(call: Call) -> Response:
    body = (await read_body(call, PropertyCreate))[0]
    made = await call.services.properties.create(
        call.portal_id, call.types["objectType"], _definition(body)
    )
    return call.json(_wire(made), 201)


async def get_by_name(call: Call) -> Response:
    prop = await call.services.properties.get(
        call.portal_id,
        call.types["objectType"],
        call.request.path_params["propertyName"],
        archived=_archived(call),
    )
    return call.json(_wire(prop))


async def update(call: Call) -> Response:
    body = (await read_body(call, PropertyUpdate))[0]
    prop = await call.services.properties.update(
        call.portal_id,
        call.types["objectType"],
        call.request.path_params["propertyName"],
        _changes(body),
    )
    return call.json(_wire(prop))


async def archive(call: Call) -> Response:
    await call.services.properties.archive(
        call.portal_id, call.types["objectType"], call.request.path_params["propertyName"]
    )
    return Response(status_code=204)


def _batch(
    call: Call, results: list[PropertyWire], errors: list[AssocdbError], ok: int
) -> Response:
    return batch_answer(
        call,
        results,
        [batch_error_item(e) for e in errors],
        BatchResponseProperty,
        BatchResponsePropertyWithErrors,
        ok_status=ok,
    )


async def batch_create(call: Call) -> Response:
    body = (await read_body(call, BatchPropertyCreate))[0]
    _check_batch(len(body.inputs))
    results: list[PropertyWire] = []
    errors: list[AssocdbError] = []
    for item in body.inputs:
        try:
            made = await call.services.properties.create(
                call.portal_id, call.types["objectType"], _definition(item)
            )
        except AssocdbError as exc:
            errors.append(exc)
        else:
            results.append(_wire(made))
    return _batch(call, results, errors, 201)


async def batch_read(call: Call) -> Response:
    body = (await read_body(call, BatchReadProperties))[0]
    _check_batch(len(body.inputs))
    results: list[PropertyWire] = []
    errors: list[AssocdbError] = []
    for item in body.inputs:
        try:
            prop = await call.services.properties.get(
                call.portal_id, call.types["objectType"], item.name, archived=body.archived
            )
        except AssocdbError as exc:
            errors.append(exc)
        else:
            results.append(_wire(prop))
    return _batch(call, results, errors, 200)


async def batch_archive(call: Call) -> Response:
    """204 even for names that do not exist [inferred: like record batch archive]."""
    body = (await read_body(call, BatchPropertyNames))[0]
    _check_batch(len(body.inputs))
    object_type = call.types["objectType"]
    known = {p.name for p in await call.services.properties.all(call.portal_id, object_type)}
    for item in body.inputs:
        if item.name in known:
            await call.services.properties.archive(call.portal_id, object_type, item.name)
    return Response(status_code=204)


# -- groups --------------------------------------------------------------------------------


async def groups_get_all(call: Call) -> Response:
    found = await call.services.properties.groups(
        call.portal_id, call.types["objectType"], archived=_archived(call)
    )
    return call.json(CollectionResponsePropertyGroup([_group(g) for g in found]))


async def group_create(call: Call) -> Response:
    body = (await read_body(call, PropertyGroupCreate))[0]
    made = await call.services.properties.create_group(
        call.portal_id,
        call.types["objectType"],
        PropertyGroup(body.name, body.label, body.displayOrder),
    )
    return call.json(_group(made), 201)


async def group_get(call: Call) -> Response:
    group = await call.services.properties.group(
        call.portal_id, call.types["objectType"], call.request.path_params["groupName"]
    )
    return call.json(_group(group))


async def group_update(call: Call) -> Response:
    body = (await read_body(call, PropertyGroupUpdate))[0]
    changes: dict[str, object] = {}
    if not isinstance(body.label, msgspec.UnsetType):
        changes["label"] = body.label
    if not isinstance(body.displayOrder, msgspec.UnsetType):
        changes["display_order"] = body.displayOrder
    group = await call.services.properties.update_group(
        call.portal_id, call.types["objectType"], call.request.path_params["groupName"], changes
    )
    return call.json(_group(group))


async def group_archive(call: Call) -> Response:
    await call.services.properties.archive_group(
        call.portal_id, call.types["objectType"], call.request.path_params["groupName"]
    )
    return Response(status_code=204)


# -- the route table -----------------------------------------------------------------------

_BASE = "/crm/v3/properties/{objectType}"
_ONE = _BASE + "/{propertyName}"
_GROUPS = _BASE + "/groups"
_GROUP = _GROUPS + "/{groupName}"
_TAG = "Properties"
_ARCHIVED = (QueryParam("archived", "string", "true: only archived properties."),)


def _op(
    method: str,
    path: str,
    handler: object,
    op_id: str,
    summary: str,
    *,
    write: bool = False,
    request: type | None = None,
    responses: dict[int, type | None],
    query: tuple[QueryParam, ...] = (),
    batch_limit: int | None = None,
) -> Operation:
    return Operation(
        method,
        path,
        handler,  # type: ignore[arg-type]
        op_id,
        summary,
        _TAG,
        access="write" if write else "read",
        request=request,
        responses=responses,
        query=query,
        scopes=(SchemaScope("objectType", "write" if write else "read"),),
        batch_limit=batch_limit,
    )


OPERATIONS: tuple[Operation, ...] = (
    # Group routes first: "/groups" must not be taken for a property named "groups".
    _op(
        "GET",
        _GROUPS,
        groups_get_all,
        "property_groups_get_all",
        "List property groups",
        responses={200: CollectionResponsePropertyGroup},
        query=_ARCHIVED,
    ),
    _op(
        "POST",
        _GROUPS,
        group_create,
        "property_groups_create",
        "Create a property group",
        write=True,
        request=PropertyGroupCreate,
        responses={201: PropertyGroupWire},
    ),
    _op(
        "GET",
        _GROUP,
        group_get,
        "property_groups_get_by_name",
        "Read a property group",
        responses={200: PropertyGroupWire},
    ),
    _op(
        "PATCH",
        _GROUP,
        group_update,
        "property_groups_update",
        "Update a property group",
        write=True,
        request=PropertyGroupUpdate,
        responses={200: PropertyGroupWire},
    ),
    _op(
        "DELETE",
        _GROUP,
        group_archive,
        "property_groups_archive",
        "Archive a property group",
        write=True,
        responses={204: None},
    ),
    _op(
        "POST",
        _BASE + "/batch/create",
        batch_create,
        "properties_batch_create",
        "Create up to 100 properties",
        write=True,
        request=BatchPropertyCreate,
        responses={201: BatchResponseProperty, 207: BatchResponsePropertyWithErrors},
        batch_limit=MAX_BATCH_PROPERTIES,
    ),
    _op(
        "POST",
        _BASE + "/batch/read",
        batch_read,
        "properties_batch_read",
        "Read up to 100 properties by name",
        request=BatchReadProperties,
        responses={200: BatchResponseProperty, 207: BatchResponsePropertyWithErrors},
        batch_limit=MAX_BATCH_PROPERTIES,
    ),
    _op(
        "POST",
        _BASE + "/batch/archive",
        batch_archive,
        "properties_batch_archive",
        "Archive up to 100 properties",
        write=True,
        request=BatchPropertyNames,
        responses={204: None},
        batch_limit=MAX_BATCH_PROPERTIES,
    ),
    _op(
        "GET",
        _BASE,
        get_all,
        "properties_get_all",
        "List a type's properties",
        responses={200: CollectionResponseProperty},
        query=_ARCHIVED,
    ),
    _op(
        "POST",
        _BASE,
        create,
        "properties_create",
        "Create a property",
        write=True,
        request=PropertyCreate,
        responses={201: PropertyWire},
    ),
    _op(
        "GET",
        _ONE,
        get_by_name,
        "properties_get_by_name",
        "Read a property",
        responses={200: PropertyWire},
        query=_ARCHIVED,
    ),
    _op(
        "PATCH",
        _ONE,
        update,
        "properties_update",
        "Update a property",
        write=True,
        request=PropertyUpdate,
        responses={200: PropertyWire},
    ),
    _op(
        "DELETE",
        _ONE,
        archive,
        "properties_archive",
        "Archive a property",
        write=True,
        responses={204: None},
    ),
)
