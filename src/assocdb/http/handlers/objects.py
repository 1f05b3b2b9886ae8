"""CRM objects v3 endpoints, under ``/crm/v3/objects`` and the date-versioned
``/crm/objects/2026-03``. Thin: decode → domain → render.
HubSpot: https://developers.hubspot.com/docs/guides/api/crm/using-object-apis

The official Node client throws on any other success code than the one HubSpot
declares: create 201, getById/getPage/update 200, archive 204; batch create 201/207,
batch read and update 200/207, batch archive 204.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.responses import Response

from assocdb.domain.associations import TypeRef
from assocdb.domain.history import (
    MAX_HISTORY_BATCH_INPUTS,
    MAX_HISTORY_PAGE,
    SOURCE_CALCULATED,
    PropertyVersion,
)
from assocdb.domain.id_property import by_record_id, resolve_ids
from assocdb.domain.models import CrmObject
from assocdb.domain.objects import (
    MAX_BATCH_INPUTS,
    AssociatedId,
    AssociationInput,
    NewObject,
    ObjectUpdate,
    Record,
    computed_properties,
    date_properties,
    history_property_names,
    object_not_found,
    objects_not_found,
    read_property_names,
)
from assocdb.domain.objecttypes import ObjectType, resolve_object_type
from assocdb.domain.registry import Category
from assocdb.errors import AssocdbError, ValidationError
from assocdb.http.call import Call, parse_object_id, query_limit
from assocdb.http.errors import batch_error_item
from assocdb.http.render import batch_answer, iso_ms
from assocdb.http.schemas import AssociationSpec, NextPage, Paging
from assocdb.http.schemas_objects import (
    AssociatedId as AssociatedIdWire,
)
from assocdb.http.schemas_objects import (
    BatchArchiveObjects,
    BatchCreateObjects,
    BatchReadObjects,
    BatchResponseObjects,
    BatchResponseObjectsWithErrors,
    BatchUpdateObjects,
    CollectionResponseAssociatedId,
    CollectionResponseObjects,
    ObjectCreate,
    ObjectUpdateBody,
    PropertyValue,
    SimplePublicObject,
    ValueWithTimestamp,
)

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "archive",
    "batch_archive",
    "batch_create",
    "batch_read",
    "batch_update",
    "create",
    "get_by_id",
    "get_page",
    "update",
]

DEFAULT_LIMIT = 10
MAX_LIMIT = 100
"""``GET /crm/v3/objects/{type}``: default page 10 (spec), at most 100 (larger values are
clamped [inferred])."""


# -- decoding ------------------------------------------------------------------------------


def _text(value: PropertyValue) -> str | None:
    """A property value as HubSpot stores it: text; numbers and booleans become text."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return str(value)


def _properties(raw: dict[str, PropertyValue]) -> dict[str, str | None]:
    return {name: _text(value) for name, value in raw.items()}


def _refs(specs: Sequence[AssociationSpec]) -> tuple[TypeRef, ...]:
    return tuple(
        (Category[s.associationCategory] if s.associationCategory else None, s.associationTypeId)
        for s in specs
    )


def _new_object(body: ObjectCreate) -> NewObject:
    return NewObject(
        _properties(body.properties),
        tuple(
            AssociationInput(parse_object_id(a.to.id, "to.id"), _refs(a.types))
            for a in body.associations or ()
        ),
    )


def _query_list(call: Call, name: str) -> list[str] | None:
    """A list query parameter, repeated (``a=x&a=y``, Python client) or comma-separated
    (``a=x,y``, hubspot-sdk), or both; None when absent."""
    values = call.request.query_params.getlist(name)
    parts = [part.strip() for value in values for part in value.split(",") if part.strip()]
    return parts or None


def _flag(call: Call, name: str) -> bool:
    return call.request.query_params.get(name, "").strip().lower() == "true"


