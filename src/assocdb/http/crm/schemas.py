"""Custom object schemas (https://developers.hubspot.com/docs/api/crm/crm-custom-objects):
``/crm-object-schemas/v3/schemas`` (the path HubSpot's clients call) and the older
``/crm/v3/schemas``. Thin: decode → domain (domain/schemas.py) → render.

The path parameter is named ``schemaType`` here (not ``objectType``) so that the request
wrapper does not resolve it as a record type: an archived schema must still be reachable.
"""

from __future__ import annotations

from msgspec import Struct
from starlette.responses import Response

from assocdb.domain.schemas import (
    SCHEMA_READ,
    SCHEMA_WRITE,
    AssociationDefinition,
    CustomSchema,
    SchemaInput,
)
from assocdb.errors import ObjectNotFound, ValidationError
from assocdb.http.call import Call
from assocdb.http.operation import Operation, QueryParam
from assocdb.http.render import iso_ms
from assocdb.http.scopes import AnyScope

__all__ = ["OPERATIONS"]


class Labels(Struct, forbid_unknown_fields=False):
    singular: str | None = None
    plural: str | None = None


class PropertyIn(Struct, forbid_unknown_fields=False):
    name: str
    label: str
    type: str = "string"
    fieldType: str = "text"
    description: str | None = None
    groupName: str | None = None
    hasUniqueValue: bool = False


class SchemaIn(Struct, forbid_unknown_fields=False):
    name: str | None = None
    labels: Labels | None = None
    primaryDisplayProperty: str | None = None
    requiredProperties: list[str] | None = None
    searchableProperties: list[str] | None = None
    secondaryDisplayProperties: list[str] | None = None
    properties: list[PropertyIn] | None = None
    associatedObjects: list[str] | None = None
    description: str | None = None


class SchemaPatch(Struct, forbid_unknown_fields=True):
    """HubSpot's ObjectTypeDefinitionPatch fields; anything else is a 400, so a body meant
    for another endpoint is refused rather than read as "change nothing"."""

    labels: Labels | None = None
    primaryDisplayProperty: str | None = None
    requiredProperties: list[str] | None = None
    searchableProperties: list[str] | None = None
    secondaryDisplayProperties: list[str] | None = None
    description: str | None = None
    clearDescription: bool | None = None
    allowsSensitiveProperties: bool | None = None
    restorable: bool | None = None


class AssociationIn(Struct, forbid_unknown_fields=False):
    fromObjectTypeId: str
    toObjectTypeId: str
    name: str | None = None


class AssociationOut(Struct):
    id: str
    fromObjectTypeId: str
    toObjectTypeId: str
    name: str
    createdAt: str
    updatedAt: str


class PropertyOut(Struct, kw_only=True):
    name: str
    label: str
    type: str
    fieldType: str
    description: str
    groupName: str
    options: list[dict[str, str]]
    displayOrder: int
    hasUniqueValue: bool
    hidden: bool
    formField: bool
    calculated: bool
    externalOptions: bool
    hubspotDefined: bool
    archived: bool
    createdAt: str
    updatedAt: str


class LabelsOut(Struct):
    singular: str
    plural: str


class SchemaOut(Struct, omit_defaults=True, kw_only=True):
    id: str
    objectTypeId: str
    name: str
    fullyQualifiedName: str
    labels: LabelsOut
    primaryDisplayProperty: str | None = None
    requiredProperties: list[str]
    searchableProperties: list[str]
    secondaryDisplayProperties: list[str]
    properties: list[PropertyOut]
    associations: list[AssociationOut]
    description: str | None = None
    createdAt: str
    updatedAt: str
    archived: bool


class SchemaCollection(Struct):
    results: list[SchemaOut]


def _association(definition: AssociationDefinition) -> AssociationOut:
    at = iso_ms(definition.created_at_ms)
    return AssociationOut(
        definition.id, definition.from_type_id, definition.to_type_id, definition.name, at, at
    )


