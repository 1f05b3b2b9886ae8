"""Records named by a unique property's value (HubSpot's ``idProperty``), and batch upsert.

``idProperty`` names a property whose values are unique for the type: contact ``email``
or any ``hasUniqueValue`` property ("a property whose values are unique for the object",
https://developers.hubspot.com/docs/api-reference/latest/crm/objects/custom-objects/batch/upsert-custom-objects).
Values are looked up through the search index's key index (``search_values_key``), never
by scanning records, and case-insensitively, as the unique index compares them
(docs/properties.md). Absent or ``hs_object_id``, the id is the record id.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
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


class _Raced(Exception):
    """The values named other records inside the transaction than just before it."""


Lookup = Callable[[str, str, Sequence[str]], Awaitable[dict[str, int]]]
"""(object type, property, value keys) → the records holding them."""


async def _find(
    lookup: Lookup, object_type: ObjectType, inputs: Sequence[UpsertInput]
) -> dict[int, int]:
    """input index → the live record its value names (``idProperty`` inputs only; a
    record id is checked by the update itself)."""
    found: dict[int, int] = {}
    for name in dict.fromkeys(i.id_property for i in inputs):
        if by_record_id(name):
            continue
        assert name is not None
        group = [n for n, i in enumerate(inputs) if i.id_property == name]
        keys = sorted({_key(inputs[n].value) for n in group})
        owners = await lookup(object_type.type_id, name, keys)
        found.update(
            {n: owners[_key(inputs[n].value)] for n in group if _key(inputs[n].value) in owners}
        )
    return found


async def upsert(
    objects: ObjectService,
    properties: PropertyService,
    portal_id: int,
    object_type: ObjectType,
    inputs: Sequence[UpsertInput],
) -> tuple[list[UpsertOutcome], AssocdbError | None]:
    """Update the records the inputs name, create the others with their ``idProperty``
    value set (HubSpot's batch upsert, page above).

    One unit of work (docs/transactions.md): the look-up of the values, the record checks
    (pipelines, owners), the creates and the updates commit together or not at all. The
    values are looked up once before it, to check the written values against the property
    definitions (reads that must not run inside it), and again inside it; if another
    writer changed what they name in between, the whole upsert runs again.

    Concurrency: two upserts of one new value both find no record, and both create; the
    unique index lets one commit and refuses the other with a 409 (rolling back all of
    that batch). The loser then runs again and updates the record the winner made, so the
    client sees an update, not an error. A second refusal (a different unique property
    held by another record) is the client's 409.
    """
    _duplicates(inputs)
    for name in dict.fromkeys(i.id_property for i in inputs):
        if not by_record_id(name):
            assert name is not None
            await _check_unique_property(properties, portal_id, object_type, name)
    store = properties.store

    async def outside(type_id: str, name: str, keys: Sequence[str]) -> dict[str, int]:
        return await store.owners_of_values(portal_id, type_id, name, keys)

    for attempt in (1, 2):
        try:
            creatable, updates, created, updated = await _attempt(
                objects, portal_id, object_type, inputs, outside
            )
        except (Conflict, _Raced) as exc:
            # A unique value taken meanwhile (by the property check before the transaction,
            # or by the index inside it), or values that changed owner: run again.
            if attempt == 2:
                raise _conflict(exc) from None
            continue
        break
    outcomes: dict[int, UpsertOutcome] = {}
    for n, made in zip(creatable, created, strict=True):
        assert isinstance(made, CrmObject)
        outcomes[n] = UpsertOutcome(made, True, inputs[n].trace_id)
    by_id = {o.object_id: o for o in updated}
    for n, i in updates:
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


async def _attempt(
    objects: ObjectService,
    portal_id: int,
    object_type: ObjectType,
    inputs: Sequence[UpsertInput],
    outside: Lookup,
) -> tuple[list[int], list[tuple[int, int]], list[CrmObject | AssocdbError], list[CrmObject]]:
    """One try of the upsert: look up, check the values, then the unit of work."""
    found = await _find(outside, object_type, inputs)
    creatable = [
        n for n in range(len(inputs)) if n not in found and not by_record_id(inputs[n].id_property)
    ]
    updates = _updates(inputs, found)
    plans = await objects.prepare_create(
        portal_id,
        object_type,
        [
            NewObject({**inputs[n].properties, str(inputs[n].id_property): inputs[n].value})
            for n in creatable
        ],
    )
    changes = await objects.prepare_update(
        portal_id,
        object_type,
        [ObjectUpdate(i, inputs[n].properties, inputs[n].trace_id) for n, i in updates],
    )
    async with objects.store.transaction(portal_id) as tx:
        if await _find(tx.value_owners, object_type, inputs) != found:
            raise _Raced
        created = await objects.create_in(tx, object_type, plans)
        for made in created:
            if isinstance(made, AssocdbError):
                raise made
        updated = await objects.update_in(tx, object_type, changes)
    return creatable, updates, created, updated


def _updates(inputs: Sequence[UpsertInput], found: Mapping[int, int]) -> list[tuple[int, int]]:
    """(input index, record id) of the inputs that update: found by value, or by id."""
    updates: list[tuple[int, int]] = []
    for n, item in enumerate(inputs):
        record_id = found.get(n)
        if record_id is None and by_record_id(item.id_property):
            record_id = parse_id(item.value)
        if record_id is not None:
            updates.append((n, record_id))
    return updates


def _conflict(exc: Exception) -> Conflict:
    if isinstance(exc, Conflict):
        return exc
    return Conflict(
        "The records these values name changed while the upsert ran; retry the request.",
        sub_category="assocdb.UPSERT_RACED",
    )