def _read_names(
    object_type: ObjectType, properties: list[str] | None, history: Sequence[str]
) -> tuple[str, ...]:
    """``properties`` of a read; without it, a read with ``propertiesWithHistory`` returns
    those properties instead of the type's defaults (a real answer to
    ``?propertiesWithHistory=is_verified`` has only it and the computed ones,
    hubspot-api-nodejs issue #154)."""
    return read_property_names(object_type, properties or (list(history) if history else None))


def _check_history_count(count: int, history: Sequence[str]) -> None:
    """Batch read with ``propertiesWithHistory``: at most 50 inputs, HubSpot's wording
    (PipedreamHQ/pipedream PR #8462; domain/history.py)."""
    if history and count > MAX_HISTORY_BATCH_INPUTS:
        raise ValidationError(
            "The maximum number of inputs supported in a batch request for property histories"
            f" is {MAX_HISTORY_BATCH_INPUTS}. Please reduce the number of items and try again",
            context={"inputs": [str(count)]},
        )


def _check_count(count: int) -> None:
    """Object batches take at most 100 inputs (https://developers.hubspot.com/docs/guides/api/crm/using-object-apis).
    HubSpot's wording for the property-history variant of this limit, with its number
    (public PR activepieces/activepieces#9359)."""
    if count > MAX_BATCH_INPUTS:
        raise ValidationError(
            f"The maximum number of inputs supported in a batch request is {MAX_BATCH_INPUTS}."
            " Please reduce the number of items and try again",
            context={"inputs": [str(count)]},
        )


def _association_types(call: Call) -> list[ObjectType]:
    """``?associations=``: types that do not resolve, or that the token may not read, are
    ignored ("If any of the specified associations do not exist, they will be ignored")."""
    found: dict[str, ObjectType] = {}
    for name in _query_list(call, "associations") or ():
        try:
            to_type = resolve_object_type(name)
        except ValidationError:
            continue
        if call.principal.has_any(to_type.read_scopes):
            found.setdefault(to_type.type_id, to_type)
    return list(found.values())


# -- rendering ----------------------------------------------------------------------------


def _all_properties(obj: CrmObject, object_type: ObjectType) -> dict[str, str | None]:
    created, modified = date_properties(object_type)
    values: dict[str, str | None] = dict(obj.properties)
    values["hs_object_id"] = str(obj.object_id)
    values[created] = iso_ms(obj.created_at_ms)
    values[modified] = iso_ms(obj.updated_at_ms)
    return values


def _history(
    obj: CrmObject,
    object_type: ObjectType,
    names: Sequence[str],
    versions: dict[str, list[PropertyVersion]],
) -> dict[str, list[ValueWithTimestamp]]:
    """``propertiesWithHistory``: each asked property the record has, newest first. A
    computed property has one version, its current value, set at creation (the
    modification date: at the last write) [inferred]."""
    computed = computed_properties(object_type)
    modified = date_properties(object_type)[1]
    values = _all_properties(obj, object_type)
    block: dict[str, list[ValueWithTimestamp]] = {}
    for name in names:
        if name in computed:
            at = obj.updated_at_ms if name == modified else obj.created_at_ms
            block[name] = [ValueWithTimestamp(str(values[name]), iso_ms(at), SOURCE_CALCULATED)]
        elif name in versions:
            block[name] = [
                ValueWithTimestamp(v.value, iso_ms(v.timestamp_ms), v.source_type)
                for v in versions[name]
            ]
    return block


