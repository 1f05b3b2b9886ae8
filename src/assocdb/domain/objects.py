"""CRM records (the things associations link): CRM objects v3 semantics.

The objects v3 behaviour HubSpot documents: records have int64 ids allocated per portal,
string properties, and computed properties (``hs_object_id`` and the create/modify dates).
Archiving a record removes every association it has, both directions, in the same
transaction as the record itself.

HubSpot: https://developers.hubspot.com/docs/guides/api/crm/using-object-apis

Associations given on create name only the target record and the association types;
the target object type is inferred from the type: HUBSPOT_DEFINED type ids are unique
per from-type in the registry, and a portal's own labels are looked up by typeId.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from assocdb.domain.associations import AssociationService, CreateInput, TypeRef, WritePlan
from assocdb.domain.clock import now_ms
from assocdb.domain.history import Versions
from assocdb.domain.models import CrmObject, LabelDef
from assocdb.domain.objecttypes import ObjectType, resolve_object_type
from assocdb.domain.properties import PropertyService
from assocdb.domain.registry import Category, PairTypes, TypeKey, defined_pair, defined_pairs
from assocdb.domain.store import ObjectStore, RecordStore, StoreTx, UpdatedRecord
from assocdb.domain.webhooks import EventSink, object_changes, removed_associations
from assocdb.errors import AssocdbError, ObjectNotFound, ValidationError

__all__ = [
    "MAX_BATCH_INPUTS",
    "MAX_READ_PROPERTIES",
    "AssociatedId",
    "AssociationInput",
    "NewObject",
    "ObjectService",
    "ObjectUpdate",
    "Page",
    "Record",
    "date_properties",
    "history_property_names",
    "object_not_found",
    "objects_not_found",
    "parse_id",
    "read_property_names",
]

MAX_BATCH_INPUTS = 100
"""Object API batch endpoints take at most 100 inputs.

HubSpot: https://developers.hubspot.com/docs/guides/api/crm/using-object-apis
"""

_MAX_ID = 2**63 - 1

# -- properties --------------------------------------------------------------------------

# The create/modify date properties differ by type: contacts keep the legacy
# ``lastmodifieddate``; companies, deals and tickets use ``createdate`` with
# ``hs_lastmodifieddate``; every other object (activities, products, custom objects...)
# uses ``hs_createdate`` / ``hs_lastmodifieddate``. [inferred from real responses]
_DATES: dict[str, tuple[str, str]] = {
    "0-1": ("createdate", "lastmodifieddate"),
    "0-2": ("createdate", "hs_lastmodifieddate"),
    "0-3": ("createdate", "hs_lastmodifieddate"),
    "0-5": ("createdate", "hs_lastmodifieddate"),
}
_HS_DATES = ("hs_createdate", "hs_lastmodifieddate")

# "Properties returned by default" when a read names none (objects v3 spec, info table).
_DEFAULT_PROPERTIES: dict[str, tuple[str, ...]] = {
    "0-1": ("firstname", "lastname", "email"),
    "0-2": ("name", "domain"),
    "0-3": ("dealname", "amount", "closedate", "pipeline", "dealstage"),
    "0-5": (
        "content",
        "hs_pipeline",
        "hs_pipeline_stage",
        "hs_ticket_category",
        "hs_ticket_priority",
        "subject",
    ),
    "0-7": ("name", "description", "price"),
}


def date_properties(object_type: ObjectType) -> tuple[str, str]:
    """The names of a type's (created, last modified) date properties."""
    return _DATES.get(object_type.type_id, _HS_DATES)


def computed_properties(object_type: ObjectType) -> frozenset[str]:
    """Properties the server sets; values sent for them are ignored ([inferred])."""
    return frozenset({"hs_object_id", *date_properties(object_type)})


def read_property_names(
    object_type: ObjectType, requested: Sequence[str] | None
) -> tuple[str, ...]:
    """The properties a read returns, sorted: the requested ones (or the type's defaults)
    plus the computed ones, which HubSpot always includes."""
    names = requested if requested is not None else _DEFAULT_PROPERTIES.get(object_type.type_id, ())
    _check_read_properties(set(names))
    return tuple(sorted({*names, *computed_properties(object_type)}))


