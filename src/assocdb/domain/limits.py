"""Association limits, HubSpot's "definition configurations".

HubSpot: https://developers.hubspot.com/docs/api-reference/crm-associations-schema-v4/guide
https://developers.hubspot.com/changelog/introducing-custom-association-limits-for-associations-api

A limit caps how many ``to_type`` records one ``from_type`` record may have with one
association type (``maxToObjectIds``). The limit on the pair's unlabeled type is the
"object limit" (it counts every association of the pair); limits on any other type are
"label limits". This module only keeps the limits; enforcing them on writes is
``AssociationService``'s job.

Batches never raise for one bad input: each input yields its limit or an error, and the
inputs are applied in order, so a later input is checked against the earlier ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from assocdb.domain.associations import PairTypesView
from assocdb.domain.models import LimitDef
from assocdb.domain.objecttypes import ObjectType
from assocdb.domain.registry import Category, TypeKey, defined_pair
from assocdb.domain.store import LabelStore, StoreTx
from assocdb.errors import AssocdbError, ObjectNotFound, ValidationError

__all__ = [
    "MAX_TO_OBJECT_IDS",
    "LimitInput",
    "LimitService",
    "LimitView",
    "invalid_config_type",
]

MAX_TO_OBJECT_IDS = 10_000
"""The highest custom limit: "You can configure any number up to 10,000" (HubSpot KB,
"Set limits for record associations"); custom limits may only be lower than the
subscription's (https://developers.hubspot.com/changelog/introducing-custom-association-limits-for-associations-api)."""


@dataclass(frozen=True, slots=True)
class LimitInput:
    category: Category
    type_id: int
    max_to_object_ids: int


@dataclass(frozen=True, slots=True)
class LimitView:
    """A limit as HubSpot shows it: with the type's label (None for the unlabeled type)."""

    category: Category
    type_id: int
    label: str | None
    max_to_object_ids: int


class LimitService:
    def __init__(self, store: LabelStore) -> None:
        self.store = store

    # -- reads ------------------------------------------------------------------------

    async def list_pair(
        self, portal_id: int, from_type: ObjectType, to_type: ObjectType
    ) -> list[LimitView]:
        """The limits set from ``from_type`` to ``to_type``, by (category, typeId)."""
        limits = await self.store.list_limits(portal_id, from_type.type_id, to_type.type_id)
        view = await self._view(portal_id, from_type.type_id, to_type.type_id)
        return [_shown(view, d) for d in limits]

    async def list_all(self, portal_id: int) -> list[LimitView]:
        """Every limit of the portal, by (from type, to type, category, typeId)."""
        out: list[LimitView] = []
        views: dict[tuple[str, str], PairTypesView] = {}
        for d in await self.store.list_all_limits(portal_id):
            pair = (d.from_type, d.to_type)
            if pair not in views:
                views[pair] = await self._view(portal_id, *pair)
            out.append(_shown(views[pair], d))
        return out

    # -- writes -----------------------------------------------------------------------

    async def create(
        self,
        portal_id: int,
        from_type: ObjectType,
        to_type: ObjectType,
        inputs: Sequence[LimitInput],
    ) -> list[LimitView | AssocdbError]:
        """Set new limits; a type that already has one is an error for that input."""
        return await self._apply(portal_id, from_type, to_type, inputs, creating=True)

    async def update(
        self,
        portal_id: int,
        from_type: ObjectType,
        to_type: ObjectType,
        inputs: Sequence[LimitInput],
    ) -> list[LimitView | AssocdbError]:
        """Change existing limits; a type without one is an error for that input."""
        return await self._apply(portal_id, from_type, to_type, inputs, creating=False)

    async def purge(
        self,
        portal_id: int,
        from_type: ObjectType,
        to_type: ObjectType,
        keys: Sequence[TypeKey],
    ) -> None:
        """Remove limits, back to the system default. A type that is not valid for the pair
        fails the whole request before anything changes; a type without a limit is skipped
        [inferred]."""
        async with self.store.transaction(portal_id) as tx:
            await tx.lock_pairs([(from_type.type_id, to_type.type_id)], exclusive=True)
            view = await _tx_view(tx, from_type.type_id, to_type.type_id)
            for key in keys:
                if not view.is_valid(key):
                    raise invalid_config_type(key, from_type, to_type)
            await tx.delete_limits(from_type.type_id, to_type.type_id, keys)

    async def _apply(
        self,
        portal_id: int,
        from_type: ObjectType,
        to_type: ObjectType,
        inputs: Sequence[LimitInput],
        *,
        creating: bool,
    ) -> list[LimitView | AssocdbError]:
        async with self.store.transaction(portal_id) as tx:
            # Exclusive on the pair: the checks below (ranges against the other limits)
            # and the write see no concurrent limit change, and association writes
            # (shared) check against the limits either before or after this one.
            await tx.lock_pairs([(from_type.type_id, to_type.type_id)], exclusive=True)
            view = await _tx_view(tx, from_type.type_id, to_type.type_id)
            current = {
                (d.category, d.type_id): d.max_to_object_ids
                for d in await tx.list_limits(from_type.type_id, to_type.type_id)
            }
            checker = _Checker(view, current, from_type, to_type)
            out: list[LimitView | AssocdbError] = []
            writes: dict[TypeKey, int] = {}
            for item in inputs:
                key: TypeKey = (item.category, item.type_id)
                error = checker.check(key, item.max_to_object_ids, creating=creating)
                if error is not None:
                    out.append(error)
                    continue
                current[key] = writes[key] = item.max_to_object_ids
                out.append(
                    LimitView(item.category, item.type_id, view.label(key), item.max_to_object_ids)
                )
            if writes:
                await tx.put_limits(
                    [
                        LimitDef(from_type.type_id, to_type.type_id, c, t, n)
                        for (c, t), n in writes.items()
                    ]
                )
        return out

    async def _view(self, portal_id: int, from_type: str, to_type: str) -> PairTypesView:
        own = await self.store.list_labels(portal_id, from_type, to_type)
        return PairTypesView(defined_pair(from_type, to_type), own)


