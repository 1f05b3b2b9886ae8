"""Association semantics: reading pages, setting label sets, inverse edges, primary.

No HTTP and no SQL here. Per-input failures of a batch are returned as ``AssocdbError``
values (the HTTP layer turns a list holding any into a 207); whole-request problems are
raised.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from itertools import chain
from operator import itemgetter

from assocdb.domain.clock import now_ms
from assocdb.domain.models import LabelDef, TypeSet
from assocdb.domain.objecttypes import ObjectType
from assocdb.domain.paging import CursorCodec
from assocdb.domain.registry import Category, DefinedType, PairTypes, TypeKey, defined_pair
from assocdb.domain.store import AssociationStore, PageRows, StoreTx
from assocdb.domain.webhooks import association_changes
from assocdb.errors import AssocdbError, ObjectNotFound, ValidationError

__all__ = [
    "AssociationService",
    "AssociationType",
    "CreateInput",
    "Page",
    "PairTypesView",
    "ReadInput",
    "SetResult",
    "WritePlan",
]

MAX_LIST_LIMIT = 500
"""``GET .../associations/{toType}``: default and maximum page.

HubSpot: https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associate-records/guide
"""


@dataclass(frozen=True, slots=True)
class AssociationType:
    category: Category
    type_id: int
    label: str | None


Describe = Callable[[TypeSet], tuple[AssociationType, ...]]


@dataclass(slots=True)
class Page:
    """One page of a record's associations: ``to`` holds (to_id, type set) rows as stored,
    ``describe`` turns a type set into labelled types (memoised: sets repeat a lot).

    Rows are passed on unconverted so the wire layer builds each item in one pass."""

    from_id: int
    to: PageRows
    next_after: str | None
    describe: Describe


@dataclass(frozen=True, slots=True)
class ReadInput:
    from_id: int
    after: str | None = None


TypeRef = tuple[int | None, int]
"""A type as a client names it: (category or None when omitted, typeId)."""


@dataclass(frozen=True, slots=True)
class CreateInput:
    from_id: int
    to_id: int
    types: tuple[TypeRef, ...] = ()


@dataclass(frozen=True, slots=True)
class SetResult:
    from_id: int
    to_id: int
    types: tuple[AssociationType, ...]

    @property
    def labels(self) -> list[str]:
        return [t.label for t in self.types if t.label is not None]


class PairTypesView:
    """Every type valid from one object type to another in one portal: built-in and own."""

    def __init__(self, defined: PairTypes | None, own: Sequence[LabelDef]) -> None:
        self.defined = defined
        self.own = {(d.category, d.type_id): d for d in own}

    @property
    def default_key(self) -> TypeKey | None:
        if self.defined is None:
            # A custom object's pair: its unlabeled USER_DEFINED type (domain/schemas.py).
            return next((k for k, d in sorted(self.own.items()) if d.label is None), None)
        return (Category.HUBSPOT_DEFINED, self.defined.default_id)

    def label(self, key: TypeKey) -> str | None:
        category, type_id = key
        if category == Category.HUBSPOT_DEFINED:
            found = self.defined.types.get(type_id) if self.defined else None
            return found.label if found else None
        own = self.own.get(key)
        return own.label if own else None

    def is_valid(self, key: TypeKey) -> bool:
        category, type_id = key
        if category == Category.HUBSPOT_DEFINED:
            return self.defined is not None and type_id in self.defined.types
        return key in self.own

    def inverse(self, key: TypeKey) -> TypeKey:
        category, type_id = key
        if category == Category.HUBSPOT_DEFINED:
            assert self.defined is not None
            return (category, self.defined.types[type_id].inverse_id)
        return (category, self.own[key].inverse_type_id)

    def _defined(self, key: TypeKey) -> DefinedType | None:
        category, type_id = key
        if category != Category.HUBSPOT_DEFINED or self.defined is None:
            return None
        return self.defined.types.get(type_id)

    def one_per_from(self, key: TypeKey) -> bool:
        found = self._defined(key)
        return found is not None and found.one_per_from

    def one_per_to(self, key: TypeKey) -> bool:
        found = self._defined(key)
        return found is not None and found.one_per_to

    def describe(self, types: TypeSet) -> tuple[AssociationType, ...]:
        # Sorted by (category, typeId): Primary 1, unlabeled 279, then USER_DEFINED,
        # the order of HubSpot's documented example:
        # https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associate-records/guide
        return tuple(AssociationType(Category(c), t, self.label((c, t))) for c, t in sorted(types))


class AssociationService:
    def __init__(
        self, store: AssociationStore, cursors: CursorCodec, *, batch_page_size: int = 500
    ) -> None:
        self.store = store
        self.cursors = cursors
        self.batch_page_size = batch_page_size

    # -- reads ------------------------------------------------------------------------

    async def batch_read(
        self,
        portal_id: int,
        from_type: ObjectType,
        to_type: ObjectType,
        inputs: Sequence[ReadInput],
    ) -> list[Page | AssocdbError]:
        """One page per distinct input, in input order.

        HubSpot: https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associate-records/guide

        Identical inputs (same id and cursor) are answered once, at their first position:
        clients key results by ``from.id``, so a repeated result would only be noise.
        """
        unique = list(dict.fromkeys(inputs))
        requests = [
            (i.from_id, self._after_id(portal_id, from_type, i.from_id, to_type, i.after))
            for i in unique
        ]
        pages = await self.store.read_pages(
            portal_id, from_type.type_id, to_type.type_id, requests, self.batch_page_size + 1
        )
        describe = await self._describer(portal_id, from_type, to_type, pages)
        out: list[Page | AssocdbError] = []
        for (from_id, _), rows in zip(requests, pages, strict=True):
            if rows:
                out.append(
                    self._page(
                        portal_id, from_type, from_id, to_type, rows, self.batch_page_size, describe
                    )
                )
            else:
                out.append(no_associations(from_type, from_id, to_type))
        return out

    async def list_for_object(
        self,
        portal_id: int,
        from_type: ObjectType,
        from_id: int,
        to_type: ObjectType,
        *,
        limit: int = MAX_LIST_LIMIT,
        after: str | None = None,
    ) -> Page:
        """A record's associations to one type; none (or no such record) is an empty page."""
        limit = max(1, min(limit, MAX_LIST_LIMIT))
        after_id = self._after_id(portal_id, from_type, from_id, to_type, after)
        (rows,) = await self.store.read_pages(
            portal_id, from_type.type_id, to_type.type_id, [(from_id, after_id)], limit + 1
        )
        describe = await self._describer(portal_id, from_type, to_type, [rows])
        return self._page(portal_id, from_type, from_id, to_type, rows, limit, describe)

    def _scope(
        self, portal_id: int, from_type: ObjectType, from_id: int, to_type: ObjectType
    ) -> str:
        return f"{portal_id}|{from_type.type_id}|{from_id}|{to_type.type_id}"

    def _after_id(
        self,
        portal_id: int,
        from_type: ObjectType,
        from_id: int,
        to_type: ObjectType,
        after: str | None,
    ) -> int:
        if after is None or after == "":
            return -1
        scope = self._scope(portal_id, from_type, from_id, to_type)
        return self.cursors.decode(scope, after)

    def _page(
        self,
        portal_id: int,
        from_type: ObjectType,
        from_id: int,
        to_type: ObjectType,
        rows: PageRows,
        limit: int,
        describe: _Describer,
    ) -> Page:
        next_after = None
        if len(rows) > limit:
            rows = rows[:limit]
            scope = self._scope(portal_id, from_type, from_id, to_type)
            next_after = self.cursors.encode(scope, to_type.type_id, rows[-1][0])
        return Page(from_id, rows, next_after, describe)

    async def _describer(
        self, portal_id: int, from_type: ObjectType, to_type: ObjectType, pages: Sequence[PageRows]
    ) -> _Describer:
        """Labels for the type sets in ``pages``; the portal's own labels are read only if used."""
        defined = defined_pair(from_type.type_id, to_type.type_id)
        # Check each distinct type set once, not every row; the set is built by C-level
        # iteration (a Python loop over 42,000 rows cost ~6 ms on a 1,000-id batch).
        distinct = set(map(itemgetter(1), chain.from_iterable(pages)))
        own_used = any(c != Category.HUBSPOT_DEFINED for ts in distinct for c, _t in ts)
        own = (
            await self.store.list_labels(portal_id, from_type.type_id, to_type.type_id)
            if own_used
            else []
        )
        return _Describer(PairTypesView(defined, own))

    # -- writes ---------------------------------------------------------------------

    async def set_types(
        self,
        portal_id: int,
        from_type: ObjectType,
        to_type: ObjectType,
        inputs: Sequence[CreateInput],
        *,
        replace: bool = True,
    ) -> list[SetResult | AssocdbError]:
        """Create or relabel pairs: with ``replace`` the given types become the pair's label
        set, else they are added to it. The unlabeled type is always kept, the inverse edge
        is written in the same transaction, a new Primary moves away from the record's
        previous primary, and the portal's ``maxToObjectIds`` limits hold on both sides.

        HubSpot: https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associate-records/guide
        and https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associations-schema/limits/create-associations-limits
        """
        async with self._plan(portal_id, from_type, to_type) as plan:
            return await plan.set_all(inputs, replace=replace)

    async def remove_types(
        self,
        portal_id: int,
        from_type: ObjectType,
        to_type: ObjectType,
        inputs: Sequence[CreateInput],
    ) -> None:
        """Remove labels from pairs; removing the unlabeled type removes the whole pair
        (HubSpot's guide, below). An invalid type fails the whole request before anything
        changes.

        HubSpot: https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associate-records/guide
        """
        async with self._plan(portal_id, from_type, to_type) as plan:
            removals: list[tuple[tuple[int, int], tuple[TypeKey, ...]]] = []
            for item in inputs:
                keys = plan.resolve_all(item, from_type, to_type)
                if isinstance(keys, AssocdbError):
                    raise keys
                removals.append(((item.from_id, item.to_id), keys))
            await plan.lock([pair for pair, _ in removals])
            await plan.load_pairs([pair for pair, _ in removals])
            for pair, keys in removals:
                plan.remove(pair, keys)

    async def archive_pairs(
        self,
        portal_id: int,
        from_type: ObjectType,
        to_type: ObjectType,
        pairs: Sequence[tuple[int, int]],
    ) -> None:
        """Remove every type between each pair, both directions.

        HubSpot: https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associate-records/guide
        https://developers.hubspot.com/docs/api-reference/2026-03/crm/associations/associate-records/batch/create-associations-labeled
        """
        async with self._plan(portal_id, from_type, to_type) as plan:
            await plan.lock(pairs)
            await plan.load_pairs(pairs)
            for pair in pairs:
                plan.delete(pair)

    @asynccontextmanager
    async def _plan(
        self, portal_id: int, from_type: ObjectType, to_type: ObjectType
    ) -> AsyncIterator[WritePlan]:
        async with self.store.transaction(portal_id) as tx:
            await tx.lock_pairs([(from_type.type_id, to_type.type_id)], exclusive=False)
            plan = await WritePlan.open(tx, from_type, to_type)
            yield plan
            await plan.flush()