def _object(
    obj: CrmObject,
    object_type: ObjectType,
    names: Sequence[str] | None = None,
    *,
    archived_at_ms: int | None = None,
    associations: dict[str, list[AssociatedId]] | None = None,
    trace_id: str | None = None,
    history: dict[str, list[ValueWithTimestamp]] | None = None,
) -> SimplePublicObject:
    """A record on the wire: every property it has (writes), or ``names``, unset ones as
    null (reads) [inferred]."""
    values = _all_properties(obj, object_type)
    properties = (
        {name: values[name] for name in sorted(values)}
        if names is None
        else {name: values.get(name) for name in names}
    )
    return SimplePublicObject(
        id=str(obj.object_id),
        properties=properties,
        createdAt=iso_ms(obj.created_at_ms),
        updatedAt=iso_ms(obj.updated_at_ms),
        archived=archived_at_ms is not None,
        archivedAt=iso_ms(archived_at_ms) if archived_at_ms is not None else None,
        associations=(
            {
                key: CollectionResponseAssociatedId(
                    [AssociatedIdWire(str(a.to_id), a.type) for a in entries]
                )
                for key, entries in associations.items()
            }
            if associations
            else None
        ),
        propertiesWithHistory=history,
        objectWriteTraceId=trace_id,
    )


async def _histories(
    call: Call, object_type: ObjectType, records: Sequence[Record], names: Sequence[str]
) -> dict[int, dict[str, list[ValueWithTimestamp]]] | None:
    """Each record's ``propertiesWithHistory`` block (one storage read for them all); None
    when the request asks for no history (the field is then left out)."""
    if not names:
        return None
    versions = await call.services.objects.history(call.portal_id, object_type, records, names)
    return {
        r.obj.object_id: _history(r.obj, object_type, names, versions.get(r.obj.object_id, {}))
        for r in records
    }


def _batch(
    call: Call, results: list[SimplePublicObject], errors: Sequence[AssocdbError], ok: int
) -> Response:
    """The batch envelope: ``ok`` when every input succeeded, else 207.

    HubSpot: https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associate-records/guide
    """
    return batch_answer(
        call,
        results,
        [batch_error_item(e) for e in errors],
        BatchResponseObjects,
        BatchResponseObjectsWithErrors,
        ok_status=ok,
    )


def _next_link(call: Call, after: int) -> str:
    """The request's own URL with the next ``after`` (the link is deprecated).

    HubSpot: https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associate-records/guide
    """
    return str(call.request.url.include_query_params(after=str(after)))


# -- handlers -----------------------------------------------------------------------------


async def create(call: Call) -> Response:
    """201 with the new record; associations are validated first.

    HubSpot: https://developers.hubspot.com/docs/guides/api/crm/using-object-apis
    """
    body = await call.body(ObjectCreate)
    object_type = call.types["objectType"]
    (outcome,) = await call.services.objects.create(
        call.portal_id, object_type, [_new_object(body)], call.services.associations
    )
    if isinstance(outcome, AssocdbError):
        raise outcome
    return call.json(_object(outcome, object_type, trace_id=body.objectWriteTraceId), 201)


async def get_by_id(call: Call) -> Response:
    object_type = call.types["objectType"]
    record = await call.services.objects.get(
        call.portal_id,
        object_type,
        await _path_id(call, object_type),
        archived=_flag(call, "archived"),
    )
    history_names = history_property_names(_query_list(call, "propertiesWithHistory"))
    names = _read_names(object_type, _query_list(call, "properties"), history_names)
    block = await call.services.objects.associated_ids(
        call.portal_id, object_type, record.obj.object_id, _association_types(call)
    )
    histories = await _histories(call, object_type, [record], history_names)
    return call.json(
        _object(
            record.obj,
            object_type,
            names,
            archived_at_ms=record.archived_at_ms,
            associations=block,
            history=histories[record.obj.object_id] if histories else None,
        )
    )


