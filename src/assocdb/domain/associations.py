"""Association semantics: reading pages, setting label sets, inverse edges, primary.

No HTTP and no SQL here. Per-input failures of a batch are returned as ``AssocdbError``
values (the HTTP layer turns a list holding any into a 207); whole-request problems are
raised.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from assocdb.domain.models import LabelDef, TypeSet
from assocdb.domain.objecttypes import ObjectType
from assocdb.domain.paging import CursorCodec
from assocdb.domain.registry import Category, PairTypes, TypeKey, defined_pair
from assocdb.domain.store import PageRows, Store, StoreTx
from assocdb.errors import AssocdbError, ObjectNotFound, ValidationError

__all__ = [
    "AssociationService",
    "AssociationType",
    "CreateInput",
    "Page",
    "PairTypesView",
    "ReadInput",
    "SetResult",
]

MAX_LIST_LIMIT = 500
"""``GET .../associations/{toType}``: default and maximum page (reference 1.6)."""


@dataclass(frozen=True, slots=True)
class AssociationType:
    category: Category
    type_id: int
    label: str | None


TypedEdge = tuple[int, tuple[AssociationType, ...]]


@dataclass(slots=True)
class Page:
    from_id: int
    to: list[TypedEdge]
    next_after: str | None


@dataclass(frozen=True, slots=True)
class ReadInput:
    from_id: int
    after: str | None = None


@dataclass(frozen=True, slots=True)
class CreateInput:
    from_id: int
    to_id: int
    types: tuple[TypeKey, ...]


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
            return None
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

    def is_primary(self, key: TypeKey) -> bool:
        category, type_id = key
        if category != Category.HUBSPOT_DEFINED or self.defined is None:
            return False
        found = self.defined.types.get(type_id)
        return found is not None and found.primary

    def describe(self, types: TypeSet) -> tuple[AssociationType, ...]:
        # Sorted by (category, typeId): Primary 1, unlabeled 279, then USER_DEFINED,
        # the order of HubSpot's documented example (reference 1.1).
        return tuple(AssociationType(Category(c), t, self.label((c, t))) for c, t in sorted(types))


class AssociationService:
    def __init__(self, store: Store, cursors: CursorCodec, *, batch_page_size: int = 500) -> None:
        self.store = store
        self.cursors = cursors
        self.batch_page_size = batch_page_size

    async def pair_types(
        self, portal_id: int, from_type: ObjectType, to_type: ObjectType
    ) -> PairTypesView:
        own = await self.store.list_labels(portal_id, from_type.type_id, to_type.type_id)
        return PairTypesView(defined_pair(from_type.type_id, to_type.type_id), own)

    # -- reads ------------------------------------------------------------------------

    async def batch_read(
        self,
        portal_id: int,
        from_type: ObjectType,
        to_type: ObjectType,
        inputs: Sequence[ReadInput],
    ) -> list[Page | AssocdbError]:
        """One page per distinct input, in input order (reference 1.1).

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
        return Page(from_id, [(to_id, describe(types)) for to_id, types in rows], next_after)

    async def _describer(
        self, portal_id: int, from_type: ObjectType, to_type: ObjectType, pages: Sequence[PageRows]
    ) -> _Describer:
        """Labels for the type sets in ``pages``; the portal's own labels are read only if used."""
        defined = defined_pair(from_type.type_id, to_type.type_id)
        own_used = any(
            c != Category.HUBSPOT_DEFINED for rows in pages for _, ts in rows for c, _t in ts
        )
        own = (
            await self.store.list_labels(portal_id, from_type.type_id, to_type.type_id)
            if own_used
            else []
        )
        return _Describer(PairTypesView(defined, own))

    # -- writes -----------------------------------------------------------------------

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
        set (reference 1.2), else they are added to it. The unlabeled type is always kept,
        the inverse edge is written in the same transaction, and a new Primary moves away
        from the record's previous primary (reference 9.4)."""
        view = await self.pair_types(portal_id, from_type, to_type)
        async with self.store.transaction(portal_id) as tx:
            plan = _WritePlan(tx, view, from_type.type_id, to_type.type_id)
            await plan.load(inputs)
            results: list[SetResult | AssocdbError] = []
            for item in inputs:
                error = plan.check(item, from_type, to_type)
                if error is not None:
                    results.append(error)
                    continue
                types = plan.apply(item, replace=replace)
                results.append(SetResult(item.from_id, item.to_id, view.describe(types)))
            await plan.flush()
        return results


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


