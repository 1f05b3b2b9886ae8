"""Seed a portal from a document of objects, labels and associations; export one back.

The JSON document (``docs/seeding.md``)::

    {"labels": [{"fromObjectType": "contacts", "toObjectType": "companies",
                 "name": "billing_contact", "label": "Billing contact",
                 "inverseLabel": "Billing company"}],
     "objects": {"contacts": [{"key": "alice", "properties": {"email": "a@example.com"}}],
                 "companies": [{"key": "acme", "properties": {"name": "Acme"}}]},
     "associations": [{"fromObjectType": "contacts", "from": "alice",
                       "toObjectType": "companies", "to": "acme",
                       "types": [1, "billing_contact"]}]}

Keys are the document's own names for records; the store allocates the ids and the seed
returns the key → id map. An association end that is not a key of the document but a
number names a record that already exists in the portal. ``types``: integers are
HUBSPOT_DEFINED typeIds, strings the portal's label names (``^name`` is the inverse side of
a paired label between records of one type); the unlabeled type is always added.

Everything that needs no write is validated first (object types, keys, types,
self-associations, at most one Primary per record within the document). Then labels,
records and associations are written in ONE transaction, the associations through the
associations API's write plan (``WritePlan``, in bulk mode): a pair that already exists
gets the document's label set, a Primary in the document moves away from the record's
stored Primary (as ``batch/create`` does), and a write past a ``maxToObjectIds`` limit
fails the whole seed with the API's error. See docs/seeding.md.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import msgspec

from assocdb.domain.associations import CreateInput, PairTypesView, WritePlan
from assocdb.domain.clock import now_ms
from assocdb.domain.history import SOURCE_IMPORT
from assocdb.domain.labels import LabelService
from assocdb.domain.models import LabelDef, TypeSet
from assocdb.domain.objects import creation_events
from assocdb.domain.objecttypes import ObjectType, resolve_object_type
from assocdb.domain.owners import NewOwner, OwnerService, owner_store
from assocdb.domain.properties import PropertyStore
from assocdb.domain.registry import Category, TypeKey, defined_pair
from assocdb.domain.store import Store, StoreTx
from assocdb.errors import AssocdbError, ValidationError
from assocdb.seed_properties import SeedProperty, seed_properties

__all__ = [
    "SeedAssociation",
    "SeedData",
    "SeedDocument",
    "SeedLabel",
    "SeedObject",
    "SeedOwner",
    "SeedResult",
    "export_portal",
    "read_seed_files",
    "seed_portal",
    "write_export",
]

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``: stages ``objects`` and ``associations``."""

TypeRef = int | str
CHUNK = 50_000


class SeedLabel(msgspec.Struct, forbid_unknown_fields=True):
    fromObjectType: str
    toObjectType: str
    name: str
    label: str
    inverseLabel: str | None = None


class SeedObject(msgspec.Struct, forbid_unknown_fields=True):
    key: str | int | None = None
    properties: dict[str, str] = {}


class SeedAssociation(msgspec.Struct, forbid_unknown_fields=True):
    fromObjectType: str
    from_: str | int = msgspec.field(name="from")
    toObjectType: str
    to: str | int
    types: list[int | str] = []


class SeedOwner(msgspec.Struct, forbid_unknown_fields=True):
    """A CRM owner (issue 13); one whose email is already an active owner is skipped."""

    email: str
    firstName: str | None = None
    lastName: str | None = None
    teams: list[str] = []
    """Team names, the primary team first."""


class SeedDocument(msgspec.Struct, forbid_unknown_fields=True):
    labels: list[SeedLabel] = []
    objects: dict[str, list[SeedObject]] = {}
    associations: list[SeedAssociation] = []
    owners: list[SeedOwner] = []
    properties: dict[str, list[SeedProperty]] = {}
    """Object type → properties to create before the records (seed_properties.py); last, as
    callers build documents positionally."""


class SeedResult(msgspec.Struct):
    portalId: int
    labels: int
    objects: int
    associations: int
    ids: dict[str, dict[str, str]]
    """Object type (plural name) → document key → the id the record got."""