async def _tx_view(tx: StoreTx, from_type: str, to_type: str) -> PairTypesView:
    return PairTypesView(
        defined_pair(from_type, to_type), await tx.labels_for_write(from_type, to_type)
    )


def _shown(view: PairTypesView, d: LimitDef) -> LimitView:
    return LimitView(
        Category(d.category), d.type_id, view.label((d.category, d.type_id)), d.max_to_object_ids
    )


class _Checker:
    """The rules of one input, against the pair's limits as the batch has left them."""

    def __init__(
        self,
        view: PairTypesView,
        current: dict[TypeKey, int],
        from_type: ObjectType,
        to_type: ObjectType,
    ) -> None:
        self.view = view
        self.current = current
        self.from_type = from_type
        self.to_type = to_type

    def check(self, key: TypeKey, value: int, *, creating: bool) -> AssocdbError | None:
        if not self.view.is_valid(key):
            return invalid_config_type(key, self.from_type, self.to_type)
        shown = _type_text(key)
        where = f"{shown} between {self.from_type.upper_name} and {self.to_type.upper_name}"
        context = {
            "type": [shown],
            "fromObjectType": [self.from_type.upper_name],
            "toObjectType": [self.to_type.upper_name],
        }
        existing = self.current.get(key)
        if creating and existing is not None:
            return ValidationError(
                f"A limit of {existing} is already set for {where}; use batch/update to change it.",
                context=context,
            )
        if not creating and existing is None:
            return ObjectNotFound(
                f"No limit is set for {where}; use batch/create to set one.", context=context
            )
        low, high, why = self._range(key)
        if low <= value <= high:
            return None
        if low > high:
            return ValidationError(
                f"Invalid maxToObjectIds {value} for {where}: no value is valid{why}.",
                context={**context, "maxToObjectIds": [str(value)]},
            )
        valid = f"{low}-{high}"
        return ValidationError(
            f"Invalid maxToObjectIds {value} for {where}: the valid range is {valid}{why}.",
            context={**context, "maxToObjectIds": [str(value)], "validRange": [valid]},
        )

    def _range(self, key: TypeKey) -> tuple[int, int, str]:
        """The values a limit on ``key`` may take now, and why when narrowed.

        The July 2024 changelog ("Introducing Custom Association Limits") states label
        limits must be "less than or equal to the object limit", but both of its worked
        examples are strict: object limit 10 → label range "1-9"; label limit 10 → object
        limit ">10". We follow the examples: a label limit must be lower than the object
        limit, and the object limit higher than every label limit.
        """
        default = self.view.default_key
        if key == default:
            labels = [n for k, n in self.current.items() if k != default]
            if labels:
                return (
                    max(labels) + 1,
                    MAX_TO_OBJECT_IDS,
                    (
                        f" (it must be greater than the label limits set on this pair, the "
                        f"highest being {max(labels)})"
                    ),
                )
            return 1, MAX_TO_OBJECT_IDS, ""
        overall = self.current.get(default) if default is not None else None
        if overall is not None:
            return (
                1,
                min(overall - 1, MAX_TO_OBJECT_IDS),
                (
                    f" (a label limit must be lower than the limit of {overall} on all "
                    f"{self.from_type.upper_name} to {self.to_type.upper_name} associations)"
                ),
            )
        return 1, MAX_TO_OBJECT_IDS, ""


def _type_text(key: TypeKey) -> str:
    """``{categoryOrdinal}-{typeId}``, as HubSpot writes a type in these errors."""
    return f"{key[0]}-{key[1]}"


def invalid_config_type(
    key: TypeKey, from_type: ObjectType, to_type: ObjectType
) -> ValidationError:
    """Observed in HubSpot's responses: ``0-5 is not a valid association type between
    CONTACT and DEAL``, with upper-case object names.

    HubSpot: https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associations-schema/limits/create-associations-limits
    """
    shown = _type_text(key)
    return ValidationError(
        f"{shown} is not a valid association type between {from_type.upper_name} and "
        f"{to_type.upper_name}",
        sub_category="crm.associations.INVALID_ASSOCIATION_TYPE",
        context={
            "type": [shown],
            "fromObjectType": [from_type.upper_name],
            "toObjectType": [to_type.upper_name],
        },
    )