MAX_READ_PROPERTIES = 1000
"""Distinct property names one read may ask for [inferred: HubSpot documents no cap]. A
name is echoed (with null) even when no record has it, so this bounds the response."""
MAX_PROPERTY_NAME = 256
"""Characters in a property name asked for [inferred]."""


def history_property_names(requested: Sequence[str] | None) -> tuple[str, ...]:
    """The properties ``propertiesWithHistory`` asks for, sorted; the read-property cap
    applies to them too (each brings up to MAX_VERSIONS versions per record)."""
    names = set(requested or ())
    _check_read_properties(names)
    return tuple(sorted(names))


def _check_read_properties(names: set[str]) -> None:
    if len(names) > MAX_READ_PROPERTIES:
        raise ValidationError(
            f"Too many properties: {len(names)} distinct names, at most {MAX_READ_PROPERTIES}"
            " per request.",
            context={"properties": [str(len(names))]},
        )
    long = next((name for name in names if len(name) > MAX_PROPERTY_NAME), None)
    if long is not None:
        raise ValidationError(
            f"Invalid property name '{long[:40]}…': at most {MAX_PROPERTY_NAME} characters.",
            context={"properties": [long[:40]]},
        )


def _clean(object_type: ObjectType, properties: Mapping[str, str | None]) -> dict[str, str | None]:
    """Client values: computed properties dropped, "" meaning no value (None)."""
    computed = computed_properties(object_type)
    return {k: (v or None) for k, v in properties.items() if k not in computed}


# -- records -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Record:
    """A record as reads return it: live, or archived at ``archived_at_ms``."""

    obj: CrmObject
    archived_at_ms: int | None = None


@dataclass(frozen=True, slots=True)
class Page:
    records: list[Record]
    next_after: int | None
    """The id of the first record of the next page (HubSpot's ``after``).

    HubSpot: https://developers.hubspot.com/docs/guides/api/crm/using-object-apis
    """


@dataclass(frozen=True, slots=True)
class AssociationInput:
    """One ``associations[]`` item of a create: the target record and the types to add."""

    to_id: int
    types: tuple[TypeRef, ...]


@dataclass(frozen=True, slots=True)
class NewObject:
    properties: Mapping[str, str | None]
    associations: tuple[AssociationInput, ...] = ()


@dataclass(frozen=True, slots=True)
class ObjectUpdate:
    object_id: int
    properties: Mapping[str, str | None]
    trace_id: str | None = None


@dataclass(frozen=True, slots=True)
class AssociatedId:
    """One entry of a v3 ``associations`` block: one per association type on a pair."""

    to_id: int
    type: str


def object_not_found(raw_id: str) -> ObjectNotFound:
    """GET/PATCH of a record that does not exist (or an id that is not a number).

    HubSpot's wording, two spaces included: ``"Object not found.  objectId are usually
    numeric."`` with ``context.id`` (a captured real 404, public code id 18100499815;
    also id 71150330881)."""
    return ObjectNotFound(
        "Object not found.  objectId are usually numeric.", context={"id": [raw_id]}
    )


def objects_not_found(
    object_type: ObjectType, ids: Sequence[str], trace_ids: Sequence[str] = ()
) -> ObjectNotFound:
    """The one batch error covering every missing id (observed in HubSpot's responses).
    Batch update also echoes the failed inputs' ``objectWriteTraceId`` in its context
    (rudderlabs/rudder-server test fixtures, public code id 68856567873) [inferred shape].

    HubSpot: https://developers.hubspot.com/docs/guides/api/crm/using-object-apis
    """
    context = {"ids": list(ids)}
    if trace_ids:
        context["objectWriteTraceId"] = list(trace_ids)
    return ObjectNotFound(
        f"Could not get some {object_type.upper_name} objects, they may be deleted or not "
        "exist. Check that ids are valid.",
        context=context,
    )


def parse_id(text: str) -> int | None:
    """A record id from its text, or None if it cannot be one."""
    if not (text.isascii() and text.isdigit()) or len(text) > 19:  # not an int64
        return None
    value = int(text)
    return value if 0 < value <= _MAX_ID else None


