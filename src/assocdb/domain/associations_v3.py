"""Legacy v3 associations: one named ``type`` per association instead of v4's label sets.

The v3 API (https://developers.hubspot.com/docs/api/crm/associations/v3) names each
association type with a string such as ``contact_to_company``; v4 names the same types by
(category, typeId). Both APIs share one store: v3 writes go through the v4
``AssociationService`` (inverse edges, Primary moves, limits), so what v3 writes, v4 reads,
and back. The names are the ones v3 object reads use (``association_type_name``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from assocdb.domain.associations import AssociationService, CreateInput, Page, ReadInput, SetResult
from assocdb.domain.models import LabelDef
from assocdb.domain.objects import association_type_name
from assocdb.domain.objecttypes import ObjectType
from assocdb.domain.registry import Category, TypeKey, defined_pair
from assocdb.domain.store import Store
from assocdb.errors import AssocdbError, ValidationError

__all__ = ["TypeDefinition", "V3Association", "V3Associations", "V3Page"]


@dataclass(frozen=True, slots=True)
class TypeDefinition:
    """One association type of a pair as v3 lists it (``GET .../types``)."""

    key: TypeKey
    name: str


@dataclass(frozen=True, slots=True)
class V3Association:
    """One (from, to, type name) triple: a v3 create/archive input or result."""

    from_id: int
    to_id: int
    type: str


@dataclass(frozen=True, slots=True)
class V3Page:
    """One record's associations as v3 reads them: one (to id, type name) per type."""

    from_id: int
    to: list[tuple[int, str]]
    next_after: str | None


class _Names:
    """Both directions of the name table of one (from, to) pair in one portal."""

    def __init__(self, from_type: ObjectType, to_type: ObjectType, own: Sequence[LabelDef]) -> None:
        self.from_type, self.to_type = from_type, to_type
        self.defined = defined_pair(from_type.type_id, to_type.type_id)
        self.own = {(d.category, d.type_id): d for d in own}

    def name(self, key: TypeKey) -> str:
        return association_type_name(self.from_type, self.to_type, key, self.defined, self.own)

    def definitions(self) -> list[TypeDefinition]:
        keys: list[TypeKey] = []
        if self.defined is not None:
            keys += [(Category.HUBSPOT_DEFINED, t) for t in sorted(self.defined.types)]
        keys += sorted(self.own)
        return [TypeDefinition(k, self.name(k)) for k in keys]

    def resolve(self, text: str) -> TypeKey | None:
        """The type a v3 ``type`` names: its name, or (accepted too) its numeric typeId."""
        wanted = text.strip().lower()
        for definition in self.definitions():
            if definition.name.lower() == wanted:
                return definition.key
        if wanted.isascii() and wanted.isdigit():
            type_id = int(wanted)
            if self.defined is not None and type_id in self.defined.types:
                return (Category.HUBSPOT_DEFINED, type_id)
            for category, own_id in self.own:
                if own_id == type_id:
                    return (category, own_id)
        return None

    def is_whole_pair(self, key: TypeKey) -> bool:
        """v3 predates labels: archiving the pair's default (unlabeled) type or its Primary
        removes the association itself; archiving any other label removes only that label
        [inferred: the v3 docs say "archive associations", not "remove labels"]."""
        category, type_id = key
        if category != Category.HUBSPOT_DEFINED or self.defined is None:
            return False
        found = self.defined.types.get(type_id)
        return type_id == self.defined.default_id or (found is not None and found.primary)


def invalid_type(names: _Names, text: str) -> ValidationError:
    valid = [d.name for d in names.definitions()]
    return ValidationError(
        f"Invalid association type '{text[:100]}' from {names.from_type.name} to"
        f" {names.to_type.name}. Valid types: {', '.join(valid) or 'none'}.",
        context={"type": [text[:100]]},
    )


class V3Associations:
    def __init__(self, store: Store, associations: AssociationService) -> None:
        self.store = store
        self.associations = associations

    async def _names(self, portal_id: int, from_type: ObjectType, to_type: ObjectType) -> _Names:
        own = await self.store.list_labels(portal_id, from_type.type_id, to_type.type_id)
        return _Names(from_type, to_type, own)

    async def types(
        self, portal_id: int, from_type: ObjectType, to_type: ObjectType
    ) -> list[TypeDefinition]:
        return (await self._names(portal_id, from_type, to_type)).definitions()

    async def batch_read(
        self,
        portal_id: int,
        from_type: ObjectType,
        to_type: ObjectType,
        inputs: Sequence[ReadInput],
    ) -> list[V3Page | AssocdbError]:
        """The v4 batch read, each type of each pair named as v3 names it."""
        pages = await self.associations.batch_read(portal_id, from_type, to_type, inputs)
        names = await self._names(portal_id, from_type, to_type)
        return [p if isinstance(p, AssocdbError) else _v3_page(p, names) for p in pages]

    async def create(
        self,
        portal_id: int,
        from_type: ObjectType,
        to_type: ObjectType,
        inputs: Sequence[V3Association],
    ) -> list[V3Association | AssocdbError]:
        """Add each named type to its pair (v4 keeps the unlabeled type alongside)."""
        names = await self._names(portal_id, from_type, to_type)
        keys = [names.resolve(i.type) for i in inputs]
        valid = [(i, k) for i, k in zip(inputs, keys, strict=True) if k is not None]
        outcomes = await self.associations.set_types(
            portal_id,
            from_type,
            to_type,
            [CreateInput(i.from_id, i.to_id, (k,)) for i, k in valid],
            replace=False,
        )
        done: dict[int, SetResult | AssocdbError] = {
            id(i): o for (i, _), o in zip(valid, outcomes, strict=True)
        }
        results: list[V3Association | AssocdbError] = []
        for item, key in zip(inputs, keys, strict=True):
            if key is None:
                results.append(invalid_type(names, item.type))
                continue
            outcome = done[id(item)]
            if isinstance(outcome, AssocdbError):
                results.append(outcome)
            else:
                results.append(V3Association(item.from_id, item.to_id, names.name(key)))
        return results

    async def archive(
        self,
        portal_id: int,
        from_type: ObjectType,
        to_type: ObjectType,
        inputs: Sequence[V3Association],
    ) -> None:
        """Remove each named association; an unknown type fails the whole request first."""
        names = await self._names(portal_id, from_type, to_type)
        whole: list[tuple[int, int]] = []
        labels: list[CreateInput] = []
        for item in inputs:
            key = names.resolve(item.type)
            if key is None:
                raise invalid_type(names, item.type)
            if names.is_whole_pair(key):
                whole.append((item.from_id, item.to_id))
            else:
                labels.append(CreateInput(item.from_id, item.to_id, (key,)))
        if labels:
            await self.associations.remove_types(portal_id, from_type, to_type, labels)
        if whole:
            await self.associations.archive_pairs(portal_id, from_type, to_type, whole)


def _v3_page(page: Page, names: _Names) -> V3Page:
    to = [(to_id, names.name(key)) for to_id, types in page.to for key in sorted(types)]
    return V3Page(page.from_id, to, page.next_after)