@dataclass(slots=True)
class SeedData:
    """A seed in plain tuples (CSV files and JSON documents both load into it)."""

    labels: list[SeedLabel] = field(default_factory=list)
    objects: list[tuple[str, str | None, dict[str, str]]] = field(default_factory=list)
    associations: list[tuple[str, str, str, str, tuple[TypeRef, ...]]] = field(default_factory=list)
    owners: list[SeedOwner] = field(default_factory=list)
    properties: dict[str, list[SeedProperty]] = field(default_factory=dict)

    @classmethod
    def from_document(cls, doc: SeedDocument) -> SeedData:
        data = cls(
            labels=list(doc.labels), owners=list(doc.owners), properties=dict(doc.properties)
        )
        for type_name, objects in doc.objects.items():
            for o in objects:
                key = None if o.key is None else str(o.key)
                data.objects.append((type_name, key, dict(o.properties)))
        data.associations = [
            (a.fromObjectType, str(a.from_), a.toObjectType, str(a.to), tuple(a.types))
            for a in doc.associations
        ]
        return data

    def extend(self, other: SeedData) -> None:
        self.labels += other.labels
        for type_name, props in other.properties.items():
            self.properties.setdefault(type_name, []).extend(props)
        self.objects += other.objects
        self.associations += other.associations
        self.owners += other.owners


def _invalid(message: str) -> ValidationError:
    return ValidationError(f"Invalid seed: {message}")


# -- reading files ------------------------------------------------------------------

_OBJECT_COLUMNS = ("type", "key")
_ASSOCIATION_COLUMNS = ("from_type", "from_key", "to_type", "to_key", "types")
_LABEL_COLUMNS = ("from_type", "to_type", "name", "label", "inverse_label")


def parse_json(raw: bytes) -> SeedData:
    try:
        return SeedData.from_document(msgspec.json.decode(raw, type=SeedDocument))
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise _invalid(str(exc)) from None


def _types_cell(text: str, cache: dict[str, tuple[TypeRef, ...]]) -> tuple[TypeRef, ...]:
    found = cache.get(text)
    if found is None:
        items = text.replace(";", " ").split()
        found = cache[text] = tuple(int(t) if t.isdigit() else t for t in items)
    return found


def parse_csv(text: Iterable[str], name: str = "CSV") -> SeedData:
    """One CSV file; its header says which kind it is (objects, associations or labels)."""
    reader = csv.reader(text)
    header = next(reader, None)
    if header is None:
        return SeedData()
    columns = tuple(h.strip() for h in header)
    data = SeedData()
    if columns[:5] == _ASSOCIATION_COLUMNS:
        cache: dict[str, tuple[TypeRef, ...]] = {}
        for line, row in enumerate(reader, start=2):
            if len(row) < 4:
                raise _invalid(f"{name} line {line}: expected {', '.join(_ASSOCIATION_COLUMNS)}")
            types = _types_cell(row[4], cache) if len(row) > 4 else ()
            data.associations.append((row[0], row[1], row[2], row[3], types))
    elif columns[:2] == _OBJECT_COLUMNS:
        names = columns[2:]
        for line, row in enumerate(reader, start=2):
            if len(row) < 2:
                raise _invalid(f"{name} line {line}: expected type, key, properties…")
            props = {k: v for k, v in zip(names, row[2:], strict=False) if v != ""}
            data.objects.append((row[0], row[1] or None, props))
    elif columns[:4] == _LABEL_COLUMNS[:4]:
        for row in reader:
            inverse = row[4] if len(row) > 4 and row[4] else None
            data.labels.append(SeedLabel(row[0], row[1], row[2], row[3], inverse))
    else:
        raise _invalid(
            f"{name}: unknown CSV header {','.join(columns)!r}; expected one starting with "
            f"'{','.join(_OBJECT_COLUMNS)}', '{','.join(_ASSOCIATION_COLUMNS)}' or "
            f"'{','.join(_LABEL_COLUMNS)}'"
        )
    return data


def read_seed_files(paths: Sequence[Path]) -> SeedData:
    """``.json`` documents and ``.csv`` files, merged in the order given."""
    data = SeedData()
    for path in paths:
        if path.suffix.lower() == ".json":
            data.extend(parse_json(path.read_bytes()))
        elif path.suffix.lower() == ".csv":
            with path.open(newline="", encoding="utf-8") as handle:
                data.extend(parse_csv(handle, path.name))
        else:
            raise _invalid(f"{path}: expected a .json or .csv file")
    return data


