"""Merging two records and GDPR deletion of contacts.

Merge (https://developers.hubspot.com/docs/api-reference/crm-contacts-v3/basic/post-crm-v3-objects-contacts-merge):
``primaryObjectId`` is "the record that the merge will generally set as the current value":
its values win, and properties it lacks take the merged record's values. The merged
record's associations move to the primary (through ``AssociationService``, so inverse
edges, Primary flags and limits hold), the merged record is deleted for good, and its id
keeps resolving to the primary (``GET /crm/v3/objects/{type}/{mergedId}`` reads the
primary), which lists it in ``hs_merged_object_ids``.

GDPR delete (https://developers.hubspot.com/docs/api/crm/contacts, "GDPR delete"): the
contact, live or archived, and every association it has are removed and cannot be restored.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from assocdb.domain.associations import AssociationService, CreateInput
from assocdb.domain.clock import now_ms
from assocdb.domain.models import CrmObject, TypeSet
from assocdb.domain.objects import ObjectService, computed_properties, object_not_found
from assocdb.domain.objecttypes import ObjectType, resolve_object_type
from assocdb.domain.registry import Category, TypeKey, defined_pair
from assocdb.domain.store import Store
from assocdb.errors import ObjectNotFound, ValidationError

__all__ = ["MergeService", "MergeStore", "merged_properties"]

CONTACT = "0-1"
MERGED_IDS = "hs_merged_object_ids"
"""The primary's list of the ids merged into it, ``;``-separated as HubSpot's multi-values."""
ADDITIONAL_EMAILS = "hs_additional_emails"
"""Merging contacts keeps the merged contact's email as an additional email of the primary
(https://knowledge.hubspot.com/records/merge-records)."""
EDGE_PAGE = 1000
"""Edges read per query while moving a merged record's associations."""
MAX_EMAIL_MATCHES = 100
"""A GDPR delete by email removes at most this many contacts sharing the address."""


@runtime_checkable
class MergeStore(Protocol):
    """Storage port of merges and GDPR deletes (storage/{sqlite,postgres}_merges.py)."""

    async def record_merge(
        self, portal_id: int, object_type: str, merged_id: int, primary_id: int, now_ms: int
    ) -> None:
        """``merged_id`` (and every id merged into it before) now resolves to ``primary_id``."""
        ...

    async def merged_into(self, portal_id: int, object_type: str, object_id: int) -> int | None: ...

    async def forget_record(self, portal_id: int, object_type: str, object_id: int) -> None:
        """GDPR: delete the archived copy and every merge row naming the record."""
        ...

    async def ids_with_email(self, portal_id: int, email: str, limit: int) -> list[int]:
        """Live contacts whose ``email`` property equals ``email`` case-insensitively (a scan
        of the portal's contacts: no properties index yet), at most ``limit``."""
        ...


def merged_properties(
    object_type: ObjectType, primary: CrmObject, merged: CrmObject
) -> dict[str, str | None]:
    """The primary's values, the merged record's where the primary has none."""
    computed = computed_properties(object_type)
    values: dict[str, str | None] = {
        k: v for k, v in merged.properties.items() if k not in computed and v
    }
    values.update({k: v for k, v in primary.properties.items() if v})
    ids = [
        *filter(None, primary.properties.get(MERGED_IDS, "").split(";")),
        *filter(None, merged.properties.get(MERGED_IDS, "").split(";")),
        str(merged.object_id),
    ]
    values[MERGED_IDS] = ";".join(dict.fromkeys(ids))
    if object_type.type_id == CONTACT:
        emails = [
            *filter(None, primary.properties.get(ADDITIONAL_EMAILS, "").split(";")),
            *filter(None, merged.properties.get(ADDITIONAL_EMAILS, "").split(";")),
        ]
        email = merged.properties.get("email")
        if email and email.lower() != (primary.properties.get("email") or "").lower():
            emails.append(email)
        if emails:
            values[ADDITIONAL_EMAILS] = ";".join(dict.fromkeys(emails))
    return values


def _parse(raw: str, field: str) -> int:
    # The length check comes first: int() refuses more than 4,300 digits with a ValueError.
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 19 or not 0 < int(raw) < 2**63:
        raise ValidationError(
            f"Invalid {field} '{raw[:40]}': an object id must be a positive integer.",
            context={field: [raw[:40]]},
        )
    return int(raw)


class MergeService:
    def __init__(
        self,
        store: Store,
        merges: MergeStore,
        objects: ObjectService,
        associations: AssociationService,
    ) -> None:
        self.store = store
        self.merges = merges
        self.objects = objects
        self.associations = associations

    async def resolve(self, portal_id: int, object_type: ObjectType, object_id: int) -> int | None:
        """The record a merged id now resolves to (the hook ``ObjectService.get`` calls)."""
        return await self.merges.merged_into(portal_id, object_type.type_id, object_id)

    async def _live(self, portal_id: int, object_type: ObjectType, object_id: int) -> CrmObject:
        found = await self.store.get_objects(portal_id, object_type.type_id, [object_id])
        if not found:
            raise object_not_found(str(object_id))
        return found[0]

    # -- merge ------------------------------------------------------------------------

    async def merge(
        self, portal_id: int, object_type: ObjectType, primary_raw: str, merged_raw: str
    ) -> CrmObject:
        primary_id = _parse(primary_raw, "primaryObjectId")
        merged_id = _parse(merged_raw, "objectIdToMerge")
        if primary_id == merged_id:
            raise ValidationError(
                f"Cannot merge {object_type.name} {primary_id} with itself.",
                context={"objectIdToMerge": [merged_raw]},
            )
        primary = await self._live(portal_id, object_type, primary_id)
        merged = await self._live(portal_id, object_type, merged_id)
        await self._move_associations(portal_id, object_type, primary_id, merged_id)
        # The merged record goes for good: purged with its remaining edges, not archived.
        await self.store.archive_objects(
            portal_id, object_type.type_id, [merged_id], now_ms(), purge=True
        )
        await self.merges.record_merge(
            portal_id, object_type.type_id, merged_id, primary_id, now_ms()
        )
        values = merged_properties(object_type, primary, merged)
        (updated,) = await self.store.update_objects(
            portal_id, object_type.type_id, [(primary_id, values)], now_ms()
        )
        return updated

    async def _edges(
        self, portal_id: int, object_type: ObjectType, object_id: int
    ) -> dict[str, list[tuple[int, TypeSet]]]:
        """Every edge of one record, by to-type, in keyset pages of ``EDGE_PAGE``."""
        by_type: dict[str, list[tuple[int, TypeSet]]] = {}
        after: tuple[str, int, str, int] = (object_type.type_id, object_id, "", -1)
        while True:
            rows = await self.store.scan_edges(portal_id, after, EDGE_PAGE)
            mine = [r for r in rows if r[0] == object_type.type_id and r[1] == object_id]
            for _, _, to_type, to_id, types in mine:
                by_type.setdefault(to_type, []).append((to_id, types))
            if len(mine) < EDGE_PAGE:
                return by_type
            last = mine[-1]
            after = (last[0], last[1], last[2], last[3])

    async def _move_associations(
        self, portal_id: int, object_type: ObjectType, primary_id: int, merged_id: int
    ) -> None:
        """Give the primary every association of the merged record. A Primary type the
        primary already has stays the primary's own; an association between the two
        records themselves is dropped; an association a portal limit refuses is dropped
        [inferred: HubSpot documents neither case]."""
        moved = await self._edges(portal_id, object_type, merged_id)
        if not moved:
            return
        own = await self._edges(portal_id, object_type, primary_id)
        for to_type_id, edges in moved.items():
            to_type = resolve_object_type(to_type_id)
            taken = _primary_keys(object_type.type_id, to_type_id, own.get(to_type_id, []))
            inputs = [
                CreateInput(primary_id, to_id, tuple(k for k in types if k not in taken))
                for to_id, types in edges
                if not (to_type_id == object_type.type_id and to_id == primary_id)
            ]
            if inputs:
                await self.associations.set_types(
                    portal_id, object_type, to_type, inputs, replace=False
                )

    # -- GDPR delete ------------------------------------------------------------------

    async def gdpr_delete(
        self, portal_id: int, object_type: ObjectType, raw_id: str, id_property: str | None
    ) -> None:
        """Remove contacts for good: by id, or every contact with the email when
        ``idProperty=email``. 404 when nothing matches."""
        if object_type.type_id != CONTACT:
            raise ValidationError("GDPR delete is available for contacts only.")
        if id_property in (None, "", "hs_object_id"):
            ids = [_parse(raw_id, "objectId")]
        elif id_property == "email":
            ids = await self.merges.ids_with_email(portal_id, raw_id.strip(), MAX_EMAIL_MATCHES)
        else:
            raise ValidationError(
                f"Invalid idProperty '{id_property[:40]}': use email or leave it out.",
                context={"idProperty": [id_property[:40]]},
            )
        ids = await self._known(portal_id, object_type, ids)
        if not ids:
            raise ObjectNotFound(
                f"No contact with {id_property or 'id'} {raw_id[:100]} exists.",
                context={"objectId": [raw_id[:100]]},
            )
        await self.store.archive_objects(portal_id, CONTACT, ids, now_ms(), purge=True)
        for object_id in ids:
            await self.merges.forget_record(portal_id, CONTACT, object_id)

    async def _known(
        self, portal_id: int, object_type: ObjectType, ids: Sequence[int]
    ) -> list[int]:
        live = {o.object_id for o in await self.store.get_objects(portal_id, CONTACT, ids)}
        archived = {
            o.object_id for o, _ in await self.store.get_archived_objects(portal_id, CONTACT, ids)
        }
        return [i for i in ids if i in live or i in archived]


def _primary_keys(
    from_type: str, to_type: str, edges: Sequence[tuple[int, TypeSet]]
) -> set[TypeKey]:
    """The one-per-record (Primary) types the record already holds towards ``to_type``."""
    pair = defined_pair(from_type, to_type)
    if pair is None:
        return set()
    held = {key for _, types in edges for key in types}
    return {
        (Category.HUBSPOT_DEFINED, tid)
        for tid, t in pair.types.items()
        if t.one_per_from and (Category.HUBSPOT_DEFINED, tid) in held
    }