def _property(raw: dict[str, object], schema: CustomSchema, order: int) -> PropertyOut:
    def text(key: str, default: str) -> str:
        value = raw.get(key)
        return value if isinstance(value, str) else default

    at = iso_ms(schema.created_at_ms)
    return PropertyOut(
        name=text("name", ""),
        label=text("label", ""),
        type=text("type", "string"),
        fieldType=text("fieldType", "text"),
        description=text("description", ""),
        groupName=text("groupName", f"{schema.name.lower()}_information"),
        options=[],
        displayOrder=order,
        hasUniqueValue=bool(raw.get("hasUniqueValue", False)),
        hidden=False,
        formField=False,
        calculated=False,
        externalOptions=False,
        hubspotDefined=False,
        archived=False,
        createdAt=at,
        updatedAt=at,
    )


def _schema(schema: CustomSchema) -> SchemaOut:
    return SchemaOut(
        id=schema.type_id.removeprefix("2-"),
        objectTypeId=schema.type_id,
        name=schema.name,
        fullyQualifiedName=schema.fully_qualified_name,
        labels=LabelsOut(schema.singular, schema.plural),
        primaryDisplayProperty=schema.primary_display_property,
        requiredProperties=list(schema.required_properties),
        searchableProperties=list(schema.searchable_properties),
        secondaryDisplayProperties=list(schema.secondary_display_properties),
        properties=[_property(p, schema, i) for i, p in enumerate(schema.properties)],
        associations=[_association(a) for a in schema.associations],
        description=schema.description,
        createdAt=iso_ms(schema.created_at_ms),
        updatedAt=iso_ms(schema.updated_at_ms),
        archived=schema.archived,
    )


def _input(body: SchemaIn) -> SchemaInput:
    labels = body.labels or Labels()
    return SchemaInput(
        name=body.name,
        singular=labels.singular,
        plural=labels.plural,
        primary_display_property=body.primaryDisplayProperty,
        required_properties=body.requiredProperties,
        searchable_properties=body.searchableProperties,
        secondary_display_properties=body.secondaryDisplayProperties,
        properties=[_prop(p) for p in body.properties or ()],
        associated_objects=body.associatedObjects or (),
        description=body.description,
    )


def _prop(p: PropertyIn) -> dict[str, object]:
    return {
        "name": p.name,
        "label": p.label,
        "type": p.type,
        "fieldType": p.fieldType,
        "description": p.description or "",
        "groupName": p.groupName,
        "hasUniqueValue": p.hasUniqueValue,
    }


def _flag(call: Call, name: str) -> bool:
    return call.request.query_params.get(name, "").strip().lower() == "true"


def _type(call: Call) -> str:
    return str(call.request.path_params["schemaType"])


async def list_schemas(call: Call) -> Response:
    found = await call.services.crm.schemas.list(call.portal_id, archived=_flag(call, "archived"))
    return call.json(SchemaCollection([_schema(s) for s in found]))


MAX_BATCH_READ = 100
"""Inputs of one ``schemas/batch/read`` [inferred: HubSpot documents no cap; the objects
batch limit]."""
MAX_IDENTIFIER = 200
"""Characters of one input (an id, name or fully qualified name) [inferred]."""


class SchemaBatchReadIn(Struct, forbid_unknown_fields=False):
    """HubSpot's ``ObjectSchemaBatchReadRequest``
    (https://developers.hubspot.com/docs/api-reference/latest/crm/objects/schemas/batch/get-schemas).
    The three ``include…`` flags are accepted; every schema is answered whole
    (properties and association definitions included) [inferred]."""

    inputs: list[str]
    includeAssociationDefinitions: bool = True
    includeAuditMetadata: bool = False
    includePropertyDefinitions: bool = True


async def batch_read_schemas(call: Call) -> Response:
    """Schemas by id (``2-N``), name or fully qualified name, in input order, each once;
    inputs that name no schema are left out (the answer has no ``errors``) [inferred]."""
    body = await call.body(SchemaBatchReadIn)
    if len(body.inputs) > MAX_BATCH_READ:
        raise ValidationError(
            f"Too many inputs: {len(body.inputs)}, at most {MAX_BATCH_READ} per request.",
            context={"inputs": [str(len(body.inputs))]},
        )
    long = next((i for i in body.inputs if len(i) > MAX_IDENTIFIER), None)
    if long is not None:
        raise ValidationError(
            f"Invalid input '{long[:40]}…': at most {MAX_IDENTIFIER} characters.",
            context={"inputs": [long[:40]]},
        )
    found: dict[str, SchemaOut] = {}
    for text in dict.fromkeys(body.inputs):
        try:
            schema = await call.services.crm.schemas.get(call.portal_id, text)
        except (ObjectNotFound, ValidationError):
            continue
        found.setdefault(schema.type_id, _schema(schema))
    return call.json(SchemaCollection(list(found.values())))