async def get_page(call: Call) -> Response:
    """Keyset pages by id; ``after`` is the first id of the next page.

    HubSpot: https://developers.hubspot.com/docs/guides/api/crm/using-object-apis
    """
    object_type = call.types["objectType"]
    query = call.request.query_params
    history_names = history_property_names(_query_list(call, "propertiesWithHistory"))
    names = _read_names(object_type, _query_list(call, "properties"), history_names)
    # With history a page holds at most 50 records (domain/history.py: MAX_HISTORY_PAGE).
    most = MAX_HISTORY_PAGE if history_names else MAX_LIMIT
    page = await call.services.objects.list_page(
        call.portal_id,
        object_type,
        query.get("after") or None,
        query_limit(query.get("limit"), DEFAULT_LIMIT, most),
        archived=_flag(call, "archived"),
    )
    histories = await _histories(call, object_type, page.records, history_names)
    to_types = _association_types(call)
    results = []
    for record in page.records:
        block = await call.services.objects.associated_ids(
            call.portal_id, object_type, record.obj.object_id, to_types
        )
        results.append(
            _object(
                record.obj,
                object_type,
                names,
                archived_at_ms=record.archived_at_ms,
                associations=block,
                history=histories[record.obj.object_id] if histories else None,
            )
        )
    paging = None
    if page.next_after is not None:
        paging = Paging(NextPage(str(page.next_after), _next_link(call, page.next_after)))
    return call.json(CollectionResponseObjects(results, paging))


async def update(call: Call) -> Response:
    """200 with the updated record; a missing record is a 404."""
    body = await call.body(ObjectUpdateBody)
    object_type = call.types["objectType"]
    obj = await call.services.objects.update(
        call.portal_id,
        object_type,
        await _path_id(call, object_type),
        _properties(body.properties),
    )
    return call.json(_object(obj, object_type))


async def archive(call: Call) -> Response:
    """204; the record's associations go with it. A record that does not exist is a 204
    too: HubSpot's archive is idempotent (n8n-io/n8n PR #3219 comment of 2022-05-31)."""
    object_type = call.types["objectType"]
    if by_record_id(call.request.query_params.get("idProperty")):
        ids = [call.path_id("objectId")]
    else:
        raw = call.request.path_params["objectId"]
        ids = list((await _lookup(call, object_type, _id_property(call), [raw])).values())
    await call.services.objects.archive(call.portal_id, object_type, ids)
    return Response(status_code=204)


async def batch_create(call: Call) -> Response:
    """201, or 207 naming the inputs that failed (they are not created)."""
    body = await call.body(BatchCreateObjects)
    _check_count(len(body.inputs))
    object_type = call.types["objectType"]
    outcomes = await call.services.objects.create(
        call.portal_id,
        object_type,
        [_new_object(i) for i in body.inputs],
        call.services.associations,
    )
    results = [
        _object(o, object_type, trace_id=i.objectWriteTraceId)
        for i, o in zip(body.inputs, outcomes, strict=True)
        if isinstance(o, CrmObject)
    ]
    errors = [o for o in outcomes if isinstance(o, AssocdbError)]
    return _batch(call, results, errors, 201)


async def batch_read(call: Call) -> Response:
    """200, or 207 with one OBJECT_NOT_FOUND error listing every id that is not a record
    (observed in HubSpot's responses).

    HubSpot: https://developers.hubspot.com/docs/guides/api/crm/using-object-apis
    """
    body = await call.body(BatchReadObjects)
    _check_count(len(body.inputs))
    history_names = history_property_names(body.propertiesWithHistory)
    _check_history_count(len(body.inputs), history_names)
    object_type = call.types["objectType"]
    raw_ids = [str(i.id) for i in body.inputs]
    if by_record_id(body.idProperty):
        records, missing = await call.services.objects.read_many(
            call.portal_id, object_type, raw_ids, archived=_flag(call, "archived")
        )
    else:
        records, missing = await _read_by_value(call, object_type, body.idProperty, raw_ids)
    names = _read_names(object_type, body.properties or None, history_names)
    histories = await _histories(call, object_type, records, history_names)
    results = [
        _object(
            r.obj,
            object_type,
            names,
            archived_at_ms=r.archived_at_ms,
            history=histories[r.obj.object_id] if histories else None,
        )
        for r in records
    ]
    return _batch(call, results, [missing] if missing else [], 200)


