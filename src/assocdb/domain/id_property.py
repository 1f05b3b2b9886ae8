"""Records named by a unique property's value (HubSpot's ``idProperty``), and batch upsert.

``idProperty`` names a property whose values are unique for the type: contact ``email``
or any ``hasUniqueValue`` property ("a property whose values are unique for the object",
https://developers.hubspot.com/docs/api-reference/latest/crm/objects/custom-objects/batch/upsert-custom-objects).
Values are looked up through the search index's key index (``search_values_key``), never
by scanning records, and case-insensitively, as the unique index compares them
(docs/properties.md). Absent or ``hs_object_id``, the id is the record id.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from assocdb.domain.models import CrmObject
from assocdb.domain.objects import NewObject, ObjectService, ObjectUpdate, parse_id
from assocdb.domain.objecttypes import ObjectType
from assocdb.domain.properties import PropertyService
from assocdb.errors import AssocdbError, Conflict, ObjectNotFound, ValidationError

__all__ = [
    "UpsertInput",
    "UpsertOutcome",
    "by_record_id",
    "resolve_ids",
    "upsert",
]

_KEY_LENGTH = 500
"""The search index keeps the first 500 characters of a value, lower-cased (migration 0011)."""


def by_record_id(name: str | None) -> bool:
    return not name or name == "hs_object_id"


def _key(value: str) -> str:
    return value[:_KEY_LENGTH].lower()


async def _check_unique_property(
    properties: PropertyService, portal_id: int, object_type: ObjectType, name: str
) -> None:
    """HubSpot answers 400 for an ``idProperty`` that is not a unique-value property
    ("idProperty ... refers to a property whose values are unique for the object", page
    above) [inferred wording]."""
    try:
        prop = await properties.get(portal_id, object_type, name)
    except ObjectNotFound:
        prop = None
    if prop is None or not prop.has_unique_value:
        shown = name[:100]
        raise ValidationError(
            f"Property {shown} is not a unique identifier: idProperty must name a property "
            "with unique values (hasUniqueValue), or hs_object_id.",
            context={"idProperty": [shown]},
        )


async def resolve_ids(
    objects: ObjectService,
    properties: PropertyService,
    portal_id: int,
    object_type: ObjectType,
    id_property: str | None,
    values: Sequence[str],
) -> dict[str, int]:
    """value → live record id, for the values that name a record (others are left out)."""
    if by_record_id(id_property):
        return {v: i for v in values if (i := parse_id(v)) is not None}
    assert id_property is not None
    await _check_unique_property(properties, portal_id, object_type, id_property)
    keys = sorted({_key(v) for v in values if v})
    if not keys:
        return {}
    owners = await properties.store.owners_of_values(
        portal_id, object_type.type_id, id_property, keys
    )
    return {v: owners[_key(v)] for v in values if v and _key(v) in owners}


# -- batch upsert ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UpsertInput:
    value: str
    id_property: str | None
    properties: Mapping[str, str | None]
    trace_id: str | None = None


@dataclass(frozen=True, slots=True)
class UpsertOutcome:
    obj: CrmObject
    new: bool
    trace_id: str | None


def _duplicates(inputs: Sequence[UpsertInput]) -> None:
    """A value named twice, or an empty one (it could only create a record without the
    value, which no later upsert would find), is a 400 before anything is written."""
    if any(not item.value for item in inputs):
        raise ValidationError(
            "Every input needs an id: the idProperty value (or record id) to upsert.",
            context={"id": [""]},
        )
    seen: set[tuple[str | None, str]] = set()
    doubled: list[str] = []
    for item in inputs:
        key = (item.id_property, _key(item.value))
        if key in seen and item.value not in doubled:
            doubled.append(item.value)
        seen.add(key)
    if doubled:
        shown = ", ".join(v[:100] for v in doubled)
        raise ValidationError(
            f"Duplicate IDs found in batch input: [{shown}]. IDs must be unique",
            context={"ids": [v[:100] for v in doubled]},
        )


async def upsert(
    objects: ObjectService,
    properties: PropertyService,
    portal_id: int,
    object_type: ObjectType,
    inputs: Sequence[UpsertInput],
) -> tuple[list[UpsertOutcome], AssocdbError | None]:
    """Update the records the inputs name, create the others with their ``idProperty``
    value set (HubSpot's batch upsert, page above).

    Concurrency: two upserts of one new value both find no record, and both create; the
    unique index lets one commit and refuses the other with a 409 (before anything of that
    batch is written). The loser then looks the values up again and updates the record
    the winner made, so the client sees an update, not an error. A second refusal (a
    different unique property held by another record) is the client's 409.
    """
    _duplicates(inputs)
    for attempt in (1, 2):
        found: dict[int, int] = {}
        for name in dict.fromkeys(i.id_property for i in inputs):
            group = [n for n, i in enumerate(inputs) if i.id_property == name]
            ids = await resolve_ids(
                objects, properties, portal_id, object_type, name, [inputs[n].value for n in group]
            )
            found.update({n: ids[inputs[n].value] for n in group if inputs[n].value in ids})
        new = [n for n in range(len(inputs)) if n not in found]
        creatable = [n for n in new if not by_record_id(inputs[n].id_property)]
        try:
            created = (
                await objects.create(
                    portal_id,
                    object_type,
                    [
                        NewObject(
                            {
                                **inputs[n].properties,
                                str(inputs[n].id_property): inputs[n].value,
                            }
                        )
                        for n in creatable
                    ],
                )
                if creatable
                else []
            )
        except Conflict:
            if attempt == 2:
                raise
            continue
        break
    outcomes: dict[int, UpsertOutcome] = {}
    for n, made in zip(creatable, created, strict=True):
        if isinstance(made, AssocdbError):
            raise made
        outcomes[n] = UpsertOutcome(made, True, inputs[n].trace_id)
    updated = await objects.update_many(
        portal_id,
        object_type,
        [ObjectUpdate(i, inputs[n].properties, inputs[n].trace_id) for n, i in found.items()],
    )
    by_id = {o.object_id: o for o in updated}
    for n, i in found.items():
        if i in by_id:
            outcomes[n] = UpsertOutcome(by_id[i], False, inputs[n].trace_id)
    missing = [inputs[n].value for n in range(len(inputs)) if n not in outcomes]
    error = None
    if missing:
        error = ObjectNotFound(
            f"Could not get some {object_type.upper_name} objects, they may be deleted or "
            "not exist. Check that ids are valid.",
            context={"ids": missing},
        )
    return [outcomes[n] for n in sorted(outcomes)], error
