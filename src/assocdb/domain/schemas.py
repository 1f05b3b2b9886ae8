"""Custom object schemas (https://developers.hubspot.com/docs/api/crm/crm-custom-objects):
a portal's own object types, ``objectTypeId`` ``2-N``, ``fullyQualifiedName``
``p{portalId}_{name}``.

The standard types are shared by every portal (domain/objecttypes.py); custom types are the
portal's: ``resolve`` finds one by id, name or fully qualified name for the path of a request.
An id ``2-N`` without a schema still resolves as a nameless custom type (records could be
written under any ``2-N`` before schemas existed, and still can).

Creating a schema with ``associatedObjects`` defines, for each, an unlabeled association type
in both directions (category USER_DEFINED, as HubSpot lists custom-object association
types); that type is the pair's default in the v4 API.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol, runtime_checkable

from assocdb.domain.clock import now_ms
from assocdb.domain.models import LabelDef
from assocdb.domain.objecttypes import CUSTOM_TYPE, ObjectType, resolve_object_type
from assocdb.domain.properties import FIELD_TYPES, Option, PropertyDef
from assocdb.domain.registry import Category
from assocdb.domain.store import Store
from assocdb.errors import ObjectNotFound, ValidationError

__all__ = [
    "MAX_SCHEMAS",
    "AssociationDefinition",
    "CustomSchema",
    "SchemaInput",
    "SchemaService",
    "SchemaStore",
    "custom_object_type",
]

MAX_SCHEMAS = 10
"""Custom object types per portal: HubSpot's Enterprise limit
(https://legal.hubspot.com/hubspot-product-and-services-catalog)."""
MAX_PROPERTIES = 100
"""Property definitions accepted on a schema (a bound on the stored document)."""
MAX_TEXT = 250

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,99}")
_CUSTOM_READ = ("crm.objects.custom.read", "crm.objects.custom.sensitive.read.v2")
_CUSTOM_WRITE = ("crm.objects.custom.write", "crm.objects.custom.sensitive.write.v2")
SCHEMA_READ = ("crm.schemas.custom.read", *_CUSTOM_READ)
SCHEMA_WRITE = ("crm.schemas.custom.write",)


@dataclass(frozen=True, slots=True)
class AssociationDefinition:
    id: str
    """The typeId (as text) of the unlabeled type from the custom type to ``to_type_id``."""
    from_type_id: str
    to_type_id: str
    name: str
    created_at_ms: int


@dataclass(frozen=True, slots=True)
class CustomSchema:
    type_id: str
    portal_id: int
    name: str
    singular: str
    plural: str
    primary_display_property: str | None
    required_properties: tuple[str, ...]
    searchable_properties: tuple[str, ...]
    secondary_display_properties: tuple[str, ...]
    properties: tuple[dict[str, object], ...]
    description: str | None
    associations: tuple[AssociationDefinition, ...]
    created_at_ms: int
    updated_at_ms: int
    archived: bool = False

    @property
    def fully_qualified_name(self) -> str:
        return f"p{self.portal_id}_{self.name}"


@dataclass(frozen=True, slots=True)
class SchemaInput:
    name: str | None = None
    singular: str | None = None
    plural: str | None = None
    primary_display_property: str | None = None
    required_properties: Sequence[str] | None = None
    searchable_properties: Sequence[str] | None = None
    secondary_display_properties: Sequence[str] | None = None
    properties: Sequence[dict[str, object]] = field(default_factory=tuple)
    associated_objects: Sequence[str] = ()
    description: str | None = None


@runtime_checkable
class SchemaStore(Protocol):
    """Storage port of schemas (storage/{sqlite,postgres}_schemas.py)."""

    async def list_schemas(self, portal_id: int) -> list[CustomSchema]:
        """Every schema of the portal, archived ones too, by type id."""
        ...

    async def add_schema(self, portal_id: int, schema: CustomSchema, limit: int) -> CustomSchema:
        """Store a new schema under the portal's next ``2-N`` id (``schema.type_id`` is
        ignored); a ValidationError if the name is taken or ``limit`` schemas exist."""
        ...

    async def put_schema(self, portal_id: int, schema: CustomSchema) -> None: ...

    async def purge_schema(self, portal_id: int, type_id: str) -> None: ...


def custom_object_type(schema: CustomSchema) -> ObjectType:
    """The object type records of this schema are read and written as."""
    return ObjectType(
        schema.type_id, schema.name.lower(), schema.name.lower(), _CUSTOM_READ, _CUSTOM_WRITE
    )


def _text(value: str | None, what: str) -> str:
    text = (value or "").strip()
    if not text or len(text) > MAX_TEXT:
        raise ValidationError(f"{what} needs 1 to {MAX_TEXT} characters.", context={what: [text]})
    return text