# -- seeding --------------------------------------------------------------------------


class _Types:
    """Object types by the names a seed uses, resolved once."""

    def __init__(self) -> None:
        self._cache: dict[str, ObjectType] = {}

    def __call__(self, name: str) -> ObjectType:
        found = self._cache.get(name)
        if found is None:
            try:
                found = self._cache[name] = resolve_object_type(name)
            except AssocdbError as exc:
                raise _invalid(exc.message) from None
        return found


async def seed_portal(
    store: Store,
    portal_id: int,
    data: SeedData,
    *,
    max_labels_per_pair: int = 10,
    progress: Progress | None = None,
    emit_events: bool = False,
) -> SeedResult:
    """Create the seed's labels, objects and associations in ``portal_id``.

    ``emit_events``: send the webhook events the same writes through the API would
    (creations, propertyChanges, associationChanges), with ``changeSource: IMPORT`` as
    HubSpot's imports do. Off by default: a seed between tests usually wants a known
    state, not a flood of deliveries (docs/webhooks.md, "Seeds")."""
    report = progress or (lambda stage, done, total: None)
    if await store.get_portal(portal_id) is None:
        raise _invalid(f"portal {portal_id} does not exist")
    types = _Types()

    # 1. Validate everything that needs no write.
    keys: dict[str, dict[str, int]] = {}  # type id -> key -> position among that type's objects
    by_type: dict[str, list[dict[str, str]]] = {}
    for type_name, key, props in data.objects:
        object_type = types(type_name)
        rows = by_type.setdefault(object_type.type_id, [])
        if key is not None:
            known = keys.setdefault(object_type.type_id, {})
            if key in known:
                raise _invalid(f"duplicate key {key!r} among the {object_type.plural}")
            known[key] = len(rows)
        rows.append(props)
    names = await _label_names(store, portal_id, data.labels, types)
    await _validate_associations(store, portal_id, data, keys, types, names)

    # 2. Properties (defined, and any the records use) first: they are definitions, which
    # the records' checks read.
    used: dict[str, set[str]] = {}
    for type_name, _key, props in data.objects:
        used.setdefault(type_name, set()).update(props)
    await seed_properties(
        cast(PropertyStore, store),
        portal_id,
        data.properties,
        used.items(),
        types,
    )
    # 2. One transaction: labels, objects, then associations through the API's write
    # plan, so a seed is applied wholly or not at all, and moves Primaries and respects
    # limits exactly as the API does against what is already stored.
    labels = LabelService(store, max_labels_per_pair=max_labels_per_pair)
    pairs = {(types(i.fromObjectType).type_id, types(i.toObjectType).type_id) for i in data.labels}
    pairs |= {(types(f).type_id, types(t).type_id) for f, _, t, _, _ in data.associations}
    await _seed_owners(store, portal_id, data.owners)
    async with store.transaction(portal_id) as tx:
        if not emit_events:
            tx.events = None  # the write plan below would otherwise send associationChanges
        elif tx.events is not None:
            tx.events.change_source = "IMPORT"
        # Exclusive: the seed creates labels on some of these pairs and checks limits on all.
        await tx.lock_pairs(sorted(pairs), exclusive=True)
        made_labels = 0
        for item in data.labels:
            ft, tt = types(item.fromObjectType), types(item.toObjectType)
            own = await tx.labels_for_write(ft.type_id, tt.type_id)
            if any(d.name == item.name for d in own):
                continue  # already there: seeding twice is harmless
            await labels.create_in(tx, ft, tt, item.name, item.label, item.inverseLabel)
            made_labels += 1

        ids: dict[str, list[int]] = {}
        total_objects = len(data.objects)
        done = 0
        report("objects", 0, total_objects)
        created_at = now_ms()
        for type_id, rows in by_type.items():
            got: list[int] = []
            for start in range(0, len(rows), CHUNK):
                # Seeded values are imported ones in the property history (SOURCE_IMPORT).
                made = await tx.create_objects(
                    type_id, rows[start : start + CHUNK], created_at, source=SOURCE_IMPORT
                )
                if tx.events is not None:
                    creation_events(tx.events, made, created_at)
                got.extend(o.object_id for o in made)
                done += len(made)
                report("objects", done, total_objects)
            ids[type_id] = got

        # 3. Associations: canonical direction, merged, then the write plan in bulk mode.
        own = await _all_labels(tx, pairs)
        groups = _edges(own, data, types, keys, ids)
        total = sum(len(g) for g in groups.values())
        report("associations", 0, total)
        await _write_edges(tx, groups, lambda done: report("associations", done, total))
    await store.analyze()  # statistics for the freshly loaded rows

    plural = {types(name).type_id: types(name).plural for name, _, _ in data.objects}
    id_map: dict[str, dict[str, str]] = {
        plural[type_id]: {key: str(ids[type_id][pos]) for key, pos in known.items()}
        for type_id, known in keys.items()
    }
    return SeedResult(portal_id, made_labels, total_objects, total, id_map)