async def batch_update(call: Call) -> Response:
    """200, or 207 with one OBJECT_NOT_FOUND error for the ids that are not records."""
    body = await call.body(BatchUpdateObjects)
    _check_count(len(body.inputs))
    object_type = call.types["objectType"]
    found: dict[tuple[str | None, str], int] = {}
    for name in dict.fromkeys(i.idProperty for i in body.inputs if not by_record_id(i.idProperty)):
        values = [str(i.id) for i in body.inputs if i.idProperty == name]
        held = await _lookup(call, object_type, name, values)
        found.update({(name, v): i for v, i in held.items()})
    inputs = [
        (
            str(i.id),
            _maybe_id(i.id) if by_record_id(i.idProperty) else found.get((i.idProperty, str(i.id))),
            i,
        )
        for i in body.inputs
    ]
    updates = [
        ObjectUpdate(object_id, _properties(i.properties), i.objectWriteTraceId)
        for _, object_id, i in inputs
        if object_id is not None
    ]
    updated = await call.services.objects.update_many(call.portal_id, object_type, updates)
    traces = {u.object_id: u.trace_id for u in updates}
    results = [_object(o, object_type, trace_id=traces[o.object_id]) for o in updated]
    done = {o.object_id for o in updated}
    failed = [(raw, i) for raw, object_id, i in inputs if object_id not in done]
    errors: list[AssocdbError] = []
    if failed:
        ids = [raw for raw, _ in failed]
        trace_ids = [i.objectWriteTraceId for _, i in failed if i.objectWriteTraceId]
        errors.append(objects_not_found(object_type, ids, trace_ids))
    return _batch(call, results, errors, 200)


async def batch_archive(call: Call) -> Response:
    """204, whether or not the records existed ([inferred] as for a single archive).

    HubSpot: https://developers.hubspot.com/docs/guides/api/crm/using-object-apis
    """
    body = await call.body(BatchArchiveObjects)
    _check_count(len(body.inputs))
    ids = [parse_object_id(i.id, "id") for i in body.inputs]
    await call.services.objects.archive(call.portal_id, call.types["objectType"], ids)
    return Response(status_code=204)


def _maybe_id(value: str | int) -> int | None:
    try:
        return parse_object_id(value)
    except ValidationError:
        return None


def _id_property(call: Call) -> str | None:
    return call.request.query_params.get("idProperty") or None


async def _lookup(
    call: Call, object_type: ObjectType, id_property: str | None, values: Sequence[str]
) -> dict[str, int]:
    return await resolve_ids(
        call.services.objects,
        call.services.properties,
        call.portal_id,
        object_type,
        id_property,
        values,
    )


async def _path_id(call: Call, object_type: ObjectType) -> str:
    """The record id of the path: the path's text itself, or (``?idProperty=email``) the
    id of the record holding that value; a value no record holds is the usual 404 naming
    it (never read as a record id: an email can be all digits)."""
    raw: str = call.request.path_params["objectId"]
    name = _id_property(call)
    if by_record_id(name):
        return raw
    found = await _lookup(call, object_type, name, [raw])
    if raw not in found:
        raise object_not_found(raw)
    return str(found[raw])


async def _read_by_value(
    call: Call, object_type: ObjectType, id_property: str | None, values: Sequence[str]
) -> tuple[list[Record], AssocdbError | None]:
    """Batch read by ``idProperty``: the records holding the values, in input order, and
    one OBJECT_NOT_FOUND error naming (as sent) every value no record holds."""
    found = await _lookup(call, object_type, id_property, values)
    records, _ = await call.services.objects.read_many(
        call.portal_id,
        object_type,
        [str(found[v]) for v in values if v in found],
        archived=_flag(call, "archived"),
    )
    read = {r.obj.object_id for r in records}
    missing = [v for v in dict.fromkeys(values) if found.get(v) not in read]
    return records, (objects_not_found(object_type, missing) if missing else None)
