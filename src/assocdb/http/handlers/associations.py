"""Association record endpoints (reference section 1). Thin: decode → domain → render."""

from __future__ import annotations

from starlette.responses import Response

from assocdb.domain.associations import MAX_LIST_LIMIT, ReadInput
from assocdb.domain.clock import now_ms
from assocdb.errors import ValidationError
from assocdb.http.call import Call, parse_object_id
from assocdb.http.operation import Operation, QueryParam
from assocdb.http.render import iso_ms, render_collection, render_multi_results
from assocdb.http.schemas import (
    BatchReadRequest,
    BatchResponseMultiWithLabel,
    BatchResponseMultiWithLabelWithErrors,
    CollectionResponseMultiAssociated,
)

__all__ = ["OPERATIONS", "batch_read", "list_associations"]

MAX_BATCH_READ_INPUTS = 1000
"""Reference 6: batch read takes at most 1,000 inputs; more are rejected."""


async def batch_read(call: Call) -> Response:
    body = await call.body(BatchReadRequest)
    if len(body.inputs) > MAX_BATCH_READ_INPUTS:
        raise ValidationError(
            f"Too many inputs: {len(body.inputs)}. A batch read accepts at most "
            f"{MAX_BATCH_READ_INPUTS} inputs.",
            context={"inputs": [str(len(body.inputs))]},
        )
    inputs = [ReadInput(parse_object_id(i.id, "id"), i.after or None) for i in body.inputs]
    outcomes = await call.services.associations.batch_read(
        call.portal_id, call.types["fromObjectType"], call.types["toObjectType"], inputs
    )
    results, errors = render_multi_results(outcomes)
    started, completed = iso_ms(call.started_ms), iso_ms(now_ms())
    if errors:
        # 207 whenever any input failed, even if every one did (reference section 3).
        return call.json(
            BatchResponseMultiWithLabelWithErrors(
                "COMPLETE", results, len(errors), errors, started, completed
            ),
            207,
        )
    return call.json(BatchResponseMultiWithLabel("COMPLETE", results, started, completed))


async def list_associations(call: Call) -> Response:
    query = call.request.query_params
    limit = _limit(query.get("limit"))
    page = await call.services.associations.list_for_object(
        call.portal_id,
        call.types["objectType"],
        call.path_id("objectId"),
        call.types["toObjectType"],
        limit=limit,
        after=query.get("after") or None,
    )
    return call.json(render_collection(page))


def _limit(raw: str | None) -> int:
    """``limit``: default 500; larger values are clamped to 500 (reference 1.6, [inferred])."""
    if raw is None or raw == "":
        return MAX_LIST_LIMIT
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise ValidationError(
            f"Invalid limit '{raw[:40]}': limit must be a positive integer (at most "
            f"{MAX_LIST_LIMIT}).",
            context={"limit": [raw[:40]]},
        )
    return min(value, MAX_LIST_LIMIT)


_V4 = "/crm/v4"

OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "POST",
        _V4 + "/associations/{fromObjectType}/{toObjectType}/batch/read",
        batch_read,
        "batch_read_associations",
        "Read the associations of up to 1,000 records, each with its own paging cursor",
        "Associations",
        request=BatchReadRequest,
        responses={200: BatchResponseMultiWithLabel, 207: BatchResponseMultiWithLabelWithErrors},
    ),
    Operation(
        "GET",
        _V4 + "/objects/{objectType}/{objectId}/associations/{toObjectType}",
        list_associations,
        "list_record_associations",
        "List a record's associations to one object type (at most 500 per page)",
        "Associations",
        responses={200: CollectionResponseMultiAssociated},
        query=(
            QueryParam("limit", "integer", "Page size; default and maximum 500."),
            QueryParam("after", "string", "Cursor from a previous page's paging.next.after."),
        ),
    ),
)
