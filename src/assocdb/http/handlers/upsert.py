"""``POST /crm/v3/objects/{type}/batch/upsert`` (and the 2026-03 path): create or update
records named by a unique property's value (domain/id_property.py).

HubSpot answers 200 with one result per input, each with ``new`` (true when this upsert
created the record), or 207 with the errors
(https://developers.hubspot.com/docs/api-reference/legacy/crm/objects/contacts/batch/upsert-contacts).
"""

from __future__ import annotations

from starlette.responses import Response

from assocdb.domain.id_property import UpsertInput, UpsertOutcome, upsert
from assocdb.domain.objecttypes import ObjectType
from assocdb.http.call import Call
from assocdb.http.errors import batch_error_item
from assocdb.http.handlers.objects import _all_properties, _check_count, _properties
from assocdb.http.render import batch_answer, iso_ms
from assocdb.http.schemas_upsert import (
    BatchResponseUpsert,
    BatchResponseUpsertWithErrors,
    BatchUpsertObjects,
    UpsertObject,
)

__all__ = ["batch_upsert"]


def _result(outcome: UpsertOutcome, object_type: ObjectType) -> UpsertObject:
    values = _all_properties(outcome.obj, object_type)
    return UpsertObject(
        id=str(outcome.obj.object_id),
        properties={name: values[name] for name in sorted(values)},
        createdAt=iso_ms(outcome.obj.created_at_ms),
        updatedAt=iso_ms(outcome.obj.updated_at_ms),
        archived=False,
        new=outcome.new,
        objectWriteTraceId=outcome.trace_id,
    )


async def batch_upsert(call: Call) -> Response:
    body = await call.body(BatchUpsertObjects)
    _check_count(len(body.inputs))
    object_type = call.types["objectType"]
    outcomes, error = await upsert(
        call.services.objects,
        call.services.properties,
        call.portal_id,
        object_type,
        [
            UpsertInput(str(i.id), i.idProperty, _properties(i.properties), i.objectWriteTraceId)
            for i in body.inputs
        ],
    )
    return batch_answer(
        call,
        [_result(o, object_type) for o in outcomes],
        [batch_error_item(error)] if error is not None else [],
        BatchResponseUpsert,
        BatchResponseUpsertWithErrors,
    )