def _check_properties(data: SchemaInput) -> tuple[dict[str, object], ...]:
    if len(data.properties) > MAX_PROPERTIES:
        raise ValidationError(f"A schema defines at most {MAX_PROPERTIES} properties.")
    names = []
    for prop in data.properties:
        name = prop.get("name")
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise ValidationError(
                f"Invalid property name {name!r}: letters, digits and underscores, starting"
                " with a letter.",
                context={"properties": [str(name)[:100]]},
            )
        names.append(name)
    defined = set(names)
    for what, listed in (
        ("requiredProperties", data.required_properties or ()),
        ("searchableProperties", data.searchable_properties or ()),
        ("secondaryDisplayProperties", data.secondary_display_properties or ()),
        (
            "primaryDisplayProperty",
            [data.primary_display_property] if data.primary_display_property else [],
        ),
    ):
        missing = [p for p in listed if p not in defined]
        if missing:
            raise ValidationError(
                f"{what} names properties the schema does not define: {', '.join(missing)}.",
                context={what: missing},
            )
    return tuple(dict(p) for p in data.properties)


def _property_def(schema: CustomSchema, prop: dict[str, object]) -> PropertyDef:
    """A schema's property as HubSpot's create-schema body gives it (``name``, ``label``,
    ``type``, ``fieldType``, ``options``, ``hasUniqueValue``…); what it leaves out takes the
    properties API's defaults: a text string in the schema's own group [inferred]."""
    kind = str(prop.get("type") or "string")
    raw_options = prop.get("options")
    options = tuple(
        Option(str(o.get("label", o.get("value", ""))), str(o.get("value", "")), i)
        for i, o in enumerate(raw_options if isinstance(raw_options, list) else [])
        if isinstance(o, dict)
    )
    default_field = FIELD_TYPES.get(kind, ("text",))[0]
    return PropertyDef(
        name=str(prop["name"]),
        label=str(prop.get("label") or prop["name"]),
        type=kind,
        field_type=str(prop.get("fieldType") or default_field),
        group_name=str(prop.get("groupName") or f"{schema.name}_information"),
        description=str(prop.get("description") or ""),
        options=options,
        has_unique_value=bool(prop.get("hasUniqueValue", False)),
        archivable=False,  # the schema owns it: PATCH the schema instead
        created_at_ms=schema.created_at_ms,
        updated_at_ms=schema.updated_at_ms,
    )


