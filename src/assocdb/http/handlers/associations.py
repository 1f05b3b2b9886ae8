"""Association record endpoints. Thin: decode → domain → render.

HubSpot: https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associate-records/guide
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.responses import Response

from assocdb.domain.associations import (
    MAX_LIST_LIMIT,
    CreateInput,
    ReadInput,
    SetResult,
    TypeRef,
)
from assocdb.domain.clock import now_ms
from assocdb.domain.objecttypes import ObjectType
from assocdb.domain.registry import Category, defined_pair
from assocdb.errors import AssocdbError, ValidationError
from assocdb.http.call import Call, parse_object_id, query_limit
from assocdb.http.errors import batch_error_item
from assocdb.http.render import (
    batch_answer,
    empty_batch,
    iso_ms,
    render_collection,
    render_multi_results,
)
from assocdb.http.schemas import (
    AssociationSpec,
    AssociationSpecOut,
    BatchArchiveRequest,
    BatchCreateRequest,
    BatchDefaultRequest,
    BatchReadRequest,
    BatchResponseDefaultAssociation,
    BatchResponseLabelsBetweenObjectPair,
    BatchResponseLabelsBetweenObjectPairWithErrors,
    BatchResponseMultiWithLabel,
    BatchResponseMultiWithLabelWithErrors,
    IdOut,
    LabelsBetweenObjectPair,
    PublicDefaultAssociation,
)

__all__ = [
    "MAX_BATCH_READ_INPUTS",
    "MAX_BATCH_WRITE_INPUTS",
    "batch_archive",
    "batch_archive_labels",
    "batch_archive_labels_versioned",
    "batch_archive_versioned",
    "batch_associate_default",
    "batch_create",
    "batch_read",
    "delete_pair",
    "list_associations",
    "put_default",
    "put_labels",
]

MAX_BATCH_READ_INPUTS = 1000
"""Batch read takes at most 1,000 inputs; more are rejected.

HubSpot: https://developers.hubspot.com/changelog/bug-fix-batch-read-limit-for-hubspot-associations-api
"""
MAX_BATCH_WRITE_INPUTS = 2000
"""Batch create takes 2,000; the other writes are undocumented ([inferred] 2,000).

HubSpot (section "Limits"): https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associate-records/guide
"""


def _check_count(count: int, limit: int, what: str) -> None:
    if count > limit:
        raise ValidationError(
            f"Too many inputs: {count}. A batch {what} accepts at most {limit} inputs.",
            context={"inputs": [str(count)]},
        )


async def batch_read(call: Call) -> Response:
    body = await call.body(BatchReadRequest)
    _check_count(len(body.inputs), MAX_BATCH_READ_INPUTS, "read")
    inputs = [ReadInput(parse_object_id(i.id, "id"), i.after or None) for i in body.inputs]
    outcomes = await call.services.associations.batch_read(
        call.portal_id, call.types["fromObjectType"], call.types["toObjectType"], inputs
    )
    results, errors = render_multi_results(outcomes)
    return batch_answer(
        call, results, errors, BatchResponseMultiWithLabel, BatchResponseMultiWithLabelWithErrors
    )


async def list_associations(call: Call) -> Response:
    query = call.request.query_params
    # Default and maximum 500; larger values are clamped ([inferred]). HubSpot:
    # https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associate-records/guide
    limit = query_limit(query.get("limit"), MAX_LIST_LIMIT, MAX_LIST_LIMIT)
    page = await call.services.associations.list_for_object(
        call.portal_id,
        call.types["objectType"],
        call.path_id("objectId"),
        call.types["toObjectType"],
        limit=limit,
        after=query.get("after") or None,
    )
    return call.json(render_collection(page))


# -- writes ------------------------------------------------------------------------------
# HubSpot: https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associate-records/guide
# and https://developers.hubspot.com/docs/api-reference/2026-03/crm/associations/associate-records/batch/create-associations-labeled


def _refs(specs: Sequence[AssociationSpec]) -> tuple[TypeRef, ...]:
    return tuple(
        (Category[s.associationCategory] if s.associationCategory else None, s.associationTypeId)
        for s in specs
    )


def _pair_body(
    from_type: ObjectType, to_type: ObjectType, result: SetResult
) -> LabelsBetweenObjectPair:
    return LabelsBetweenObjectPair(
        from_type.type_id, result.from_id, to_type.type_id, result.to_id, result.labels
    )


def _default_spec(from_type: ObjectType, to_type: ObjectType) -> AssociationSpecOut:
    pair = defined_pair(from_type.type_id, to_type.type_id)
    return AssociationSpecOut("HUBSPOT_DEFINED", pair.default_id if pair else 0)


def _split(
    outcomes: Sequence[SetResult | AssocdbError],
) -> tuple[list[SetResult], list[AssocdbError]]:
    done = [o for o in outcomes if isinstance(o, SetResult)]
    return done, [o for o in outcomes if isinstance(o, AssocdbError)]


def _create_inputs(body: BatchCreateRequest) -> list[CreateInput]:
    return [
        CreateInput(
            parse_object_id(i.from_.id, "from.id"),
            parse_object_id(i.to.id, "to.id"),
            _refs(i.types),
        )
        for i in body.inputs
    ]


async def batch_create(call: Call) -> Response:
    """201, or 207 when any input failed; the types become the pair's label set (1.2)."""
    body = await call.body(BatchCreateRequest)
    _check_count(len(body.inputs), MAX_BATCH_WRITE_INPUTS, "create")
    inputs = _create_inputs(body)
    from_type, to_type = call.types["fromObjectType"], call.types["toObjectType"]
    done, failed = _split(
        await call.services.associations.set_types(
            call.portal_id, from_type, to_type, inputs, replace=True
        )
    )
    return batch_answer(
        call,
        [_pair_body(from_type, to_type, r) for r in done],
        [batch_error_item(e) for e in failed],
        BatchResponseLabelsBetweenObjectPair,
        BatchResponseLabelsBetweenObjectPairWithErrors,
        ok_status=201,
    )


