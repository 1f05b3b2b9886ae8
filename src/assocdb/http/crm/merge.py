"""``POST /crm/v3/objects/{objectType}/merge`` and ``POST /crm/v3/objects/contacts/gdpr-delete``
(and their ``/crm/objects/2026-03`` twins). Thin: decode → domain (domain/merge.py) → render.
"""

from __future__ import annotations

from msgspec import Struct
from starlette.responses import Response

from assocdb.http.call import Call
from assocdb.http.handlers.objects import _object as render_object
from assocdb.http.operation import Operation
from assocdb.http.schemas import IdText
from assocdb.http.schemas_objects import SimplePublicObject

__all__ = ["OPERATIONS"]


class MergeInput(Struct, forbid_unknown_fields=False):
    primaryObjectId: IdText
    objectIdToMerge: IdText


class GdprDeleteInput(Struct, forbid_unknown_fields=False):
    objectId: IdText
    idProperty: str | None = None


async def merge(call: Call) -> Response:
    """200 with the primary record as it is after the merge, every property included."""
    body = await call.body(MergeInput)
    object_type = call.types["objectType"]
    merged = await call.services.crm.merges.merge(
        call.portal_id, object_type, str(body.primaryObjectId), str(body.objectIdToMerge)
    )
    return call.json(render_object(merged, object_type))


async def gdpr_delete(call: Call) -> Response:
    """204; the contact and everything of it are gone for good (no archive to restore)."""
    body = await call.body(GdprDeleteInput)
    await call.services.crm.merges.gdpr_delete(
        call.portal_id, call.types["objectType"], str(body.objectId), body.idProperty
    )
    return Response(status_code=204)


def _operations(base: str, suffix: str, tag: str) -> tuple[Operation, ...]:
    return (
        Operation(
            "POST",
            base + "/{objectType}/merge",
            merge,
            "merge" + suffix,
            "Merge a record into another of the same type",
            tag,
            access="write",
            request=MergeInput,
            responses={200: SimplePublicObject},
        ),
        Operation(
            "POST",
            base + "/{objectType}/gdpr-delete",
            gdpr_delete,
            "gdpr_delete" + suffix,
            "Delete a contact for good (by id, or by email with idProperty=email)",
            tag,
            access="write",
            request=GdprDeleteInput,
            responses={204: None},
        ),
    )


OPERATIONS: tuple[Operation, ...] = (
    *_operations("/crm/v3/objects", "", "Objects"),
    *_operations("/crm/objects/2026-03", "_2026_03", "Objects (2026-03)"),
)