# -- association types on create ----------------------------------------------------------

_TARGETS: dict[tuple[str, int], str] = {
    (from_type, type_id): to_type
    for (from_type, to_type), pair in defined_pairs().items()
    for type_id in pair.types
}
"""(from type id, HUBSPOT_DEFINED typeId) → to type id; unique in the registry."""

_OWN_CATEGORIES = (Category.USER_DEFINED, Category.INTEGRATOR_DEFINED)


@dataclass
class _Invalid:
    """What is wrong with one input's associations; HubSpot reports all of it at once."""

    specs: list[str] = field(default_factory=list)
    spec_errors: list[str] = field(default_factory=list)
    objects: list[str] = field(default_factory=list)

    def bad_type(self, ref: TypeRef) -> None:
        shown = _shown(ref)
        self.specs.append(shown)
        self.spec_errors.append(f"{shown} is not a valid association definition id")

    def no_type(self, to_id: int) -> None:
        self.specs.append("[]")
        self.spec_errors.append(f"The association to {to_id} names no association type")

    def error(self) -> ValidationError | None:
        if not self.specs and not self.objects:
            return None
        context: dict[str, list[str]] = {}
        if self.specs:
            context["associationSpec"] = self.specs
            context["INVALID_ASSOCIATION_TYPE_ID"] = self.spec_errors
        if self.objects:
            context["INVALID_OBJECT_IDS"] = [f"{o} is not valid" for o in self.objects]
        # The shape of HubSpot's answers for a bad type (public code id 46385814254) and a
        # missing record (public code id 7551476249).
        return ValidationError("One or more associations are invalid", context=context)


def _shown(ref: TypeRef) -> str:
    category, type_id = ref
    return f"{Category(category).name}={type_id}" if category is not None else str(type_id)


class _TargetResolver:
    """Finds the object type an association type leads to, from one from-type."""

    def __init__(self, store: ObjectStore, portal_id: int, from_type: ObjectType) -> None:
        self.store = store
        self.portal_id = portal_id
        self.from_type = from_type
        self._labels: dict[tuple[int, int], LabelDef | None] = {}

    async def target(self, ref: TypeRef) -> str | None:
        category, type_id = ref
        if category in (None, Category.HUBSPOT_DEFINED):
            found = _TARGETS.get((self.from_type.type_id, type_id))
            if found is not None or category is not None:
                return found
        for own in (category,) if category is not None else _OWN_CATEGORIES:
            label = await self._label(int(own), type_id)
            if label is not None:
                return label.to_type
        return None

    async def _label(self, category: int, type_id: int) -> LabelDef | None:
        key = (category, type_id)
        if key not in self._labels:
            self._labels[key] = await self.store.find_label(
                self.portal_id, self.from_type.type_id, category, type_id
            )
        return self._labels[key]


@dataclass
class _Planned:
    """One create input after validation: its associations grouped by to-type."""

    properties: dict[str, str]
    by_type: dict[str, list[AssociationInput]] = field(default_factory=dict)
    invalid: _Invalid = field(default_factory=_Invalid)


async def _associate(
    tx: StoreTx,
    object_type: ObjectType,
    plans: Sequence[_Planned],
    created: Sequence[CrmObject],
) -> dict[int, AssocdbError]:
    """Plan the associations of new records in ``tx`` and write them; the first error of
    each record that failed, whose associations are then not written at all.

    A failed record's other associations may already be in the plan, so the plans are
    made again without it until none fails (each round drops at least one record, and
    dropping changes can only free limits, so this ends fast)."""
    failed: dict[int, AssocdbError] = {}
    while True:
        groups: dict[str, list[CreateInput]] = {}
        for plan, obj in zip(plans, created, strict=True):
            if obj.object_id in failed:
                continue
            for to_type, items in plan.by_type.items():
                groups.setdefault(to_type, []).extend(
                    CreateInput(obj.object_id, a.to_id, a.types) for a in items
                )
        writes: list[WritePlan] = []
        new_failures = False
        for to_type, inputs in sorted(groups.items()):
            write = await WritePlan.open(tx, object_type, resolve_object_type(to_type))
            outcomes = await write.set_all(inputs, replace=False)
            writes.append(write)
            for item, outcome in zip(inputs, outcomes, strict=True):
                if isinstance(outcome, AssocdbError) and item.from_id not in failed:
                    failed[item.from_id] = outcome
                    new_failures = True
        if not new_failures:
            for write in writes:
                await write.flush()
            return failed