class SchemaService:
    def __init__(self, store: Store, schemas: SchemaStore) -> None:
        self.store = store
        self.schemas = schemas

    # -- resolution (per portal) --------------------------------------------------------

    async def resolve(self, portal_id: int, text: str) -> ObjectType:
        """The object type a path segment names in this portal: standard types first, then
        the portal's schemas by id, name or fully qualified name; else HubSpot's 400."""
        try:
            found = resolve_object_type(text)
        except ValidationError:
            found = None
        if found is not None and not CUSTOM_TYPE.fullmatch(found.type_id):
            return found
        schema = await self.find(portal_id, text)
        if schema is not None:
            return custom_object_type(schema)
        if found is not None:
            return found  # a 2-N without a schema: a nameless custom type, as before
        raise ValidationError(f"Unable to infer object type from: {text}")

    async def find(self, portal_id: int, text: str) -> CustomSchema | None:
        key = text.strip().lower()
        for schema in await self.schemas.list_schemas(portal_id):
            if schema.archived:
                continue
            names = {schema.type_id, schema.name.lower(), schema.fully_qualified_name.lower()}
            if key in names:
                return schema
        return None

    async def property_defs(self, portal_id: int, type_id: str) -> list[PropertyDef]:
        """The properties the schema of ``type_id`` defines, as the properties API and record
        validation see them (none for a type without a live schema)."""
        schema = await self.find(portal_id, type_id)
        if schema is None:
            return []
        return [_property_def(schema, p) for p in schema.properties]

    async def _get(self, portal_id: int, text: str, *, archived: bool = False) -> CustomSchema:
        key = text.strip().lower()
        for schema in await self.schemas.list_schemas(portal_id):
            names = {schema.type_id, schema.name.lower(), schema.fully_qualified_name.lower()}
            if key in names and schema.archived == archived:
                return schema
        raise ObjectNotFound(
            f"Unable to find object type {text[:100]}.", context={"objectType": [text[:100]]}
        )

    # -- schemas ------------------------------------------------------------------------

    async def list(self, portal_id: int, *, archived: bool = False) -> list[CustomSchema]:
        return [s for s in await self.schemas.list_schemas(portal_id) if s.archived == archived]

    async def get(self, portal_id: int, text: str) -> CustomSchema:
        return await self._get(portal_id, text)

    async def create(self, portal_id: int, data: SchemaInput) -> CustomSchema:
        name = _text(data.name, "name")
        if not _NAME.fullmatch(name):
            raise ValidationError(
                f"Invalid name '{name}': letters, digits and underscores, starting with a letter.",
                context={"name": [name]},
            )
        try:
            resolve_object_type(name)
        except ValidationError:
            pass
        else:
            raise ValidationError(
                f"The name '{name}' is a standard object type's.", context={"name": [name]}
            )
        targets = [await self.resolve(portal_id, t) for t in data.associated_objects]
        at = now_ms()
        draft = CustomSchema(
            "",
            portal_id,
            name,
            _text(data.singular, "labels.singular"),
            _text(data.plural, "labels.plural"),
            data.primary_display_property,
            tuple(data.required_properties or ()),
            tuple(data.searchable_properties or ()),
            tuple(data.secondary_display_properties or ()),
            _check_properties(data),
            data.description,
            (),
            at,
            at,
        )
        schema = await self.schemas.add_schema(portal_id, draft, MAX_SCHEMAS)
        definitions = [await self._define(schema, t) for t in targets]
        schema = replace(schema, associations=tuple(definitions))
        await self.schemas.put_schema(portal_id, schema)
        return schema

    async def update(self, portal_id: int, text: str, data: SchemaInput) -> CustomSchema:
        old = await self._get(portal_id, text)
        merged = SchemaInput(
            name=old.name,
            singular=data.singular or old.singular,
            plural=data.plural or old.plural,
            primary_display_property=data.primary_display_property or old.primary_display_property,
            required_properties=data.required_properties
            if data.required_properties is not None
            else old.required_properties,
            searchable_properties=data.searchable_properties
            if data.searchable_properties is not None
            else old.searchable_properties,
            secondary_display_properties=data.secondary_display_properties
            if data.secondary_display_properties is not None
            else old.secondary_display_properties,
            properties=old.properties,
        )
        _check_properties(merged)
        new = replace(
            old,
            singular=_text(merged.singular, "labels.singular"),
            plural=_text(merged.plural, "labels.plural"),
            primary_display_property=merged.primary_display_property,
            required_properties=tuple(merged.required_properties or ()),
            searchable_properties=tuple(merged.searchable_properties or ()),
            secondary_display_properties=tuple(merged.secondary_display_properties or ()),
            description=data.description if data.description is not None else old.description,
            updated_at_ms=now_ms(),
        )
        await self.schemas.put_schema(portal_id, new)
        return new

    async def delete(self, portal_id: int, text: str, *, archived: bool = False) -> None:
        """Archive a schema that has no records left; with ``archived`` purge an archived
        one for good (HubSpot's two steps: archive, then delete with ``archived=true``)."""
        if archived:
            schema = await self._get(portal_id, text, archived=True)
            await self.schemas.purge_schema(portal_id, schema.type_id)
            return
        schema = await self._get(portal_id, text)
        if await self.store.list_objects(portal_id, schema.type_id, 0, 1):
            raise ValidationError(
                f"Object type {schema.name} still has records: delete them first.",
                context={"objectType": [schema.type_id]},
            )
        await self.schemas.put_schema(
            portal_id, replace(schema, archived=True, updated_at_ms=now_ms())
        )

    # -- association definitions --------------------------------------------------------

    async def add_association(
        self, portal_id: int, text: str, from_text: str, to_text: str, name: str | None
    ) -> AssociationDefinition:
        schema = await self._get(portal_id, text)
        from_type = await self.resolve(portal_id, from_text)
        if from_type.type_id != schema.type_id:
            raise ValidationError(
                f"fromObjectTypeId must be this schema's type ({schema.type_id}).",
                context={"fromObjectTypeId": [from_text]},
            )
        to_type = await self.resolve(portal_id, to_text)
        definition = await self._define(schema, to_type, name)
        await self.schemas.put_schema(
            portal_id, replace(schema, associations=(*schema.associations, definition))
        )
        return definition

    async def _define(
        self, schema: CustomSchema, to_type: ObjectType, name: str | None = None
    ) -> AssociationDefinition:
        """The unlabeled USER_DEFINED type pair between the schema's type and ``to_type``."""
        if any(a.to_type_id == to_type.type_id for a in schema.associations):
            raise ValidationError(
                f"{schema.name} is already associated with {to_type.name}.",
                context={"toObjectTypeId": [to_type.type_id]},
            )
        forward_name = name or f"{schema.fully_qualified_name}_to_{to_type.name}"
        backward_name = f"{to_type.name}_to_{schema.fully_qualified_name}"
        async with self.store.transaction(schema.portal_id) as tx:
            forward = await tx.allocate_type_ids(2)
            backward = forward + 1
            cat = Category.USER_DEFINED
            await tx.add_labels(
                [
                    LabelDef(
                        schema.type_id, to_type.type_id, cat, forward, forward_name, None, backward
                    ),
                    LabelDef(
                        to_type.type_id, schema.type_id, cat, backward, backward_name, None, forward
                    ),
                ]
            )
        return AssociationDefinition(
            str(forward), schema.type_id, to_type.type_id, forward_name, now_ms()
        )

    async def remove_association(self, portal_id: int, text: str, identifier: str) -> None:
        schema = await self._get(portal_id, text)
        kept = tuple(a for a in schema.associations if a.id != identifier)
        if len(kept) == len(schema.associations):
            raise ObjectNotFound(
                f"No association definition {identifier[:40]} on {schema.name}.",
                context={"associationIdentifier": [identifier[:40]]},
            )
        await self.schemas.put_schema(portal_id, replace(schema, associations=kept))