def _default_response(
    call: Call,
    from_type: ObjectType,
    to_type: ObjectType,
    outcomes: Sequence[SetResult | AssocdbError],
) -> Response:
    done, failed = _split(outcomes)
    spec = _default_spec(from_type, to_type)
    errors = [batch_error_item(e) for e in failed]
    # Always 200: HubSpot declares only 200 here, with optional errors in the body
    # (https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associate-records/guide),
    # and the official Node client throws on any other success code.
    return call.json(
        BatchResponseDefaultAssociation(
            status="COMPLETE",
            results=[
                PublicDefaultAssociation(IdOut(str(r.from_id)), IdOut(str(r.to_id)), spec)
                for r in done
            ],
            numErrors=len(errors) if errors else None,
            errors=errors or None,
            startedAt=iso_ms(call.started_ms),
            completedAt=iso_ms(now_ms()),
        )
    )


async def batch_associate_default(call: Call) -> Response:
    """Add the unlabeled type to each pair, keeping its labels.

    HubSpot: https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associate-records/guide
    """
    body = await call.body(BatchDefaultRequest)
    _check_count(len(body.inputs), MAX_BATCH_WRITE_INPUTS, "associate")
    inputs = [
        CreateInput(parse_object_id(i.from_.id, "from.id"), parse_object_id(i.to.id, "to.id"))
        for i in body.inputs
    ]
    from_type, to_type = call.types["fromObjectType"], call.types["toObjectType"]
    outcomes = await call.services.associations.set_types(
        call.portal_id, from_type, to_type, inputs, replace=False
    )
    return _default_response(call, from_type, to_type, outcomes)


def _archived(call: Call, versioned: bool) -> Response:
    """v4 answers 204; the 2026-03 paths answer 200 with an empty batch.

    HubSpot: https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associate-records/guide
    https://developers.hubspot.com/docs/api-reference/2026-03/crm/associations/associate-records/batch/create-associations-labeled
    """
    if not versioned:
        return Response(status_code=204)
    return empty_batch(call)


async def _batch_archive(call: Call, versioned: bool) -> Response:
    body = await call.body(BatchArchiveRequest)
    _check_count(len(body.inputs), MAX_BATCH_WRITE_INPUTS, "archive")
    pairs = [
        (parse_object_id(i.from_.id, "from.id"), parse_object_id(t.id, "to.id"))
        for i in body.inputs
        for t in i.to
    ]
    await call.services.associations.archive_pairs(
        call.portal_id, call.types["fromObjectType"], call.types["toObjectType"], pairs
    )
    return _archived(call, versioned)


async def _batch_archive_labels(call: Call, versioned: bool) -> Response:
    body = await call.body(BatchCreateRequest)
    _check_count(len(body.inputs), MAX_BATCH_WRITE_INPUTS, "archive")
    inputs = _create_inputs(body)
    await call.services.associations.remove_types(
        call.portal_id, call.types["fromObjectType"], call.types["toObjectType"], inputs
    )
    return _archived(call, versioned)


async def batch_archive(call: Call) -> Response:
    return await _batch_archive(call, versioned=False)


async def batch_archive_versioned(call: Call) -> Response:
    return await _batch_archive(call, versioned=True)


async def batch_archive_labels(call: Call) -> Response:
    return await _batch_archive_labels(call, versioned=False)


async def batch_archive_labels_versioned(call: Call) -> Response:
    return await _batch_archive_labels(call, versioned=True)


def _single(outcomes: Sequence[SetResult | AssocdbError]) -> SetResult:
    """The one result of a per-record write; its error becomes the whole answer."""
    (outcome,) = outcomes
    if isinstance(outcome, AssocdbError):
        raise outcome
    return outcome


async def put_labels(call: Call) -> Response:
    """201 + Location + LabelsBetweenObjectPair; the body sets the pair's labels (1.7)."""
    specs = await call.body(list[AssociationSpec])
    from_type, to_type = call.types["objectType"], call.types["toObjectType"]
    item = CreateInput(call.path_id("objectId"), call.path_id("toObjectId"), _refs(specs))
    result = _single(
        await call.services.associations.set_types(
            call.portal_id, from_type, to_type, [item], replace=True
        )
    )
    response = call.json(_pair_body(from_type, to_type, result), 201)
    response.headers["location"] = str(call.request.url.replace(query=""))
    return response


async def put_default(call: Call) -> Response:
    """200 with a one-result batch body.

    HubSpot: https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associate-records/guide
    """
    from_type, to_type = call.types["fromObjectType"], call.types["toObjectType"]
    item = CreateInput(call.path_id("fromObjectId"), call.path_id("toObjectId"))
    outcomes = await call.services.associations.set_types(
        call.portal_id, from_type, to_type, [item], replace=False
    )
    _single(outcomes)
    return _default_response(call, from_type, to_type, outcomes)


async def delete_pair(call: Call) -> Response:
    """204, also when nothing was associated ([inferred] idempotent).

    HubSpot: https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associate-records/guide
    """
    pair = (call.path_id("objectId"), call.path_id("toObjectId"))
    await call.services.associations.archive_pairs(
        call.portal_id, call.types["objectType"], call.types["toObjectType"], [pair]
    )
    return Response(status_code=204)
