"""Legacy v3 associations (https://developers.hubspot.com/docs/api/crm/associations/v3):
``/crm/v3/associations/{from}/{to}/batch/read|create|archive`` and ``.../types``.

Wire types, handlers and routes of the resource side by side. Thin: decode → domain → render.
"""

from __future__ import annotations

from msgspec import Struct, field
from starlette.responses import Response

from assocdb.domain.associations import ReadInput
from assocdb.domain.associations_v3 import V3Association, V3Associations, V3Page
from assocdb.errors import AssocdbError, ValidationError
from assocdb.http.call import Call, parse_object_id
from assocdb.http.errors import batch_error_item
from assocdb.http.operation import Operation
from assocdb.http.render import batch_answer
from assocdb.http.schemas import BatchErrorItem, IdText, NextPage, Paging

__all__ = ["OPERATIONS"]

MAX_BATCH_INPUTS = 1000
"""The v3 batch endpoints share the v4 bound: at most 1,000 inputs read, 2,000 written
(https://developers.hubspot.com/docs/api/crm/associations/v3 names no lower limit)."""
MAX_BATCH_WRITE_INPUTS = 2000


# -- wire types ------------------------------------------------------------------------


class ObjectIdIn(Struct, forbid_unknown_fields=False):
    id: IdText
    # Not in the v3 schema, but its description says "the 'after' field in a returned paging
    # object can be added alongside the 'id' to retrieve the next page".
    after: str | None = None


class BatchReadV3(Struct):
    inputs: list[ObjectIdIn]


class AssociationIn(Struct, forbid_unknown_fields=False):
    from_: ObjectIdIn = field(name="from")
    to: ObjectIdIn
    type: str


class BatchWriteV3(Struct):
    inputs: list[AssociationIn]


class IdWire(Struct):
    id: str


class AssociatedIdWire(Struct):
    id: str
    type: str


class AssociationMultiWire(Struct, omit_defaults=True):
    from_: IdWire = field(name="from")
    to: list[AssociatedIdWire] = field(default_factory=list)
    paging: Paging | None = None


class AssociationWire(Struct):
    from_: IdWire = field(name="from")
    to: IdWire
    type: str


class BatchResponseMulti(Struct):
    status: str
    results: list[AssociationMultiWire]
    startedAt: str
    completedAt: str


class BatchResponseMultiWithErrors(Struct):
    status: str
    results: list[AssociationMultiWire]
    numErrors: int
    errors: list[BatchErrorItem]
    startedAt: str
    completedAt: str


class BatchResponseAssociation(Struct):
    status: str
    results: list[AssociationWire]
    startedAt: str
    completedAt: str


class BatchResponseAssociationWithErrors(Struct):
    status: str
    results: list[AssociationWire]
    numErrors: int
    errors: list[BatchErrorItem]
    startedAt: str
    completedAt: str


class TypeDefinitionWire(Struct):
    id: str
    name: str


class CollectionResponseTypes(Struct):
    results: list[TypeDefinitionWire]


# -- handlers --------------------------------------------------------------------------


def _service(call: Call) -> V3Associations:
    return V3Associations(call.services.store, call.services.associations)


def _check_count(count: int, limit: int) -> None:
    if count > limit:
        raise ValidationError(
            f"Too many inputs: {count}. This batch accepts at most {limit} inputs.",
            context={"inputs": [str(count)]},
        )


def _multi(page: V3Page) -> AssociationMultiWire:
    paging = Paging(NextPage(page.next_after)) if page.next_after is not None else None
    return AssociationMultiWire(
        IdWire(str(page.from_id)),
        [AssociatedIdWire(str(to_id), name) for to_id, name in page.to],
        paging,
    )


async def batch_read(call: Call) -> Response:
    body = await call.body(BatchReadV3)
    _check_count(len(body.inputs), MAX_BATCH_INPUTS)
    inputs = [ReadInput(parse_object_id(i.id, "id"), i.after or None) for i in body.inputs]
    outcomes = await _service(call).batch_read(
        call.portal_id, call.types["fromObjectType"], call.types["toObjectType"], inputs
    )
    results = [_multi(o) for o in outcomes if not isinstance(o, AssocdbError)]
    errors = [batch_error_item(o) for o in outcomes if isinstance(o, AssocdbError)]
    return batch_answer(call, results, errors, BatchResponseMulti, BatchResponseMultiWithErrors)


def _inputs(body: BatchWriteV3) -> list[V3Association]:
    return [
        V3Association(
            parse_object_id(i.from_.id, "from.id"), parse_object_id(i.to.id, "to.id"), i.type
        )
        for i in body.inputs
    ]


async def batch_create(call: Call) -> Response:
    """201, or 207 with the inputs that failed (unknown type, missing record, limit)."""
    body = await call.body(BatchWriteV3)
    _check_count(len(body.inputs), MAX_BATCH_WRITE_INPUTS)
    outcomes = await _service(call).create(
        call.portal_id, call.types["fromObjectType"], call.types["toObjectType"], _inputs(body)
    )
    results = [
        AssociationWire(IdWire(str(o.from_id)), IdWire(str(o.to_id)), o.type)
        for o in outcomes
        if isinstance(o, V3Association)
    ]
    errors = [batch_error_item(o) for o in outcomes if isinstance(o, AssocdbError)]
    return batch_answer(
        call,
        results,
        errors,
        BatchResponseAssociation,
        BatchResponseAssociationWithErrors,
        ok_status=201,
    )


async def batch_archive(call: Call) -> Response:
    """204, also for pairs that were not associated (as v4's archive)."""
    body = await call.body(BatchWriteV3)
    _check_count(len(body.inputs), MAX_BATCH_WRITE_INPUTS)
    await _service(call).archive(
        call.portal_id, call.types["fromObjectType"], call.types["toObjectType"], _inputs(body)
    )
    return Response(status_code=204)


async def list_types(call: Call) -> Response:
    definitions = await _service(call).types(
        call.portal_id, call.types["fromObjectType"], call.types["toObjectType"]
    )
    return call.json(
        CollectionResponseTypes([TypeDefinitionWire(str(d.key[1]), d.name) for d in definitions])
    )


_PAIR = "/crm/v3/associations/{fromObjectType}/{toObjectType}"
_TAG = "Associations (v3)"

OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "POST",
        _PAIR + "/batch/read",
        batch_read,
        "v3_batch_read",
        "Read associations (v3): one named type per association",
        _TAG,
        request=BatchReadV3,
        batch_limit=MAX_BATCH_INPUTS,
        responses={200: BatchResponseMulti, 207: BatchResponseMultiWithErrors},
    ),
    Operation(
        "POST",
        _PAIR + "/batch/create",
        batch_create,
        "v3_batch_create",
        "Create associations of a named type (v3)",
        _TAG,
        access="write",
        request=BatchWriteV3,
        batch_limit=MAX_BATCH_WRITE_INPUTS,
        responses={201: BatchResponseAssociation, 207: BatchResponseAssociationWithErrors},
    ),
    Operation(
        "POST",
        _PAIR + "/batch/archive",
        batch_archive,
        "v3_batch_archive",
        "Remove associations of a named type (v3)",
        _TAG,
        access="write",
        request=BatchWriteV3,
        batch_limit=MAX_BATCH_WRITE_INPUTS,
        responses={204: None},
    ),
    Operation(
        "GET",
        _PAIR + "/types",
        list_types,
        "v3_association_types",
        "The association types between two object types, by v3 name",
        _TAG,
        responses={200: CollectionResponseTypes},
    ),
)