class _WritePlan:
    """The pairs a write batch touches, changed in memory and written once at the end."""

    def __init__(self, tx: StoreTx, view: PairTypesView, from_type: str, to_type: str) -> None:
        self.tx = tx
        self.view = view
        self.from_type = from_type
        self.to_type = to_type
        self.state: dict[tuple[int, int], TypeSet] = {}
        self.dirty: set[tuple[int, int]] = set()
        self.from_ok: set[int] = set()
        self.to_ok: set[int] = set()

    async def load(self, inputs: Sequence[CreateInput]) -> None:
        self.from_ok = await self.tx.existing_object_ids(
            self.from_type, [i.from_id for i in inputs]
        )
        self.to_ok = await self.tx.existing_object_ids(self.to_type, [i.to_id for i in inputs])
        pairs = [(i.from_id, i.to_id) for i in inputs]
        self.state.update(await self.tx.get_pairs(self.from_type, self.to_type, pairs))
        primaries = {k for i in inputs for k in i.types if self.view.is_primary(k)}
        for key in sorted(primaries):
            from_ids = [i.from_id for i in inputs if key in i.types]
            for from_id, to_id, types in await self.tx.edges_with_type(
                self.from_type, self.to_type, from_ids, key
            ):
                self.state.setdefault((from_id, to_id), types)

    def check(
        self, item: CreateInput, from_type: ObjectType, to_type: ObjectType
    ) -> AssocdbError | None:
        if item.from_id not in self.from_ok:
            return object_not_found(from_type, item.from_id, "FROM_OBJECT_NOT_FOUND")
        if item.to_id not in self.to_ok:
            return object_not_found(to_type, item.to_id, "TO_OBJECT_NOT_FOUND")
        if from_type.type_id == to_type.type_id and item.from_id == item.to_id:
            return ValidationError(
                f"A {from_type.name} cannot be associated with itself ({item.from_id}).",
                sub_category="crm.associations.INVALID_ASSOCIATION",
            )
        default = self.view.default_key
        if default is None:
            return invalid_type(None, from_type, to_type)
        for key in item.types:
            if not self.view.is_valid(key):
                return invalid_type(key, from_type, to_type)
        return None

    def apply(self, item: CreateInput, *, replace: bool) -> TypeSet:
        pair = (item.from_id, item.to_id)
        default = self.view.default_key
        assert default is not None
        base: set[TypeKey] = {default} if replace else {default, *self.state.get(pair, ())}
        types = tuple(sorted(base | set(item.types)))
        for key in types:
            if self.view.is_primary(key):
                self._take_primary(item.from_id, item.to_id, key)
        self._set(pair, types)
        return types

    def _take_primary(self, from_id: int, to_id: int, key: TypeKey) -> None:
        for (f, t), types in list(self.state.items()):
            if f == from_id and t != to_id and key in types:
                self._set((f, t), tuple(k for k in types if k != key))

    def _set(self, pair: tuple[int, int], types: TypeSet) -> None:
        self.state[pair] = types
        self.dirty.add(pair)
        if self.from_type == self.to_type:
            # Same-type pairs: the inverse edge lives in this same state map.
            inverse = (pair[1], pair[0])
            self.state[inverse] = self._inverse(types)
            self.dirty.discard(inverse)

    def _inverse(self, types: TypeSet) -> TypeSet:
        return tuple(sorted(self.view.inverse(k) for k in types))

    async def flush(self) -> None:
        edges = [
            (f, t, self.state[(f, t)], self._inverse(self.state[(f, t)]))
            for f, t in sorted(self.dirty)
        ]
        await self.tx.put_pairs(self.from_type, self.to_type, edges)


def no_associations(from_type: ObjectType, from_id: int, to_type: ObjectType) -> ObjectNotFound:
    """HubSpot's per-input batch-read error for an id with nothing to return (reference 1.1)."""
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
    """Batch-create error for a missing record (reference 1.2, captured v3 body)."""
    return ObjectNotFound(
        f"No {object_type.name} with ID {object_id} exists",
        sub_category=f"crm.associations.{which}",
        context={"objectType": [object_type.name], "id": [str(object_id)]},
    )


def invalid_type(
    key: TypeKey | None, from_type: ObjectType, to_type: ObjectType
) -> ValidationError:
    """Reference 1.2/2: ``{categoryOrdinal}-{typeId} is not a valid association type ...``."""
    shown = f"{key[0]}-{key[1]}" if key else "default"
    return ValidationError(
        f"{shown} is not a valid association type between {from_type.plural} and {to_type.plural}",
        sub_category="crm.associations.INVALID_ASSOCIATION_TYPE",
        context={
            "type": [shown],
            "fromObjectType": [from_type.plural],
            "toObjectType": [to_type.plural],
        },
    )