class _Describer:
    """Turns a stored type set into labelled types, once per distinct set."""

    def __init__(self, view: PairTypesView) -> None:
        self._view = view
        self._memo: dict[TypeSet, tuple[AssociationType, ...]] = {}

    def __call__(self, types: TypeSet) -> tuple[AssociationType, ...]:
        found = self._memo.get(types)
        if found is None:
            found = self._memo[types] = self._view.describe(types)
        return found


class WritePlan:
    """The pairs a write touches, changed in memory and written once at the end.

    It runs inside a unit of work (``StoreTx``) whose caller holds the pair's lock
    (``lock_pairs``, shared): the labels and limits it checks against are read here, in
    that transaction, so neither can change before the plan is flushed.

    ``state`` maps (from_id, to_id) to the forward type set; an empty set means the pair
    is to be removed. With limits set, ``counts`` tracks how many pairs each record has
    per type on both sides, so a limit check is a dictionary lookup.
    """

    def __init__(
        self,
        tx: StoreTx,
        view: PairTypesView,
        reverse_view: PairTypesView,
        from_type: ObjectType,
        to_type: ObjectType,
        limits: dict[TypeKey, int],
        inverse_limits: dict[TypeKey, int],
    ) -> None:
        self.tx = tx
        self.view = view
        self.reverse_view = reverse_view
        self.from_type = from_type
        self.to_type = to_type
        self.limits = limits
        self.inverse_limits = inverse_limits
        self.state: dict[tuple[int, int], TypeSet] = {}
        # The pairs in ``state`` of each record, by side (0: from, 1: to): moving a Primary
        # looks only at the record's own pairs, never at the whole batch.
        self.pairs_of: dict[tuple[int, int], set[tuple[int, int]]] = {}
        # Insertion-ordered (a dict): imports arrive in key order and are written so.
        self.dirty: dict[tuple[int, int], None] = {}
        self.default = view.default_key
        # Each pair's stored types before this write, for webhook events (absent: none).
        self.before: dict[tuple[int, int], TypeSet] = {}
        self.from_ok: set[int] = set()
        self.to_ok: set[int] = set()
        self.counts: dict[tuple[str, int, TypeKey], int] = {}
        # Memos per distinct type list/set (few distinct ones, many pairs).
        self._resolved: dict[tuple[TypeRef, ...], tuple[TypeKey, ...] | AssocdbError] = {}
        self._with_default: dict[tuple[TypeKey, ...], TypeSet] = {}
        self._unique: dict[TypeSet, tuple[TypeKey, ...]] = {}
        self._inverses: dict[TypeSet, TypeSet] = {}

    @classmethod
    async def open(cls, tx: StoreTx, from_type: ObjectType, to_type: ObjectType) -> WritePlan:
        """A plan for one pair of object types, with its labels and limits as ``tx`` sees
        them (the caller holds the pair's lock)."""
        forward, backward = from_type.type_id, to_type.type_id
        view = PairTypesView(
            defined_pair(forward, backward), await tx.labels_for_write(forward, backward)
        )
        reverse_view = PairTypesView(
            defined_pair(backward, forward), await tx.labels_for_write(backward, forward)
        )
        limits = await tx.list_limits(forward, backward)
        inverse_limits = await tx.list_limits(backward, forward)
        return cls(
            tx,
            view,
            reverse_view,
            from_type,
            to_type,
            {(d.category, d.type_id): d.max_to_object_ids for d in limits},
            {(d.category, d.type_id): d.max_to_object_ids for d in inverse_limits},
        )

    async def set_all(
        self, inputs: Sequence[CreateInput], *, replace: bool, bulk: bool = False
    ) -> list[SetResult | AssocdbError]:
        """Lock, load and apply ``inputs`` in order; one outcome per input. Nothing is
        written until ``flush``. ``bulk`` (imports): load every from-record's edges in one
        pass instead of probing each pair; the checks are the same."""
        await self.lock([(i.from_id, i.to_id) for i in inputs])
        await self.load_for_set(inputs, bulk=bulk)
        describe = _Describer(self.view)
        results: list[SetResult | AssocdbError] = []
        for item in inputs:
            outcome = self.set(item, replace=replace)
            if isinstance(outcome, AssocdbError):
                results.append(outcome)
            else:
                results.append(SetResult(item.from_id, item.to_id, describe(outcome)))
        return results

    @property
    def same_type(self) -> bool:
        return self.from_type.type_id == self.to_type.type_id

    # -- loading -------------------------------------------------------------------

    async def lock(self, pairs: Sequence[tuple[int, int]]) -> None:
        """Both records of every pair: their edges, primaries and counts are about to be
        read and rewritten, and no concurrent writer may interleave.

        Associations are bidirectional: https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associate-records/guide
        """
        records = [(self.from_type.type_id, f) for f, _ in pairs]
        records += [(self.to_type.type_id, t) for _, t in pairs]
        await self.tx.lock_records(records)

    async def load_pairs(self, pairs: Sequence[tuple[int, int]]) -> None:
        found = await self.tx.get_pairs(self.from_type.type_id, self.to_type.type_id, pairs)
        for pair, types in found.items():
            self._known(pair, types)

    async def load_for_set(self, inputs: Sequence[CreateInput], *, bulk: bool = False) -> None:
        from_type, to_type = self.from_type.type_id, self.to_type.type_id
        self.from_ok = await self.tx.existing_object_ids(from_type, [i.from_id for i in inputs])
        self.to_ok = await self.tx.existing_object_ids(to_type, [i.to_id for i in inputs])
        if not bulk:
            await self.load_pairs([(i.from_id, i.to_id) for i in inputs])
        # Every pair of a record that may lose its Primary or hit a limit must be known.
        keys = [self._keys(i) for i in inputs]
        whole_from = {
            i.from_id
            for i, ks in zip(inputs, keys, strict=True)
            if bulk or self.limits or any(self.view.one_per_from(k) for k in ks)
        }
        whole_to = {
            i.to_id
            for i, ks in zip(inputs, keys, strict=True)
            if self.inverse_limits or any(self.view.one_per_to(k) for k in ks)
        }
        if whole_from:
            for from_id, to_id, types in await self.tx.edges_from(
                from_type, to_type, sorted(whole_from)
            ):
                self._known((from_id, to_id), types)
        if whole_to:
            for to_id, from_id, types in await self.tx.edges_from(
                to_type, from_type, sorted(whole_to)
            ):
                # Rows read from the other side carry that side's type ids.
                back = tuple(sorted(self.reverse_view.inverse(k) for k in types))
                self._known((from_id, to_id), back)
        if self.limits or self.inverse_limits:
            for pair, types in self.state.items():
                self._count(pair, types, +1)

    # -- validation ----------------------------------------------------------------

    def _keys(self, item: CreateInput) -> tuple[TypeKey, ...]:
        """The valid types of an input (an invalid one fails the input later anyway)."""
        found = self.resolve_all(item, self.from_type, self.to_type)
        return () if isinstance(found, AssocdbError) else found

    def resolve(self, ref: TypeRef) -> TypeKey | None:
        """A type given by the client; a missing category (2026-03 style) is inferred."""
        category, type_id = ref
        if category is not None:
            key = (category, type_id)
            return key if self.view.is_valid(key) else None
        for candidate in (
            Category.HUBSPOT_DEFINED,
            Category.USER_DEFINED,
            Category.INTEGRATOR_DEFINED,
        ):
            if self.view.is_valid((candidate, type_id)):
                return (candidate, type_id)
        return None

    def resolve_all(
        self, item: CreateInput, from_type: ObjectType, to_type: ObjectType
    ) -> tuple[TypeKey, ...] | AssocdbError:
        # Memoised per list of types: batches and imports repeat a few lists many times.
        found = self._resolved.get(item.types)
        if found is None:
            found = self._resolved[item.types] = self._resolve_all(item, from_type, to_type)
        return found

    def _resolve_all(
        self, item: CreateInput, from_type: ObjectType, to_type: ObjectType
    ) -> tuple[TypeKey, ...] | AssocdbError:
        keys = []
        for ref in item.types:
            key = self.resolve(ref)
            if key is None:
                return invalid_type(ref, from_type, to_type)
            keys.append(key)
        return tuple(keys)

    def _check(self, item: CreateInput) -> tuple[TypeKey, ...] | AssocdbError:
        from_type, to_type = self.from_type, self.to_type
        if item.from_id not in self.from_ok:
            return object_not_found(from_type, item.from_id, "FROM_OBJECT_NOT_FOUND")
        if item.to_id not in self.to_ok:
            return object_not_found(to_type, item.to_id, "TO_OBJECT_NOT_FOUND")
        if self.same_type and item.from_id == item.to_id:
            return ValidationError(
                f"A {from_type.name} cannot be associated with itself ({item.from_id}).",
                sub_category="crm.associations.INVALID_ASSOCIATION",
            )
        if self.default is None:
            return invalid_type(None, from_type, to_type)
        return self.resolve_all(item, from_type, to_type)

    def _over_limit(self, pair: tuple[int, int], types: TypeSet) -> AssocdbError | None:
        if not self.limits and not self.inverse_limits:
            return None
        added = set(types) - set(self.state.get(pair, ()))
        for key in sorted(added):
            cap = self.limits.get(key)
            if cap is not None and self.counts.get(("from", pair[0], key), 0) >= cap:
                return limit_exceeded(self.from_type, pair[0], self.to_type, key, cap)
            inverse = self.view.inverse(key)
            cap = self.inverse_limits.get(inverse)
            if cap is not None and self.counts.get(("to", pair[1], inverse), 0) >= cap:
                return limit_exceeded(self.to_type, pair[1], self.from_type, inverse, cap)
        return None

    # -- changes -------------------------------------------------------------------

    def set(self, item: CreateInput, *, replace: bool) -> TypeSet | AssocdbError:
        keys = self._check(item)
        if isinstance(keys, AssocdbError):
            return keys
        pair = (item.from_id, item.to_id)
        default = self.default
        assert default is not None
        if replace:
            types = self._with_default.get(keys)
            if types is None:
                types = self._with_default[keys] = tuple(sorted({default, *keys}))
        else:
            types = tuple(sorted({default, *self.state.get(pair, ()), *keys}))
        error = self._over_limit(pair, types)
        if error is not None:
            return error
        for key in self._primaries(types):
            self._take_primary(pair, key)
        self._set(pair, types)
        return types

    def _primaries(self, types: TypeSet) -> tuple[TypeKey, ...]:
        """The types of a set that are unique per record (Primary), memoised per set."""
        found = self._unique.get(types)
        if found is None:
            view = self.view
            found = self._unique[types] = tuple(
                k for k in types if view.one_per_from(k) or view.one_per_to(k)
            )
        return found

    def remove(self, pair: tuple[int, int], keys: tuple[TypeKey, ...]) -> None:
        current = self.state.get(pair, ())
        if not current:
            return
        if self.view.default_key in keys:
            self._set(pair, ())  # removing the unlabeled type removes the pair (1.4)
        else:
            self._set(pair, tuple(k for k in current if k not in keys))

    def delete(self, pair: tuple[int, int]) -> None:
        if self.state.get(pair):
            self._set(pair, ())

    def _known(self, pair: tuple[int, int], types: TypeSet) -> None:
        """Record a pair's stored state, unless this write already holds a newer one."""
        if pair not in self.state:
            self.state[pair] = types
            self.before[pair] = types
            self._index(pair)

    def _index(self, pair: tuple[int, int]) -> None:
        self.pairs_of.setdefault((0, pair[0]), set()).add(pair)
        self.pairs_of.setdefault((1, pair[1]), set()).add(pair)

    def _take_primary(self, pair: tuple[int, int], key: TypeKey) -> None:
        """A Primary moves: the record it is unique for loses it on every other pair."""
        side = 0 if self.view.one_per_from(key) else 1
        for other in list(self.pairs_of.get((side, pair[side]), ())):
            types = self.state[other]
            if other != pair and key in types:
                self._set(other, tuple(k for k in types if k != key))

    def _set(self, pair: tuple[int, int], types: TypeSet) -> None:
        if self.counts or self.limits or self.inverse_limits:
            self._count(pair, self.state.get(pair, ()), -1)
            self._count(pair, types, +1)
        self.state[pair] = types
        self._index(pair)
        self.dirty[pair] = None
        if self.same_type:
            # Same-type pairs: the inverse edge lives in this same state map.
            inverse = (pair[1], pair[0])
            self.state[inverse] = self._inverse(types)
            self._index(inverse)
            self.dirty.pop(inverse, None)

    def _count(self, pair: tuple[int, int], types: TypeSet, delta: int) -> None:
        for key in types:
            forward = ("from", pair[0], key)
            self.counts[forward] = self.counts.get(forward, 0) + delta
            backward = ("to", pair[1], self.view.inverse(key))
            self.counts[backward] = self.counts.get(backward, 0) + delta

    def _inverse(self, types: TypeSet) -> TypeSet:
        found = self._inverses.get(types)
        if found is None:
            found = self._inverses[types] = tuple(sorted(self.view.inverse(k) for k in types))
        return found

    async def flush(self) -> None:
        edges = [
            (f, t, self.state[(f, t)], self._inverse(self.state[(f, t)])) for f, t in self.dirty
        ]
        if edges:
            await self.tx.put_pairs(self.from_type.type_id, self.to_type.type_id, edges)
        if edges and self.tx.events is not None:
            association_changes(
                self.tx.events,
                self.from_type.type_id,
                self.to_type.type_id,
                self._changes(),
                now_ms(),
            )

    def _changes(self) -> list[tuple[int, int, bool, bool]]:
        """(from_id, to_id, removed, primary) of each pair that appeared, disappeared or
        gained or lost its Primary type; other label changes send no event."""
        out: list[tuple[int, int, bool, bool]] = []
        for pair in sorted(self.dirty):
            before, after = self.before.get(pair, ()), self.state[pair]
            was = any(self._primary(k) for k in before)
            now = any(self._primary(k) for k in after)
            if after and not before:
                out.append((*pair, False, now))
            elif before and not after:
                out.append((*pair, True, was))
            elif now != was:
                out.append((*pair, was, True))
        return out

    def _primary(self, key: TypeKey) -> bool:
        return self.view.one_per_from(key) or self.view.one_per_to(key)


