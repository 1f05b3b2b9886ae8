"""Search handlers: ``POST /crm/v3/objects/{objectType}/search`` and the 2026-03 path
(docs/search.md). Thin: bound the body, decode, one domain call, render."""

from __future__ import annotations

from starlette.responses import Response

from assocdb.domain.models import CrmObject
from assocdb.domain.objects import date_properties
from assocdb.domain.objecttypes import ObjectType
from assocdb.domain.search import MAX_QUERY_CHARS, FilterInput, SearchInput, SearchPage
from assocdb.errors import ValidationError
from assocdb.http.call import Call
from assocdb.http.crm.body import read_body
from assocdb.http.crm.search_schemas import (
    FilterWire,
    SearchRequest,
    SearchResponse,
    SortWire,
)
from assocdb.http.operation import Operation
from assocdb.http.render import iso_ms
from assocdb.http.schemas import NextPage, Paging
from assocdb.http.schemas_objects import SimplePublicObject

__all__ = ["OPERATIONS", "render_page"]


def _text(value: object) -> str | None:
    """Filter values as HubSpot reads them: text; JSON numbers and booleans as their text."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _filter(f: FilterWire) -> FilterInput:
    values = None if f.values is None else tuple(str(_text(v)) for v in f.values)
    return FilterInput(f.propertyName, f.operator, _text(f.value), _text(f.highValue), values)


def _sort(sort: str | SortWire) -> tuple[str, bool]:
    """Both forms HubSpot takes: ``{"propertyName", "direction"}`` and a string, where a
    leading ``-`` means descending (the search guide's "Sorting")."""
    if isinstance(sort, SortWire):
        return sort.propertyName, sort.direction.upper() == "DESCENDING"
    return (sort[1:], True) if sort.startswith("-") else (sort, False)


def _input(body: SearchRequest) -> SearchInput:
    return SearchInput(
        filter_groups=tuple(tuple(_filter(f) for f in g.filters) for g in body.filterGroups),
        query=body.query,
        sorts=tuple(_sort(s) for s in body.sorts),
        properties=tuple(body.properties) if body.properties is not None else None,
        limit=body.limit,
        after=None if body.after in (None, "") else str(body.after),
    )


async def _body(call: Call) -> SearchRequest:
    """The body as every endpoint reads it (415/413/400s from ``Call.body``), then at most
    3,000 characters (the search guide's limitations; HubSpot answers a larger search
    request with a 400)."""
    body, length = await read_body(call, SearchRequest)
    if length > MAX_QUERY_CHARS:
        raise ValidationError(
            f"The search request is too long: {length} characters, at most {MAX_QUERY_CHARS}.",
            context={"length": [str(length)]},
        )
    return body


def _record(
    obj: CrmObject, names: tuple[str, ...], created: str, modified: str
) -> SimplePublicObject:
    created_at, updated_at = iso_ms(obj.created_at_ms), iso_ms(obj.updated_at_ms)
    computed = {"hs_object_id": str(obj.object_id), created: created_at, modified: updated_at}
    values = obj.properties
    return SimplePublicObject(
        id=computed["hs_object_id"],
        properties={n: computed[n] if n in computed else values.get(n) for n in names},
        createdAt=created_at,
        updatedAt=updated_at,
        archived=False,
    )


def render_page(page: SearchPage, object_type: ObjectType) -> SearchResponse:
    """The response body of a search page (public: bench/search.py times it)."""
    created, modified = date_properties(object_type)
    results = [_record(o, page.names, created, modified) for o in page.records]
    paging = Paging(NextPage(page.next_after)) if page.next_after is not None else None
    return SearchResponse(page.total, results, paging)


async def search(call: Call) -> Response:
    object_type = call.types["objectType"]
    await call.request.app.state.rate_limiter.admit_search(call.portal_id)
    body = await _body(call)
    page = await call.services.search.search(call.portal_id, object_type, _input(body))
    return call.json(render_page(page, object_type))


OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "POST",
        "/crm/v3/objects/{objectType}/search",
        search,
        "objects_search",
        "Search records: filter groups, text query, sorts, keyset paging",
        "Search",
        request=SearchRequest,
        responses={200: SearchResponse},
    ),
)
"""Served under /crm/v3/objects and /crm/objects/2026-03 (``http.routes.SEARCH``)."""