async def _seed_owners(store: Store, portal_id: int, owners: Sequence[SeedOwner]) -> None:
    service = OwnerService(owner_store(store))
    for item in owners:
        found = await service.list_page(portal_id, email=item.email, limit=1)
        if not found.owners:
            await service.create(
                portal_id,
                NewOwner(item.email, item.firstName, item.lastName, tuple(item.teams)),
            )


async def _write_edges(
    tx: StoreTx,
    groups: dict[tuple[str, str], list[CreateInput]],
    progress: Callable[[int], None],
) -> None:
    """Chunks of pairs through ``WritePlan``: each input is checked as a
    ``batch/create`` input would be (records, types, limits on both sides, a new Primary
    moving away from the record's stored one); the first failure aborts the seed."""
    written = 0
    for (a, b), inputs in groups.items():
        from_type, to_type = resolve_object_type(a), resolve_object_type(b)
        for start in range(0, len(inputs), CHUNK):
            chunk = inputs[start : start + CHUNK]
            plan = await WritePlan.open(tx, from_type, to_type)
            for outcome in await plan.set_all(chunk, replace=True, bulk=True):
                if isinstance(outcome, AssocdbError):
                    raise outcome
            await plan.flush()
            written += len(chunk)
            progress(written)


async def _all_labels(tx: StoreTx, pairs: Iterable[tuple[str, str]]) -> list[LabelDef]:
    """The portal's labels on ``pairs``, both directions, as the transaction sees them."""
    directions = {d for a, b in pairs for d in ((a, b), (b, a))}
    return [d for a, b in sorted(directions) for d in await tx.labels_for_write(a, b)]


async def _label_names(
    store: Store, portal_id: int, labels: Sequence[SeedLabel], types: _Types
) -> set[tuple[str, str, str]]:
    """(from type id, to type id, name) of every label the seed may use, both directions."""
    names: set[tuple[str, str, str]] = set()
    for item in labels:
        ft, tt = types(item.fromObjectType), types(item.toObjectType)
        names |= {(ft.type_id, tt.type_id, item.name), (tt.type_id, ft.type_id, item.name)}
    for d in await store.list_all_labels(portal_id):
        names.add((d.from_type, d.to_type, d.name))
    return names


async def _validate_associations(
    store: Store,
    portal_id: int,
    data: SeedData,
    keys: dict[str, dict[str, int]],
    types: _Types,
    names: set[tuple[str, str, str]],
) -> None:
    """Types, keys and self-associations; ends that are no key of the seed must be ids of
    records that exist."""
    pairs: dict[tuple[str, str], tuple[ObjectType, ObjectType, dict[str, int], dict[str, int]]]
    pairs = {}
    checked: set[tuple[str, str, tuple[TypeRef, ...]]] = set()
    wanted: dict[str, set[int]] = {}
    for from_name, from_key, to_name, to_key, refs in data.associations:
        found = pairs.get((from_name, to_name))
        if found is None:
            ft, tt = types(from_name), types(to_name)
            if defined_pair(ft.type_id, tt.type_id) is None:
                raise _invalid(f"{ft.plural} and {tt.plural} cannot be associated")
            found = pairs[(from_name, to_name)] = (
                ft,
                tt,
                keys.get(ft.type_id, {}),
                keys.get(tt.type_id, {}),
            )
        ft, tt, from_keys, to_keys = found
        if from_key not in from_keys:
            _wanted(wanted, ft, from_key)
        if to_key not in to_keys:
            _wanted(wanted, tt, to_key)
        if refs and (ft.type_id, tt.type_id, refs) not in checked:
            _check_refs(ft, tt, refs, names)
            checked.add((ft.type_id, tt.type_id, refs))
        if from_key == to_key and ft.type_id == tt.type_id:
            raise _invalid(f"a {ft.name} cannot be associated with itself ({from_key})")
    for type_id, wanted_ids in wanted.items():
        ordered = sorted(wanted_ids)
        seen: set[int] = set()
        for start in range(0, len(ordered), 1000):
            chunk = ordered[start : start + 1000]
            seen |= {o.object_id for o in await store.get_objects(portal_id, type_id, chunk)}
        missing = wanted_ids - seen
        if missing:
            raise _invalid(f"no {type_id} record with id {min(missing)} in portal {portal_id}")


