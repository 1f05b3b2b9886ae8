"""Merging two records and GDPR deletion of contacts.

Merge (https://developers.hubspot.com/docs/api-reference/crm-contacts-v3/basic/post-crm-v3-objects-contacts-merge):
``primaryObjectId`` is "the record that the merge will generally set as the current value":
its values win, and properties it lacks take the merged record's values. The merged
record's associations move to the primary (through ``WritePlan``, the association write
path, so inverse edges, Primary flags and limits hold), the merged record is deleted for
good, and its id keeps resolving to the primary (``GET /crm/v3/objects/{type}/{mergedId}`` reads the
primary), which lists it in ``hs_merged_object_ids``.

GDPR delete (https://developers.hubspot.com/docs/api/crm/contacts, "GDPR delete"): the
contact, live or archived, and every association it has are removed and cannot be restored.

Both run as one unit of work (``store.transaction``, docs/transactions.md): a failure or a
crash midway leaves the store as it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from assocdb.domain.associations import AssociationService, CreateInput, WritePlan
from assocdb.domain.clock import now_ms
from assocdb.domain.models import CrmObject, TypeSet
from assocdb.domain.objects import (
    ObjectService,
    computed_properties,
    deletion_events,
    object_not_found,
    update_events,
)
from assocdb.domain.objecttypes import ObjectType, resolve_object_type
from assocdb.domain.registry import Category, TypeKey, defined_pair
from assocdb.domain.store import Store, StoreTx, UpdatedRecord
from assocdb.domain.webhooks import EventSink, merge_change, object_changes, removed_associations
from assocdb.errors import ObjectNotFound, ValidationError

__all__ = ["MergeService", "MergeStore", "merged_properties"]

CONTACT = "0-1"
MERGED_IDS = "hs_merged_object_ids"
"""The primary's list of the ids merged into it, ``;``-separated as HubSpot's multi-values."""
ADDITIONAL_EMAILS = "hs_additional_emails"
"""Merging contacts keeps the merged contact's email as an additional email of the primary
(https://knowledge.hubspot.com/records/merge-records)."""
MAX_EMAIL_MATCHES = 100
"""A GDPR delete by email removes at most this many contacts sharing the address."""


@runtime_checkable
class MergeStore(Protocol):
    """Storage port of merges and GDPR deletes (storage/{sqlite,postgres}_merges.py): the
    reads outside a unit of work. Every write is a ``StoreTx`` operation."""

    async def merged_into(self, portal_id: int, object_type: str, object_id: int) -> int | None: ...

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

    # -- merge ------------------------------------------------------------------------

    async def merge(
        self, portal_id: int, object_type: ObjectType, primary_raw: str, merged_raw: str
    ) -> CrmObject:
        """One unit of work (docs/transactions.md): the checks, the moved associations, the
        purge of the merged record, its alias and the primary's new values commit
        together or not at all."""
        primary_id = _parse(primary_raw, "primaryObjectId")
        merged_id = _parse(merged_raw, "objectIdToMerge")
        if primary_id == merged_id:
            raise ValidationError(
                f"Cannot merge {object_type.name} {primary_id} with itself.",
                context={"objectIdToMerge": [merged_raw]},
            )
        type_id = object_type.type_id
        async with self.store.transaction(portal_id) as tx:
            moved = await _edges(tx, type_id, merged_id)
            await tx.lock_pairs([(type_id, to) for to in moved], exclusive=False)
            # Both records and every record the merged one is associated with, in one
            # call (one global order). With the merged record locked no writer can add or
            # remove its edges, so the second read below is final.
            neighbours = [(to, i) for to, edges in moved.items() for i, _ in edges]
            await tx.lock_records([(type_id, primary_id), (type_id, merged_id), *neighbours])
            primary = await tx.get_object(type_id, primary_id)
            if primary is None:
                raise object_not_found(str(primary_id))
            merged = await tx.get_object(type_id, merged_id)
            if merged is None:
                raise object_not_found(str(merged_id))
            final = await _edges(tx, type_id, merged_id)
            if extra := [(type_id, to) for to in final if to not in moved]:
                # Only on PostgreSQL, when an association to a new object type was written
                # between the first read and the record lock: that pair is locked late.
                await tx.lock_pairs(extra, exclusive=False)
            for to_type_id, edges in final.items():
                await self._move(tx, object_type, to_type_id, edges, primary_id)
            now = now_ms()
            # The merged record goes for good: purged with its remaining edges, not archived.
            await tx.purge_objects(type_id, [merged_id])
            await tx.add_merge(type_id, merged_id, primary_id, now)
            values = merged_properties(object_type, primary, merged)
            properties = {**primary.properties, **{k: v for k, v in values.items() if v}}
            await tx.write_properties(type_id, primary_id, properties, now)
            created_at = primary.created_at_ms
            after = CrmObject(portal_id, type_id, primary_id, properties, created_at, now)
            if tx.events is not None:  # webhooks: in this unit of work, so only if it commits
                _merge_events(tx.events, UpdatedRecord(after, primary.properties), merged, values)
                removed = [(merged_id, t, i, ts) for t, edges in final.items() for i, ts in edges]
                removed_associations(tx.events, type_id, removed, now)
        return after

    async def _move(
        self,
        tx: StoreTx,
        object_type: ObjectType,
        to_type_id: str,
        edges: Sequence[tuple[int, TypeSet]],
        primary_id: int,
    ) -> None:
        """Give the primary the merged record's associations to one object type, through
        the association write path on ``tx``. A Primary type the primary already has
        stays the primary's own; an association between the two records themselves is
        dropped; an association a portal limit refuses is dropped [inferred: HubSpot
        documents neither case]."""
        own = await tx.edges_from(object_type.type_id, to_type_id, [primary_id])
        taken = _primary_keys(object_type.type_id, to_type_id, [(t, ts) for _, t, ts in own])
        inputs = [
            CreateInput(primary_id, to_id, tuple(k for k in types if k not in taken))
            for to_id, types in edges
            if not (to_type_id == object_type.type_id and to_id == primary_id)
        ]
        if inputs:
            plan = await WritePlan.open(tx, object_type, resolve_object_type(to_type_id))
            await plan.set_all(inputs, replace=False)
            await plan.flush()

    # -- GDPR delete ------------------------------------------------------------------

    async def gdpr_delete(
        self, portal_id: int, object_type: ObjectType, raw_id: str, id_property: str | None
    ) -> None:
        """Remove contacts for good: by id, or every contact with the email when
        ``idProperty=email``. 404 when nothing matches. The check and every deletion run
        in one unit of work."""
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
        async with self.store.transaction(portal_id) as tx:
            await tx.lock_records([(CONTACT, i) for i in ids])
            live = await tx.existing_object_ids(CONTACT, ids)
            archived = await tx.archived_object_ids(CONTACT, ids)
            known = [i for i in dict.fromkeys(ids) if i in live or i in archived]
            if not known:
                raise ObjectNotFound(
                    f"No contact with {id_property or 'id'} {raw_id[:100]} exists.",
                    context={"objectId": [raw_id[:100]]},
                )
            sink = tx.events
            with_edges = sink is not None and sink.wants_action("associationChange")
            now = now_ms()
            # Purged, not archived: live contacts and their associations go for good.
            purged = await tx.archive_objects(
                CONTACT, known, now, purge=True, with_edges=with_edges
            )
            await tx.forget_objects(CONTACT, known)
            if sink is not None:
                # contact.privacyDeletion for every contact deleted, archived ones too, and
                # "the normal contact.delete event" as well for live ones
                # (https://developers.hubspot.com/changelog/now-live-webhooks-now-support-privacy-compliant-contact-deletions).
                for object_id in known:
                    object_changes(sink, CONTACT, object_id, "privacyDeletion", now)
                deletion_events(sink, CONTACT, purged.ids, now)
                removed_associations(sink, CONTACT, purged.edges, now)


def _merge_events(
    sink: EventSink, primary: UpdatedRecord, merged: CrmObject, values: dict[str, str | None]
) -> None:
    """``*.merge`` on the primary (HubSpot's merge payload,
    https://developers.hubspot.com/changelog/new-subscription-types-for-webhooks), then a
    deletion of the merged record and a propertyChange per primary property that changed
    [inferred: HubSpot does not document which other events a merge sends]. The
    associations the primary gains were already sent by the association write path
    (``WritePlan.flush``), as for any associate; those the merged record loses are sent by
    the caller."""
    record, before = primary
    own = {MERGED_IDS, ADDITIONAL_EMAILS}
    moved = len([k for k, v in values.items() if v and not before.get(k) and k not in own])
    now = record.updated_at_ms
    merge_change(sink, record.object_type, record.object_id, [merged.object_id], moved, now)
    deletion_events(sink, record.object_type, [merged.object_id], now)
    update_events(sink, [primary], {record.object_id: values}, now)


async def _edges(tx: StoreTx, type_id: str, object_id: int) -> dict[str, list[tuple[int, TypeSet]]]:
    """Every edge of one record, by to-type, as ``tx`` sees it."""
    by_type: dict[str, list[tuple[int, TypeSet]]] = {}
    for to_type_id in await tx.edge_to_types(type_id, object_id):
        rows = await tx.edges_from(type_id, to_type_id, [object_id])
        by_type[to_type_id] = [(to_id, types) for _, to_id, types in rows]
    return by_type


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