async def create_schema(call: Call) -> Response:
    made = await call.services.crm.schemas.create(call.portal_id, _input(await call.body(SchemaIn)))
    return call.json(_schema(made), 201)


async def get_schema(call: Call) -> Response:
    return call.json(_schema(await call.services.crm.schemas.get(call.portal_id, _type(call))))


async def update_schema(call: Call) -> Response:
    body = await call.body(SchemaPatch)
    labels = body.labels or Labels()
    data = SchemaInput(
        singular=labels.singular,
        plural=labels.plural,
        primary_display_property=body.primaryDisplayProperty,
        required_properties=body.requiredProperties,
        searchable_properties=body.searchableProperties,
        secondary_display_properties=body.secondaryDisplayProperties,
        description="" if body.clearDescription else body.description,
    )
    done = await call.services.crm.schemas.update(call.portal_id, _type(call), data)
    return call.json(_schema(done))


async def delete_schema(call: Call) -> Response:
    await call.services.crm.schemas.delete(
        call.portal_id, _type(call), archived=_flag(call, "archived")
    )
    return Response(status_code=204)


async def create_association(call: Call) -> Response:
    body = await call.body(AssociationIn)
    made = await call.services.crm.schemas.add_association(
        call.portal_id, _type(call), body.fromObjectTypeId, body.toObjectTypeId, body.name
    )
    return call.json(_association(made), 201)


async def delete_association(call: Call) -> Response:
    await call.services.crm.schemas.remove_association(
        call.portal_id, _type(call), str(call.request.path_params["associationIdentifier"])
    )
    return Response(status_code=204)


def _operations(base: str, suffix: str) -> tuple[Operation, ...]:
    one = base + "/{schemaType}"
    read, write = (AnyScope(SCHEMA_READ),), (AnyScope(SCHEMA_WRITE),)
    archived = (QueryParam("archived", "string", "true: archived schemas instead."),)
    return (
        Operation(
            "GET",
            base,
            list_schemas,
            "list_schemas" + suffix,
            "The portal's custom object types",
            "Schemas",
            responses={200: SchemaCollection},
            query=archived,
            scopes=read,
        ),
        Operation(
            "POST",
            base,
            create_schema,
            "create_schema" + suffix,
            "Define a custom object type",
            "Schemas",
            request=SchemaIn,
            responses={201: SchemaOut},
            scopes=write,
        ),
        Operation(
            "POST",
            base + "/batch/read",
            batch_read_schemas,
            "batch_read_schemas" + suffix,
            f"Read up to {MAX_BATCH_READ} custom object types by id, name or fully qualified name",
            "Schemas",
            request=SchemaBatchReadIn,
            responses={200: SchemaCollection},
            scopes=read,
            batch_limit=MAX_BATCH_READ,
        ),
        Operation(
            "GET",
            one,
            get_schema,
            "get_schema" + suffix,
            "One custom object type by id, name or fully qualified name",
            "Schemas",
            responses={200: SchemaOut},
            scopes=read,
        ),
        Operation(
            "PATCH",
            one,
            update_schema,
            "update_schema" + suffix,
            "Change labels, display and required properties",
            "Schemas",
            request=SchemaPatch,
            responses={200: SchemaOut},
            scopes=write,
        ),
        Operation(
            "DELETE",
            one,
            delete_schema,
            "delete_schema" + suffix,
            "Archive a type without records; with archived=true purge an archived one",
            "Schemas",
            responses={204: None},
            query=archived,
            scopes=write,
        ),
        Operation(
            "POST",
            one + "/associations",
            create_association,
            "create_schema_association" + suffix,
            "Let the type be associated with another",
            "Schemas",
            request=AssociationIn,
            responses={201: AssociationOut},
            scopes=write,
        ),
        Operation(
            "DELETE",
            one + "/associations/{associationIdentifier}",
            delete_association,
            "delete_schema_association" + suffix,
            "Remove an association definition",
            "Schemas",
            responses={204: None},
            scopes=write,
        ),
    )


OPERATIONS: tuple[Operation, ...] = (
    *_operations("/crm-object-schemas/v3/schemas", ""),
    *_operations("/crm/v3/schemas", "_legacy"),
)