def _wanted(wanted: dict[str, set[int]], object_type: ObjectType, key: str) -> None:
    if not (key.isascii() and key.isdigit()):
        raise _invalid(f"unknown {object_type.name} key {key!r}")
    wanted.setdefault(object_type.type_id, set()).add(int(key))


def _check_refs(
    ft: ObjectType, tt: ObjectType, refs: tuple[TypeRef, ...], names: set[tuple[str, str, str]]
) -> None:
    pair = defined_pair(ft.type_id, tt.type_id)
    assert pair is not None
    for ref in refs:
        if isinstance(ref, str) and (ft.type_id, tt.type_id, ref.removeprefix("^")) not in names:
            raise _invalid(f"no label named {ref!r} between {ft.plural} and {tt.plural}")
        if isinstance(ref, int) and ref not in pair.types:
            raise _invalid(
                f"{ref} is not a HUBSPOT_DEFINED association type between {ft.plural} "
                f"and {tt.plural}"
            )


def _edges(
    own: Sequence[LabelDef],
    data: SeedData,
    types: _Types,
    keys: dict[str, dict[str, int]],
    ids: dict[str, list[int]],
) -> dict[tuple[str, str], list[CreateInput]]:
    """Every association once, from its smaller end, with the union of its types."""
    views: dict[tuple[str, str], PairTypesView] = {}

    def view(a: str, b: str) -> PairTypesView:
        found = views.get((a, b))
        if found is None:
            mine = [d for d in own if d.from_type == a and d.to_type == b]
            found = views[(a, b)] = PairTypesView(defined_pair(a, b), mine)
        return found

    def keys_of(a: str, b: str, refs: tuple[TypeRef, ...], flip: bool) -> frozenset[TypeKey]:
        v = view(a, b)
        assert v.default_key is not None
        resolved = {v.default_key}
        for ref in refs:
            resolved.add(_label_key(v.own.values(), ref) if isinstance(ref, str) else (0, ref))
        return frozenset(v.inverse(k) for k in resolved) if flip else frozenset(resolved)

    def resolver(type_id: str) -> Callable[[str], int]:
        positions, allocated = keys.get(type_id, {}), ids.get(type_id, [])

        def resolve(key: str) -> int:
            position = positions.get(key)
            return int(key) if position is None else allocated[position]

        return resolve

    contexts: dict[tuple[str, str], tuple[str, str, Callable[[str], int], Callable[[str], int]]]
    contexts = {}
    ref_cache: dict[tuple[str, str, tuple[TypeRef, ...], bool], frozenset[TypeKey]] = {}
    merged: dict[tuple[str, str], dict[tuple[int, int], frozenset[TypeKey]]] = {}
    for from_name, from_key, to_name, to_key, refs in data.associations:
        context = contexts.get((from_name, to_name))
        if context is None:
            ft, tt = types(from_name).type_id, types(to_name).type_id
            context = contexts[(from_name, to_name)] = (ft, tt, resolver(ft), resolver(tt))
        a, b, resolve_from, resolve_to = context
        f, t = resolve_from(from_key), resolve_to(to_key)
        flip = (a, f) > (b, t)  # store each pair once, from its smaller end
        if flip:
            a, b, f, t = b, a, t, f
        cache_key = (context[0], context[1], refs, flip)
        pair_keys = ref_cache.get(cache_key)
        if pair_keys is None:
            pair_keys = ref_cache[cache_key] = keys_of(context[0], context[1], refs, flip)
        group = merged.get((a, b))
        if group is None:
            group = merged[(a, b)] = {}
        before = group.get((f, t))
        group[(f, t)] = pair_keys if before is None else before | pair_keys

    groups: dict[tuple[str, str], list[CreateInput]] = {}
    for (a, b), pairs in merged.items():
        _check_primaries(view(a, b), pairs, types(a), types(b))
        sorted_keys: dict[frozenset[TypeKey], tuple[tuple[int, int], ...]] = {}
        inputs: list[CreateInput] = []
        for (f, t), pair_keys in sorted(pairs.items()):
            found = sorted_keys.get(pair_keys)
            if found is None:
                found = sorted_keys[pair_keys] = tuple(sorted(pair_keys))
            inputs.append(CreateInput(f, t, found))
        groups[(a, b)] = inputs
    return groups


