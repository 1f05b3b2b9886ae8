"""A portal's own association labels (USER_DEFINED types).

HubSpot: https://developers.hubspot.com/docs/api-reference/crm-associations-schema-v4/guide

A label is one typeId per direction (a single label between records of one object type
is one self-inverse typeId). TypeIds are allocated per portal, so a portal never sees,
changes or deletes another portal's labels: they are simply not in its lists.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from assocdb.domain.associations import AssociationType
from assocdb.domain.models import LabelDef
from assocdb.domain.objecttypes import ObjectType
from assocdb.domain.registry import Category, defined_pair
from assocdb.domain.store import LabelStore, StoreTx, UniqueViolation
from assocdb.errors import ObjectNotFound, ValidationError

__all__ = ["LabelService"]

# "cannot include hyphens or begin with a numerical character":
# https://developers.hubspot.com/docs/api-reference/crm-associations-schema-v4/guide
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class LabelService:
    def __init__(self, store: LabelStore, *, max_labels_per_pair: int = 10) -> None:
        self.store = store
        self.max_labels_per_pair = max_labels_per_pair

    async def list_types(
        self, portal_id: int, from_type: ObjectType, to_type: ObjectType
    ) -> list[AssociationType]:
        """Every type from ``from_type`` to ``to_type``: HubSpot's (the unlabeled one with
        label None) and the portal's own, sorted by (category, typeId)."""
        defined = defined_pair(from_type.type_id, to_type.type_id)
        types = [
            AssociationType(Category.HUBSPOT_DEFINED, t.type_id, t.label)
            for t in (defined.types.values() if defined else ())
        ]
        own = await self.store.list_labels(portal_id, from_type.type_id, to_type.type_id)
        types += [AssociationType(Category(d.category), d.type_id, d.label) for d in own]
        return sorted(types, key=lambda t: (t.category, t.type_id))

    async def create(
        self,
        portal_id: int,
        from_type: ObjectType,
        to_type: ObjectType,
        name: str,
        label: str,
        inverse_label: str | None = None,
    ) -> list[AssociationType]:
        """Create a label: one typeId per direction, allocated as a consecutive pair.

        Returns the new types of the ``from → to`` direction's view, inverse first, as
        HubSpot's documented example lists them:
        https://developers.hubspot.com/docs/api-reference/crm-associations-schema-v4/guide
        """
        _check_label(name, label, inverse_label)
        async with self.store.transaction(portal_id) as tx:
            # The pair's exclusive lock, then the checks, then the write: two creates on one
            # pair run one after the other, so the second sees the first's label.
            await tx.lock_pairs([(from_type.type_id, to_type.type_id)], exclusive=True)
            defs = await self.create_in(tx, from_type, to_type, name, label, inverse_label)
        return [AssociationType(Category.USER_DEFINED, d.type_id, d.label) for d in reversed(defs)]

    async def create_in(
        self,
        tx: StoreTx,
        from_type: ObjectType,
        to_type: ObjectType,
        name: str,
        label: str,
        inverse_label: str | None = None,
    ) -> list[LabelDef]:
        """Check and create a label in ``tx``, whose caller holds the pair's exclusive lock
        (``create``; ``seed`` for a whole document). Returns the new definitions."""
        _check_label(name, label, inverse_label)
        existing = await tx.labels_for_write(from_type.type_id, to_type.type_id)
        _check_pair(from_type, to_type, existing)
        if any(d.name == name for d in existing):
            raise _duplicate(name, from_type, to_type)
        # A custom object pair's unlabeled type (domain/schemas.py) is not a label.
        if len({d.name for d in existing if d.label is not None}) >= self.max_labels_per_pair:
            raise ValidationError(
                f"The limit of {self.max_labels_per_pair} association labels between "
                f"{from_type.plural} and {to_type.plural} has been reached."
            )
        single = from_type.type_id == to_type.type_id and inverse_label is None
        first_id = await tx.allocate_type_ids(1 if single else 2)
        defs = _new_labels(first_id, from_type, to_type, name, label, inverse_label)
        try:
            await tx.add_labels(defs)
        except UniqueViolation:
            # The schema's unique name index: only reachable if the caller did not hold the
            # pair's lock; answered as the sequential duplicate is.
            raise _duplicate(name, from_type, to_type) from None
        return defs

    async def update(
        self,
        portal_id: int,
        from_type: ObjectType,
        to_type: ObjectType,
        type_id: int,
        label: str,
        inverse_label: str | None = None,
    ) -> None:
        """Rename a label; its name and typeIds never change (HubSpot's schema guide).

        ``inverse_label`` renames the other direction of a paired label. Without it, the
        other direction of a single label (both directions showing the same text) follows
        the new label, and that of a paired label keeps its own [inferred].

        HubSpot: https://developers.hubspot.com/docs/api-reference/crm-associations-schema-v4/guide
        """
        _check_text(label, "label")
        if inverse_label is not None:
            _check_text(inverse_label, "inverseLabel")
        async with self.store.transaction(portal_id) as tx:
            # Shared: a rename runs alongside association writes (it changes only the text)
            # but never alongside a delete of the label, so it renames what it found.
            await tx.lock_pairs([(from_type.type_id, to_type.type_id)], exclusive=False)
            forward = await _find(tx, from_type, to_type, type_id, "changed")
            if forward.type_id == forward.inverse_type_id:
                if inverse_label is not None and inverse_label != label:
                    raise ValidationError(
                        f"Association label {type_id} between {from_type.plural} and "
                        f"{to_type.plural} is a single label: it has no inverse label to set.",
                        context={"associationTypeId": [str(type_id)]},
                    )
                await tx.update_labels([replace(forward, label=label)])
                return
            changes = [replace(forward, label=label)]
            inverse = await _inverse_of(tx, forward)
            if inverse is not None:
                if inverse_label is not None:
                    changes.append(replace(inverse, label=inverse_label))
                elif inverse.label == forward.label:
                    changes.append(replace(inverse, label=label))
            await tx.update_labels(changes)

    async def delete(
        self, portal_id: int, from_type: ObjectType, to_type: ObjectType, type_id: int
    ) -> None:
        """Delete a label, both directions; refused while any association uses it (HubSpot:
        "you'll need to remove the label from associations before deleting").

        HubSpot: https://developers.hubspot.com/docs/api-reference/crm-associations-schema-v4/guide
        """
        async with self.store.transaction(portal_id) as tx:
            # Exclusive: writers that may be adding the label finish first, so the in-use
            # check sees their edges; writers that come later wait, then see it gone.
            await tx.lock_pairs([(from_type.type_id, to_type.type_id)], exclusive=True)
            found = await _find(tx, from_type, to_type, type_id, "deleted")
            if not await tx.delete_label(found):
                raise ValidationError(
                    f"The association label '{found.label}' ({type_id}) between "
                    f"{from_type.plural} and {to_type.plural} is in use. Remove it from every "
                    "association before deleting it.",
                    context={"associationTypeId": [str(type_id)]},
                )


