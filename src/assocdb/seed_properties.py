"""Properties in seeds (docs/properties.md, "Seeds").

A seed document may define properties per object type (``"properties": {"contacts":
[{"name", "label", "type", "fieldType", "groupName", "options"...}]}``), created through
the properties service before the records. A property a seed's records use that is
neither a default nor defined is created as a string, as ``serve --lenient-properties``
does: seeds are imports of existing data, and refusing them would make old seeds unusable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

import msgspec

from assocdb.domain.objecttypes import ObjectType
from assocdb.domain.properties import Option, PropertyDef, PropertyService, PropertyStore
from assocdb.errors import AlreadyExists

__all__ = ["SeedOption", "SeedProperty", "seed_properties"]


class SeedOption(msgspec.Struct, forbid_unknown_fields=True):
    label: str
    value: str
    displayOrder: int = 0
    hidden: bool = False


class SeedProperty(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    label: str
    type: str = "string"
    fieldType: str = "text"
    groupName: str | None = None
    description: str = ""
    options: list[SeedOption] = []
    hasUniqueValue: bool = False


async def seed_properties(
    store: PropertyStore,
    portal_id: int,
    defined: Mapping[str, Sequence[SeedProperty]],
    used: Iterable[tuple[str, Iterable[str]]],
    types: Callable[[str], ObjectType],
) -> int:
    """Create the defined properties, then any used but unknown one (as a string); returns
    how many were created. Seeding twice is harmless: existing names are kept."""
    service = PropertyService(store, lenient=True)
    made = 0
    for type_name, props in defined.items():
        object_type = types(type_name)
        group = (await service.groups(portal_id, object_type))[0].name
        for p in props:
            definition = PropertyDef(
                name=p.name,
                label=p.label,
                type=p.type,
                field_type=p.fieldType,
                group_name=p.groupName or group,
                description=p.description,
                options=tuple(
                    Option(o.label, o.value, o.displayOrder, o.hidden) for o in p.options
                ),
                has_unique_value=p.hasUniqueValue,
            )
            try:
                await service.create(portal_id, object_type, definition)
            except AlreadyExists:
                continue
            made += 1
    for type_name, names in used:
        object_type = types(type_name)
        values = [(None, dict.fromkeys(names, None))]
        await service.check_values(portal_id, object_type, values)
    return made