def _label_key(own: Iterable[LabelDef], ref: str) -> TypeKey:
    inverse = ref.startswith("^")
    name = ref[1:] if inverse else ref
    matches = sorted((d for d in own if d.name == name), key=lambda d: d.type_id)
    if not matches:
        raise _invalid(f"no label named {name!r}")
    chosen = matches[-1] if inverse and len(matches) > 1 else matches[0]
    return (chosen.category, chosen.type_id)


def _check_primaries(
    view: PairTypesView,
    pairs: dict[tuple[int, int], frozenset[TypeKey]],
    from_type: ObjectType,
    to_type: ObjectType,
) -> None:
    """At most one Primary per record: a seed cannot move one.

    HubSpot: https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associate-records/guide
    """
    unique: dict[frozenset[TypeKey], list[tuple[int, TypeKey]]] = {}
    owners: set[tuple[int, int, TypeKey]] = set()
    for (f, t), keys in pairs.items():
        sides = unique.get(keys)
        if sides is None:
            sides = unique[keys] = [(0, k) for k in keys if view.one_per_from(k)] + [
                (1, k) for k in keys if view.one_per_to(k)
            ]
        for side, key in sides:
            record = f if side == 0 else t
            if (side, record, key) in owners:
                object_type = from_type if side == 0 else to_type
                raise _invalid(
                    f"{object_type.name} {record} has more than one primary association "
                    f"of type {key[1]}"
                )
            owners.add((side, record, key))


# -- export ---------------------------------------------------------------------------


async def export_portal(
    store: Store, portal_id: int, chunk: int = 10_000, progress: Progress | None = None
) -> SeedDocument:
    """The portal as a seed document: every record keyed by its id, every label and
    association (each pair once). Seeding it into an empty portal rebuilds the same graph
    under new ids."""
    if await store.get_portal(portal_id) is None:
        raise ValidationError(f"Portal {portal_id} does not exist.")
    labels = await store.list_all_labels(portal_id)
    by_pair: dict[tuple[str, str], list[LabelDef]] = {}
    for d in labels:
        by_pair.setdefault((d.from_type, d.to_type), []).append(d)
    doc_labels = []
    for d in labels:
        if d.type_id > d.inverse_type_id:
            continue  # the inverse side of a paired label: exported with its forward side
        inverse = next(
            (
                x
                for x in by_pair.get((d.to_type, d.from_type), [])
                if x.type_id == d.inverse_type_id
            ),
            None,
        )
        inverse_label = (
            inverse.label if inverse is not None and d.type_id != d.inverse_type_id else None
        )
        doc_labels.append(
            SeedLabel(_name(d.from_type), _name(d.to_type), d.name, d.label or "", inverse_label)
        )
    report = progress or (lambda stage, done, total: None)
    objects: dict[str, list[SeedObject]] = {}
    count = 0
    async for obj in _scan_objects(store, portal_id, chunk):
        objects.setdefault(_name(obj.object_type), []).append(
            SeedObject(str(obj.object_id), obj.properties)
        )
        count += 1
        if count % chunk == 0:
            report("objects", count, 0)
    report("objects", count, count)
    total = await store.count_edges(portal_id) // 2
    associations: list[SeedAssociation] = []
    async for a, f, b, t, refs in _export_edges(store, portal_id, by_pair, chunk):
        associations.append(SeedAssociation(_name(a), str(f), _name(b), str(t), refs))
        if len(associations) % chunk == 0:
            report("associations", len(associations), total)
    report("associations", len(associations), len(associations))
    return SeedDocument(doc_labels, objects, associations)


