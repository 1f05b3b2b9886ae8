"""A portal's own association labels (USER_DEFINED types), reference section 2."""

from __future__ import annotations

import re

from assocdb.domain.associations import AssociationType
from assocdb.domain.models import LabelDef
from assocdb.domain.objecttypes import ObjectType
from assocdb.domain.registry import Category
from assocdb.domain.store import Store
from assocdb.errors import ValidationError

__all__ = ["LabelService"]

# "cannot include hyphens or begin with a numerical character" (DOC-SCHEMA).
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class LabelService:
    def __init__(self, store: Store, *, max_labels_per_pair: int = 10) -> None:
        self.store = store
        self.max_labels_per_pair = max_labels_per_pair

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
        HubSpot's documented example lists them (reference section 2).
        """
        if not _NAME.fullmatch(name):
            raise ValidationError(
                f"Invalid label name '{name}': a name cannot include hyphens or begin with a "
                "number, and may use only letters, digits and underscores."
            )
        if not label.strip():
            raise ValidationError("A label is required.")
        existing = await self.store.list_labels(portal_id, from_type.type_id, to_type.type_id)
        if any(d.name == name for d in existing):
            raise ValidationError(
                f"An association label named '{name}' already exists between "
                f"{from_type.plural} and {to_type.plural}."
            )
        if len({d.name for d in existing}) >= self.max_labels_per_pair:
            raise ValidationError(
                f"The limit of {self.max_labels_per_pair} association labels between "
                f"{from_type.plural} and {to_type.plural} has been reached."
            )
        same_type = from_type.type_id == to_type.type_id
        async with self.store.transaction(portal_id) as tx:
            if same_type and inverse_label is None:
                (type_id,) = (await tx.allocate_type_ids(1),)
                defs = [
                    LabelDef(
                        from_type.type_id,
                        to_type.type_id,
                        Category.USER_DEFINED,
                        type_id,
                        name,
                        label,
                        type_id,
                    )
                ]
            else:
                forward = await tx.allocate_type_ids(2)
                inverse = forward + 1
                back = inverse_label if inverse_label is not None else label
                defs = [
                    LabelDef(
                        from_type.type_id,
                        to_type.type_id,
                        Category.USER_DEFINED,
                        forward,
                        name,
                        label,
                        inverse,
                    ),
                    LabelDef(
                        to_type.type_id,
                        from_type.type_id,
                        Category.USER_DEFINED,
                        inverse,
                        name,
                        back,
                        forward,
                    ),
                ]
            await tx.add_labels(defs)
        return [AssociationType(Category.USER_DEFINED, d.type_id, d.label) for d in reversed(defs)]