def no_associations(from_type: ObjectType, from_id: int, to_type: ObjectType) -> ObjectNotFound:
    """HubSpot's per-input batch-read error for an id with nothing to return (observed in
    HubSpot's responses).

    HubSpot: https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associate-records/guide
    """
    return ObjectNotFound(
        f"No {to_type.name} is associated with {from_type.name} {from_id}.",
        sub_category="crm.associations.NO_ASSOCIATIONS_FOUND",
        context={
            "fromObjectId": [str(from_id)],
            "fromObjectType": [from_type.name],
            "toObjectType": [to_type.name],
        },
    )


def object_not_found(object_type: ObjectType, object_id: int, which: str) -> ObjectNotFound:
    """Batch-create error for a missing record (observed in HubSpot's responses, v3 body).

    HubSpot: https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associate-records/guide
    """
    return ObjectNotFound(
        f"No {object_type.name} with ID {object_id} exists",
        sub_category=f"crm.associations.{which}",
        context={"objectType": [object_type.name], "id": [str(object_id)]},
    )


def invalid_type(
    key: TypeRef | None, from_type: ObjectType, to_type: ObjectType
) -> ValidationError:
    """``{categoryOrdinal}-{typeId} is not a valid association type ...`` (observed in
    HubSpot's responses).

    A type sent without its category shows as ``-1-{typeId}``.

    HubSpot: https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associate-records/guide
    https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associations-schema/limits/create-associations-limits
    """
    shown = "default" if key is None else f"{-1 if key[0] is None else key[0]}-{key[1]}"
    return ValidationError(
        f"{shown} is not a valid association type between {from_type.plural} and {to_type.plural}",
        sub_category="crm.associations.INVALID_ASSOCIATION_TYPE",
        context={
            "type": [shown],
            "fromObjectType": [from_type.plural],
            "toObjectType": [to_type.plural],
        },
    )


def limit_exceeded(
    from_type: ObjectType, from_id: int, to_type: ObjectType, key: TypeKey, cap: int
) -> ValidationError:
    """A write that would pass a portal's ``maxToObjectIds`` ([inferred]: undocumented).

    HubSpot: https://developers.hubspot.com/changelog/introducing-custom-association-limits-for-associations-api
    """
    return ValidationError(
        f"{from_type.name.capitalize()} {from_id} already has the maximum of {cap} "
        f"{to_type.name} associations of type {key[0]}-{key[1]}.",
        sub_category="crm.associations.ASSOCIATION_LIMIT_EXCEEDED",
        context={
            "fromObjectId": [str(from_id)],
            "fromObjectType": [from_type.name],
            "toObjectType": [to_type.name],
            "type": [f"{key[0]}-{key[1]}"],
            "maxToObjectIds": [str(cap)],
        },
    )