def _name(type_id: str) -> str:
    try:
        return resolve_object_type(type_id).plural
    except AssocdbError:
        return type_id


async def _scan_objects(store: Store, portal_id: int, chunk: int) -> Any:
    after: tuple[str, int] | None = None
    while rows := await store.scan_objects(portal_id, after, chunk):
        for row in rows:
            yield row
        after = (rows[-1].object_type, rows[-1].object_id)


async def _export_edges(
    store: Store, portal_id: int, labels: dict[tuple[str, str], list[LabelDef]], chunk: int
) -> Any:
    after: tuple[str, int, str, int] | None = None
    refs_cache: dict[tuple[str, str, TypeSet], list[int | str]] = {}
    while rows := await store.scan_edges(portal_id, after, chunk):
        for a, f, b, t, types in rows:
            if (a, f) > (b, t):
                continue  # the inverse row of a pair already exported from its other end
            refs = refs_cache.get((a, b, types))
            if refs is None:
                refs = refs_cache[(a, b, types)] = _refs(a, b, types, labels.get((a, b), []))
            yield a, f, b, t, refs
        last = rows[-1]
        after = (last[0], last[1], last[2], last[3])


def _refs(a: str, b: str, types: TypeSet, own: list[LabelDef]) -> list[int | str]:
    defined = defined_pair(a, b)
    default = defined.default_id if defined else None
    refs: list[int | str] = []
    for category, type_id in types:
        if category == Category.HUBSPOT_DEFINED:
            if type_id != default:
                refs.append(type_id)
            continue
        d = next((x for x in own if x.type_id == type_id), None)
        if d is None:
            continue
        same_name = [x for x in own if x.name == d.name]
        inverse_side = len(same_name) > 1 and d.type_id > d.inverse_type_id
        refs.append(("^" if inverse_side else "") + d.name)
    return refs


# -- writing exports --------------------------------------------------------------------


def _refs_text(refs: Sequence[int | str]) -> str:
    return " ".join(str(r) for r in refs)


def export_csv(doc: SeedDocument) -> dict[str, str]:
    """The three CSV files of an export: ``objects``, ``associations``, ``labels``."""
    props = sorted({k for objs in doc.objects.values() for o in objs for k in o.properties})
    files: dict[str, str] = {}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*_OBJECT_COLUMNS, *props])
    for type_name, objs in doc.objects.items():
        for o in objs:
            writer.writerow([type_name, o.key, *(o.properties.get(p, "") for p in props)])
    files["objects"] = out.getvalue()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(_ASSOCIATION_COLUMNS)
    writer.writerows(
        (a.fromObjectType, a.from_, a.toObjectType, a.to, _refs_text(a.types))
        for a in doc.associations
    )
    files["associations"] = out.getvalue()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(_LABEL_COLUMNS)
    for lab in doc.labels:
        writer.writerow(
            (lab.fromObjectType, lab.toObjectType, lab.name, lab.label, lab.inverseLabel or "")
        )
    files["labels"] = out.getvalue()
    return files


def write_export(doc: SeedDocument, path: Path) -> list[Path]:
    """``out.json``: one document. ``out.csv``: ``out.objects.csv``,
    ``out.associations.csv`` and ``out.labels.csv``. Returns the files written."""
    if path.suffix.lower() == ".json":
        path.write_bytes(msgspec.json.encode(doc))
        return [path]
    if path.suffix.lower() != ".csv":
        raise _invalid(f"{path}: expected a .json or .csv file name")
    written = []
    for kind, text in export_csv(doc).items():
        target = path.with_name(f"{path.stem}.{kind}.csv")
        target.write_text(text, encoding="utf-8")
        written.append(target)
    return written


def iter_lines(text: str) -> Iterator[str]:
    return iter(io.StringIO(text))