async def _find(
    tx: StoreTx, from_type: ObjectType, to_type: ObjectType, type_id: int, verb: str
) -> LabelDef:
    """The portal's own label ``type_id`` from ``from_type`` to ``to_type``.

    HubSpot's types cannot be changed (400); an id that is neither is a 404 [inferred].
    """
    for d in await tx.labels_for_write(from_type.type_id, to_type.type_id):
        if d.category == Category.USER_DEFINED and d.type_id == type_id:
            if d.label is None:
                # The unlabeled type of a custom object pair belongs to its schema.
                raise ValidationError(
                    f"Association type {type_id} is the unlabeled type of a custom object"
                    f" association and cannot be {verb}; change the schema instead.",
                    context={"associationTypeId": [str(type_id)]},
                )
            return d
    context = {"associationTypeId": [str(type_id)]}
    defined = defined_pair(from_type.type_id, to_type.type_id)
    if defined is not None and type_id in defined.types:
        raise ValidationError(
            f"Association type {type_id} between {from_type.plural} and {to_type.plural} "
            f"is defined by HubSpot (HUBSPOT_DEFINED) and cannot be {verb}.",
            context=context,
        )
    raise ObjectNotFound(
        f"No association label with typeId {type_id} exists between {from_type.plural} "
        f"and {to_type.plural}.",
        context=context,
    )


async def _inverse_of(tx: StoreTx, label: LabelDef) -> LabelDef | None:
    for d in await tx.labels_for_write(label.to_type, label.from_type):
        if d.category == label.category and d.type_id == label.inverse_type_id:
            return d
    return None


def _duplicate(name: str, from_type: ObjectType, to_type: ObjectType) -> ValidationError:
    return ValidationError(
        f"An association label named '{name}' already exists between "
        f"{from_type.plural} and {to_type.plural}.",
        context={"name": [name]},
    )


def _new_labels(
    first_id: int,
    from_type: ObjectType,
    to_type: ObjectType,
    name: str,
    label: str,
    inverse_label: str | None,
) -> list[LabelDef]:
    """One self-inverse typeId for a single label between records of one type, else a
    consecutive pair (forward, inverse)."""
    ft, tt, user = from_type.type_id, to_type.type_id, Category.USER_DEFINED
    if ft == tt and inverse_label is None:
        return [LabelDef(ft, tt, user, first_id, name, label, first_id)]
    inverse = first_id + 1
    back = inverse_label if inverse_label is not None else label
    return [
        LabelDef(ft, tt, user, first_id, name, label, inverse),
        LabelDef(tt, ft, user, inverse, name, back, first_id),
    ]


def _check_label(name: str, label: str, inverse_label: str | None) -> None:
    if not _NAME.fullmatch(name):
        raise ValidationError(
            f"Invalid label name '{name}': a name cannot include hyphens or begin with a "
            "number, and may use only letters, digits and underscores.",
            context={"name": [name]},
        )
    _check_text(label, "label")
    if inverse_label is not None:
        _check_text(inverse_label, "inverseLabel")


def _check_text(text: str, field: str) -> None:
    if not text.strip():
        raise ValidationError(f"Invalid {field}: it must not be empty.", context={field: [text]})


def _check_pair(from_type: ObjectType, to_type: ObjectType, own: Sequence[LabelDef]) -> None:
    """Labels only make sense where records can be associated at all [inferred]: a pair
    HubSpot defines, or a custom object pair its schema defined (an unlabeled own type)."""
    custom_pair = any(d.label is None for d in own)
    if defined_pair(from_type.type_id, to_type.type_id) is None and not custom_pair:
        raise ValidationError(
            f"{from_type.plural} and {to_type.plural} cannot be associated, so no association "
            "label can be defined between them.",
            context={
                "fromObjectType": [from_type.plural],
                "toObjectType": [to_type.plural],
            },
        )