# -- association type names in v3 reads --------------------------------------------------

# How HubSpot names the object in v3 association type strings where it differs from the
# object's name ("meeting_event_to_contact", public code id 70922777601).
_TYPE_WORDS = {"0-47": "meeting_event"}
# Labelled HUBSPOT_DEFINED types with their own names. [inferred: third-party enums of
# v3 association types ("parent_to_child_company", "company_to_billing_contact")]
_NAMED_TYPES = {
    ("0-2", "0-2", 13): "parent_to_child_company",
    ("0-2", "0-2", 14): "child_to_parent_company",
    ("0-2", "0-1", 930): "company_to_billing_contact",
    ("0-1", "0-2", 931): "billing_contact_to_company",
}


def _word(object_type: ObjectType) -> str:
    return _TYPE_WORDS.get(object_type.type_id, object_type.name)


def _snake(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def association_type_name(
    from_type: ObjectType,
    to_type: ObjectType,
    key: TypeKey,
    defined: PairTypes | None,
    own: Mapping[TypeKey, LabelDef],
) -> str:
    """The ``type`` string of a v3 associations entry.

    HUBSPOT_DEFINED: Primary is ``contact_to_company``; the unlabeled type is
    ``contact_to_company_unlabeled`` on pairs that also have a Primary, else plain
    ``contact_to_deal`` (both forms in real responses, public code ids 67193853177 and
    24989580951). A portal's own label is named by its internal ``name`` [inferred].
    """
    category, type_id = key
    base = f"{_word(from_type)}_to_{_word(to_type)}"
    if category != Category.HUBSPOT_DEFINED:
        label = own.get(key)
        return label.name if label is not None else str(type_id)
    named = _NAMED_TYPES.get((from_type.type_id, to_type.type_id, type_id))
    if named is not None:
        return named
    found = defined.types.get(type_id) if defined else None
    if found is None or found.primary:
        return base
    if defined is not None and type_id == defined.default_id:
        has_primary = any(t.primary for t in defined.types.values())
        return f"{base}_unlabeled" if has_primary else base
    return f"{base}_{_snake(found.label)}" if found.label else base


# -- the service ---------------------------------------------------------------------------


RecordWrite = tuple[Mapping[str, str | None], Mapping[str, str] | None]
"""(the values a write sets, the record's current properties or None on create)."""
RecordCheck = Callable[[StoreTx, ObjectType, Sequence[RecordWrite]], Awaitable[None]]
"""Raises if the writes may not happen (a stage or owner that does not exist): the hook
through which other services check values, e.g. ``PipelineService.check_records``. It
runs inside the write's transaction and reads what it checks through it, so no pipeline
change or owner archive can come between the check and the write (docs/transactions.md)."""
Change = tuple[int, dict[str, str | None]]
"""(record id, cleaned property changes) of an update."""
ResolveMerged = Callable[[int, ObjectType, int], Awaitable[int | None]]
"""The record a merged id now resolves to, if any (``MergeService.resolve``)."""


class ObjectService:
    def __init__(
        self,
        store: RecordStore,
        *,
        association_page: int = 500,
        properties: PropertyService | None = None,
    ) -> None:
        self.store = store
        self.association_page = association_page
        self.properties = properties
        """Checks every written value against the type's properties (domain/properties.py);
        None skips the checks (storage tests, bulk imports)."""
        self.record_checks: list[RecordCheck] = []
        self.checked_properties: set[str] = set()
        """The properties the record checks look at: writes that set none of them skip the
        checks (and the read of the current records an update check needs)."""
        self.resolve_merged: ResolveMerged | None = None

    async def _check_values(
        self,
        portal_id: int,
        object_type: ObjectType,
        records: Sequence[tuple[int | None, Mapping[str, str | None]]],
    ) -> None:
        if self.properties is not None:
            await self.properties.check_values(portal_id, object_type, records)

    def _needs_check(self, writes: Iterable[Mapping[str, str | None]]) -> bool:
        names = self.checked_properties
        return bool(self.record_checks) and any(not names.isdisjoint(w) for w in writes)

    async def _check_records(
        self, tx: StoreTx, object_type: ObjectType, writes: Sequence[RecordWrite]
    ) -> None:
        if not self._needs_check(w for w, _ in writes):
            return
        for check in self.record_checks:
            await check(tx, object_type, writes)

    async def create_many(
        self, portal_id: int, object_type: ObjectType, properties: Sequence[Mapping[str, str]]
    ) -> list[CrmObject]:
        """Create records; ids are allocated per portal, HubSpot-sized (11+ digits). One
        unit of work: the records and their webhook events commit together."""
        async with self.store.transaction(portal_id) as tx:
            created = await tx.create_objects(object_type.type_id, properties, now_ms())
            if tx.events is not None:
                creation_events(tx.events, created, now_ms())
        return created

    # -- create ---------------------------------------------------------------------

    async def create(
        self,
        portal_id: int,
        object_type: ObjectType,
        inputs: Sequence[NewObject],
        associations: AssociationService | None = None,
    ) -> list[CrmObject | AssocdbError]:
        """Create records with their associations, one outcome per input, in order.

        Every association is validated before anything is created: an input with an
        invalid type or a missing target record is an error and is not created. The
        records and their associations (added with ``replace=False``, through the same
        write plan as the associations API) are then written in one transaction. An input
        whose associations still fail there (a target archived meanwhile, a portal limit)
        is left out of it, so a record exists if and only if the client is told it was
        created, with all its associations, whatever crashes when.

        ``associations`` is no longer used (the write plan runs in this transaction); it is
        accepted so that existing callers keep working.
        """
        plans = await self.prepare_create(portal_id, object_type, inputs)
        async with self.store.transaction(portal_id) as tx:
            return await self.create_in(tx, object_type, plans)

    async def prepare_create(
        self, portal_id: int, object_type: ObjectType, inputs: Sequence[NewObject]
    ) -> list[_Planned]:
        """What ``create_in`` writes, checked against the property definitions (reads
        outside the write's transaction: definitions, and association targets that the
        write plan checks again inside it)."""
        # The values as sent (computed ones included: READ_ONLY_VALUE), then the plans.
        await self._check_values(portal_id, object_type, [(None, i.properties) for i in inputs])
        return await self._plan(portal_id, object_type, inputs)

    async def create_in(
        self, tx: StoreTx, object_type: ObjectType, plans: Sequence[_Planned]
    ) -> list[CrmObject | AssocdbError]:
        """The writes of ``create`` in the caller's transaction: the record checks
        (pipelines, owners), the records, their associations and their webhook events."""
        valid = [p for p in plans if p.invalid.error() is None]
        to_types = sorted({t for p in valid for t in p.by_type})
        await tx.lock_pairs([(object_type.type_id, t) for t in to_types], exclusive=False)
        await self._check_records(tx, object_type, [(p.properties, None) for p in valid])
        created = await tx.create_objects(
            object_type.type_id, [p.properties for p in valid], now_ms()
        )
        failed = await _associate(tx, object_type, valid, created)
        if failed:
            await tx.purge_objects(object_type.type_id, sorted(failed))
        if tx.events is not None:  # webhooks: events commit with the records, or not at all
            kept = [o for o in created if o.object_id not in failed]
            creation_events(tx.events, kept, now_ms())
        made = iter(created)
        outcomes: list[CrmObject | AssocdbError] = []
        for plan in plans:
            error = plan.invalid.error()
            if error is None:
                obj = next(made)
                outcomes.append(failed.get(obj.object_id, obj))
            else:
                outcomes.append(error)
        return outcomes

    async def _plan(
        self, portal_id: int, object_type: ObjectType, inputs: Sequence[NewObject]
    ) -> list[_Planned]:
        resolver = _TargetResolver(self.store, portal_id, object_type)
        plans: list[_Planned] = []
        for item in inputs:
            properties = {k: v for k, v in _clean(object_type, item.properties).items() if v}
            plan = _Planned(properties)
            for assoc in item.associations:
                to_type = await self._target(resolver, assoc, plan.invalid)
                if to_type is not None:
                    plan.by_type.setdefault(to_type, []).append(assoc)
            plans.append(plan)
        await self._check_targets(portal_id, plans)
        return plans

    async def _target(
        self, resolver: _TargetResolver, assoc: AssociationInput, invalid: _Invalid
    ) -> str | None:
        """The to-type of one association item; every type of the item must lead there."""
        if not assoc.types:
            invalid.no_type(assoc.to_id)
            return None
        found: str | None = None
        valid = True
        for ref in assoc.types:
            target = await resolver.target(ref)
            if target is None or (found is not None and target != found):
                invalid.bad_type(ref)
                valid = False
            else:
                found = target
        return found if valid else None

    async def _check_targets(self, portal_id: int, plans: Sequence[_Planned]) -> None:
        wanted: dict[str, set[int]] = {}
        for plan in plans:
            for to_type, items in plan.by_type.items():
                wanted.setdefault(to_type, set()).update(a.to_id for a in items)
        existing = {
            to_type: {
                o.object_id for o in await self.store.get_objects(portal_id, to_type, sorted(ids))
            }
            for to_type, ids in wanted.items()
        }
        for plan in plans:
            for to_type, items in plan.by_type.items():
                name = resolve_object_type(to_type).upper_name
                for item in items:
                    if item.to_id not in existing[to_type]:
                        plan.invalid.objects.append(f"{name}={item.to_id}")

    # -- reads ----------------------------------------------------------------------

    async def get(
        self, portal_id: int, object_type: ObjectType, raw_id: str, *, archived: bool = False
    ) -> Record:
        """One record by the id text of a path; 404 if it is not a (live) record."""
        object_id = parse_id(raw_id)
        found = await self._read(portal_id, object_type, [object_id] if object_id else [], archived)
        if not found and object_id and not archived and self.resolve_merged is not None:
            # A merged record's id reads the record it was merged into (domain/merge.py).
            primary = await self.resolve_merged(portal_id, object_type, object_id)
            found = await self._read(portal_id, object_type, [primary] if primary else [], False)
        if not found:
            raise object_not_found(raw_id)
        return found[0]

    async def read_many(
        self, portal_id: int, object_type: ObjectType, raw_ids: Sequence[str], *, archived: bool
    ) -> tuple[list[Record], AssocdbError | None]:
        """Records in input order (each id once), and one error naming every id that is
        not a record ("Could not get some CONTACT objects ...", observed in HubSpot's
        responses).

        HubSpot: https://developers.hubspot.com/docs/guides/api/crm/using-object-apis
        """
        unique = list(dict.fromkeys(raw_ids))
        ids = {raw: parse_id(raw) for raw in unique}
        found = await self._read(
            portal_id, object_type, [i for i in ids.values() if i is not None], archived
        )
        by_id = {r.obj.object_id: r for r in found}
        records = [by_id[i] for i in ids.values() if i is not None and i in by_id]
        missing = [raw for raw, i in ids.items() if i is None or i not in by_id]
        return records, (objects_not_found(object_type, missing) if missing else None)

    async def _read(
        self, portal_id: int, object_type: ObjectType, ids: Sequence[int], archived: bool
    ) -> list[Record]:
        if not ids:
            return []
        if archived:
            pairs = await self.store.get_archived_objects(portal_id, object_type.type_id, ids)
            return [Record(obj, at) for obj, at in pairs]
        return [
            Record(o) for o in await self.store.get_objects(portal_id, object_type.type_id, ids)
        ]

    async def history(
        self,
        portal_id: int,
        object_type: ObjectType,
        records: Sequence[Record],
        names: Sequence[str],
    ) -> Versions:
        """``propertiesWithHistory`` of ``records``: each stored property's versions, newest
        first (computed properties, which have no stored versions, are the caller's: it
        renders their values). Properties a record never had are left out ("If any of
        the specified properties are not present on the requested object(s), they will
        be ignored", https://developers.hubspot.com/docs/api-reference/latest/crm/objects/objects/get-objects)."""
        computed = computed_properties(object_type)
        stored = [n for n in names if n not in computed]
        if not records or not stored:
            return {}
        ids = [r.obj.object_id for r in records]
        return await self.store.property_history(portal_id, object_type.type_id, ids, stored)

    async def list_page(
        self,
        portal_id: int,
        object_type: ObjectType,
        after: str | None,
        limit: int,
        *,
        archived: bool = False,
    ) -> Page:
        """Records by ascending id from ``after`` (the first id of the page).

        HubSpot: https://developers.hubspot.com/docs/guides/api/crm/using-object-apis
        """
        start = 0
        if after:
            digits = after.isascii() and after.isdigit() and len(after) <= 19  # int64 at most
            parsed = int(after) if digits else None
            if parsed is None or parsed > _MAX_ID:
                raise ValidationError(
                    f"Invalid 'after' value '{after[:40]}': send back paging.next.after of a "
                    "previous page unchanged.",
                    context={"after": [after[:40]]},
                )
            start = parsed
        type_id = object_type.type_id
        if archived:
            pairs = await self.store.list_archived_objects(portal_id, type_id, start, limit + 1)
            records = [Record(obj, at) for obj, at in pairs]
        else:
            objs = await self.store.list_objects(portal_id, type_id, start, limit + 1)
            records = [Record(o) for o in objs]
        if len(records) > limit:
            return Page(records[:limit], records[limit].obj.object_id)
        return Page(records, None)

    async def associated_ids(
        self,
        portal_id: int,
        from_type: ObjectType,
        object_id: int,
        to_types: Iterable[ObjectType],
    ) -> dict[str, list[AssociatedId]]:
        """The v3 ``associations`` block: for each to-type with associations, keyed by its
        plural name, one entry per association type on each pair.

        HubSpot: https://developers.hubspot.com/docs/guides/api/crm/using-object-apis
        """
        block: dict[str, list[AssociatedId]] = {}
        for to_type in to_types:
            entries = await self._associated(portal_id, from_type, object_id, to_type)
            if entries:
                block[to_type.plural] = entries
        return block

    async def _associated(
        self, portal_id: int, from_type: ObjectType, object_id: int, to_type: ObjectType
    ) -> list[AssociatedId]:
        rows = []
        after = -1
        while True:
            (page,) = await self.store.read_pages(
                portal_id,
                from_type.type_id,
                to_type.type_id,
                [(object_id, after)],
                self.association_page,
            )
            rows.extend(page)
            if len(page) < self.association_page:
                break
            after = page[-1][0]
        if not rows:
            return []
        defined = defined_pair(from_type.type_id, to_type.type_id)
        own: dict[TypeKey, LabelDef] = {}
        if any(c != Category.HUBSPOT_DEFINED for _, types in rows for c, _t in types):
            labels = await self.store.list_labels(portal_id, from_type.type_id, to_type.type_id)
            own = {(d.category, d.type_id): d for d in labels}
        return [
            AssociatedId(to_id, association_type_name(from_type, to_type, key, defined, own))
            for to_id, types in rows
            for key in sorted(types)
        ]

    # -- writes ---------------------------------------------------------------------

    async def update(
        self,
        portal_id: int,
        object_type: ObjectType,
        raw_id: str,
        properties: Mapping[str, str | None],
    ) -> CrmObject:
        """PATCH one record; 404 if it does not exist."""
        object_id = parse_id(raw_id)
        if object_id is None:
            raise object_not_found(raw_id)
        updated = await self.update_many(
            portal_id, object_type, [ObjectUpdate(object_id, properties)]
        )
        if not updated:
            raise object_not_found(raw_id)
        return updated[0]

    async def update_many(
        self, portal_id: int, object_type: ObjectType, updates: Sequence[ObjectUpdate]
    ) -> list[CrmObject]:
        """Apply updates in one transaction ("" or None clears a property); returns the
        records that exist, updated, in input order. Naming a record twice is a 400
        [inferred]."""
        changes = await self.prepare_update(portal_id, object_type, updates)
        async with self.store.transaction(portal_id) as tx:
            return await self.update_in(tx, object_type, changes)

    async def prepare_update(
        self, portal_id: int, object_type: ObjectType, updates: Sequence[ObjectUpdate]
    ) -> list[Change]:
        """The changes ``update_in`` writes, checked against the property definitions."""
        counts = Counter(u.object_id for u in updates)
        duplicates = sorted(i for i, n in counts.items() if n > 1)
        if duplicates:
            shown = ", ".join(map(str, duplicates))
            raise ValidationError(
                f"Duplicate IDs found in batch input: [{shown}]. IDs must be unique",
                context={"ids": [str(i) for i in duplicates]},
            )
        await self._check_values(
            portal_id, object_type, [(u.object_id, u.properties) for u in updates]
        )
        changes = [(u.object_id, _clean(object_type, u.properties)) for u in updates]
        return changes

    async def update_in(
        self, tx: StoreTx, object_type: ObjectType, changes: Sequence[Change]
    ) -> list[CrmObject]:
        """The writes of ``update_many`` in the caller's transaction: the records locked
        (one global order, so two batch updates cannot deadlock), the record checks against
        their current values, the updates and their webhook events."""
        type_id = object_type.type_id
        await tx.lock_records([(type_id, i) for i, _ in changes])
        if self._needs_check(c for _, c in changes):
            current = {
                o.object_id: o.properties
                for o in await tx.get_objects(type_id, [i for i, _ in changes])
            }
            await self._check_records(tx, object_type, [(c, current.get(i)) for i, c in changes])
        updated = await tx.update_objects(type_id, changes, now_ms())
        if tx.events is not None:  # webhooks: events commit with the updates, or not at all
            update_events(tx.events, updated, dict(changes), now_ms())
        return [u.record for u in updated]

    async def archive(self, portal_id: int, object_type: ObjectType, ids: Sequence[int]) -> None:
        """Archive records and every association they have; missing ids are no error
        (HubSpot answers 204 for them too, n8n-io/n8n PR #3219 comment of 2022-05-31).

        Webhooks: a deletion per archived record, and an associationChange
        (``associationRemoved: true``) per association it lost, for each subscribed side.
        The removed associations are returned by the delete that removes them (it reads
        them anyway to find their inverse rows), and only when some subscription takes
        associationChange events; their cost is one outbox row per event (docs/webhooks.md).
        """
        type_id = object_type.type_id
        async with self.store.transaction(portal_id) as tx:
            sink = tx.events
            with_edges = sink is not None and sink.wants_action("associationChange")
            archived = await tx.archive_objects(type_id, ids, now_ms(), with_edges=with_edges)
            if sink is not None:
                stamp = now_ms()
                deletion_events(sink, type_id, archived.ids, stamp)
                removed_associations(sink, type_id, archived.edges, stamp)


def creation_events(sink: EventSink, created: Iterable[CrmObject], occurred_at_ms: int) -> None:
    """The one emitter of record creations: ``*.creation`` and a propertyChange for each
    property set that a subscription names."""
    for obj in created:
        object_changes(
            sink, obj.object_type, obj.object_id, "creation", occurred_at_ms, obj.properties
        )


def deletion_events(
    sink: EventSink, object_type_id: str, ids: Iterable[int], occurred_at_ms: int
) -> None:
    """The one emitter of record deletions (archive, merge, GDPR delete): ``*.deletion``."""
    for object_id in ids:
        object_changes(sink, object_type_id, object_id, "deletion", occurred_at_ms)


def update_events(
    sink: EventSink,
    updated: Iterable[UpdatedRecord],
    changes: Mapping[int, Mapping[str, str | None]],
    occurred_at_ms: int,
) -> None:
    """The one emitter of record updates: a propertyChange per written property whose value
    changed (writing the same value sends nothing)."""
    for record, before in updated:
        written = changes.get(record.object_id, {})
        changed = {k: v for k, v in written.items() if before.get(k) != v}
        object_changes(
            sink, record.object_type, record.object_id, "update", occurred_at_ms, changed
        )
