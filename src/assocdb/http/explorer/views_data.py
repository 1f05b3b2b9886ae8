"""Explorer views of a portal's data: portals, records, a record and its associations, and
the association graph. Every read goes through the domain services, scoped by the portal
of the URL: a record id of another portal is simply not found."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from assocdb.domain.associations import MAX_LIST_LIMIT, Page
from assocdb.domain.explorer import TypeCount
from assocdb.domain.models import CrmObject
from assocdb.domain.objects import ObjectService
from assocdb.domain.objecttypes import STANDARD_TYPES, ObjectType, resolve_object_type
from assocdb.domain.registry import Category, defined_pair
from assocdb.errors import ValidationError
from assocdb.http.explorer.common import (
    BASE,
    explorer,
    int_param,
    object_type,
    path_id,
    portal,
    services,
    view,
)
from assocdb.http.explorer.records import (
    FILTER_OPERATORS,
    MAX_FILTER_ROWS,
    PAGE_SIZES,
    Found,
    RecordFinder,
    RowFilter,
    Sort,
    default_columns,
    property_names,
    title_of,
)
from assocdb.http.explorer.templating import SECURITY_HEADERS, render
from assocdb.http.ratelimit import Budget, RateLimiter

__all__ = [
    "associations_page",
    "budget",
    "graph_data",
    "graph_page",
    "portal_page",
    "portals_page",
    "record_page",
    "records_page",
]

ASSOCIATION_PAGE_SIZES = (10, 25, 100, MAX_LIST_LIMIT)
GRAPH_CAP = 12
"""Neighbours of one type drawn per expansion; a "more" node fetches the next ones."""
_MAX_COLUMNS = 12


def when(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def record_url(portal_id: int, type_id: str, object_id: int) -> str:
    return f"{BASE}/portals/{portal_id}/objects/{type_id}/{object_id}"


# -- portals ------------------------------------------------------------------------------


@view
async def portals_page(request: Request) -> Response:
    after = int_param(request, "after", 0)
    summaries, next_after = await explorer(request).portals(after)
    limiter: RateLimiter = request.app.state.rate_limiter
    policies = {s.portal.portal_id: await limiter.policy_for(s.portal.portal_id) for s in summaries}
    context = {"summaries": summaries, "next_after": next_after, "policies": policies}
    return render(request, "portals.html", context)


async def _budget(request: Request, portal_id: int) -> Budget | None:
    limiter: RateLimiter = request.app.state.rate_limiter
    return await limiter.budget(portal_id)


@view
async def portal_page(request: Request) -> Response:
    found = await portal(request)
    service = explorer(request)
    summary = await service.summary(found)
    labels = await service.labels(found.portal_id)
    svc = services(request)
    # Same order in both: (from type, to type, category, typeId); the view adds the label.
    limits = list(
        zip(
            await svc.store.list_all_limits(found.portal_id),
            await svc.limits.list_all(found.portal_id),
            strict=True,
        )
    )
    left = await _budget(request, found.portal_id)
    context = {
        "portal": found,
        "summary": summary,
        "labels": labels,
        "limits": limits,
        "budget": left,
        "types": _browsable(summary.records),
        "names": {t.type_id: t.plural for t in STANDARD_TYPES},
    }
    return render(request, "portal.html", context)


def _browsable(counted: list[TypeCount]) -> list[ObjectType]:
    """The portal's types with records first, then the other standard ones."""
    seen = [c.object_type for c in counted]
    return seen + [t for t in STANDARD_TYPES[:4] if t not in seen]


@view
async def budget(request: Request) -> Response:
    """The rate-limit budget fragment, polled while the portal page is open."""
    found = await portal(request)
    left = await _budget(request, found.portal_id)
    return render(request, "_budget.html", {"budget": left, "portal": found})


# -- records ------------------------------------------------------------------------------


def _columns(request: Request, the_type: ObjectType) -> list[str]:
    chosen = [c for c in request.query_params.getlist("col") if c][:_MAX_COLUMNS]
    return chosen or list(default_columns(the_type))


def _filters(request: Request) -> list[RowFilter]:
    """The filter rows of the URL (``fp``/``fo``/``fv``, repeated in step); rows without a
    property are the form's empty row. At most ``MAX_FILTER_ROWS``; 200 characters each."""
    params = request.query_params
    names, operators, values = params.getlist("fp"), params.getlist("fo"), params.getlist("fv")
    known = {op for op, _label in FILTER_OPERATORS}
    rows = []
    for i, name in enumerate(names[:MAX_FILTER_ROWS]):
        operator = operators[i] if i < len(operators) else "EQ"
        if not name.strip():
            continue
        if operator not in known:
            raise ValidationError(f"Unknown filter operator '{operator[:40]}'.")
        value = values[i] if i < len(values) else ""
        rows.append(RowFilter(name.strip()[:200], operator, value[:200]))
    return rows


def _sort(request: Request) -> Sort | None:
    name = request.query_params.get("sort", "").strip()[:200]
    if not name:
        return None
    return Sort(name, request.query_params.get("dir", "asc") == "desc")


@view
async def records_page(request: Request) -> Response:
    found = await portal(request)
    the_type = object_type(request)
    limit = int_param(request, "limit", 25, PAGE_SIZES)
    # A cursor from a previous page (a record id, or the search API's opaque ``after``,
    # which the search service checks); 200 characters is far above either.
    after = request.query_params.get("after", "")[:200] or None
    text = request.query_params.get("q", "")[:200]
    columns = _columns(request, the_type)
    filters = _filters(request)
    sort = _sort(request)
    svc = services(request)
    finder = RecordFinder(svc.objects, svc.search)
    problem, status = None, 200
    try:
        page = await finder.find(
            found.portal_id, the_type, text, after, limit, columns, filters, sort
        )
    except ValidationError as exc:
        # The search API's 400 (unknown property, a value of the wrong type...), shown
        # beside the form that caused it rather than as an error page.
        page, problem, status = Found([], None, 0), _problem(exc), 400
    known = sorted(p.name for p in await svc.properties.all(found.portal_id, the_type))
    context = {
        "portal": found,
        "type": the_type,
        "page": page,
        "q": text,
        "limit": limit,
        "sizes": PAGE_SIZES,
        "columns": columns,
        "available": sorted({*property_names(page.records), *columns}),
        "known": known,
        "filters": filters,
        # Every row the view allows, the empty ones after the filters asked: a second
        # filter needs no reload (the form stays while htmx swaps the table).
        "filter_rows": [*filters, *[RowFilter("", "EQ")] * (MAX_FILTER_ROWS - len(filters))],
        "operators": FILTER_OPERATORS,
        "sort": sort,
        "searching": bool(text.strip() or filters or sort),
        "problem": problem,
        "title_of": title_of,
        "url": lambda obj: record_url(found.portal_id, the_type.type_id, obj.object_id),
    }
    template = "_records.html" if request.headers.get("hx-request") else "records.html"
    return render(request, template, context, status)


def _problem(exc: ValidationError) -> str:
    details = [e.message for e in exc.errors] if exc.errors else []
    return " ".join(details) or exc.message


# -- one record and its associations ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class AssociationRow:
    to_id: int
    title: str
    url: str
    labels: list[str]
    primary: bool
    types: str
    """Every (category, typeId) of the pair, for the tooltip and the tests."""


@dataclass(frozen=True, slots=True)
class AssociationGroup:
    from_type: ObjectType
    from_id: int
    to_type: ObjectType
    count: int
    rows: list[AssociationRow]
    next_after: str | None
    limit: int
    start: int


def _primary_ids(from_type: ObjectType, to_type: ObjectType) -> set[int]:
    pair = defined_pair(from_type.type_id, to_type.type_id)
    return {t.type_id for t in pair.types.values() if t.primary} if pair else set()


async def _rows(
    portal_id: int, objects: ObjectService, from_type: ObjectType, to_type: ObjectType, page: Page
) -> list[AssociationRow]:
    ids = [to_id for to_id, _ in page.to]
    records = await objects.store.get_objects(portal_id, to_type.type_id, ids) if ids else []
    by_id: dict[int, CrmObject] = {r.object_id: r for r in records}
    primary = _primary_ids(from_type, to_type)
    rows = []
    for to_id, types in page.to:
        described = page.describe(types)
        obj = by_id.get(to_id)
        rows.append(
            AssociationRow(
                to_id,
                title_of(obj) if obj else f"Record {to_id}",
                record_url(portal_id, to_type.type_id, to_id),
                [t.label for t in described if t.label],
                any(
                    t.category == Category.HUBSPOT_DEFINED and t.type_id in primary
                    for t in described
                ),
                ", ".join(f"{t.category.name} {t.type_id}" for t in described),
            )
        )
    return rows


@dataclass(frozen=True, slots=True)
class GroupPage:
    """Which page of a group: the API's cursor, its size, and the first row's position."""

    limit: int = 25
    after: str | None = None
    start: int = 1

    @classmethod
    def of(cls, request: Request) -> GroupPage:
        return cls(
            int_param(request, "limit", 25, ASSOCIATION_PAGE_SIZES),
            request.query_params.get("after") or None,
            int_param(request, "start", 1),
        )


async def _group(
    request: Request,
    portal_id: int,
    from_type: ObjectType,
    from_id: int,
    to_type: ObjectType,
    count: int,
    which: GroupPage,
) -> AssociationGroup:
    limit, after, start = which.limit, which.after, which.start
    svc = services(request)
    page = await svc.associations.list_for_object(
        portal_id, from_type, from_id, to_type, limit=limit, after=after
    )
    rows = await _rows(portal_id, svc.objects, from_type, to_type, page)
    return AssociationGroup(from_type, from_id, to_type, count, rows, page.next_after, limit, start)


@view
async def record_page(request: Request) -> Response:
    found = await portal(request)
    the_type = object_type(request)
    record = await services(request).objects.get(
        found.portal_id, the_type, str(request.path_params["objectId"])
    )
    obj = record.obj
    # Each property's versions (propertiesWithHistory), one indexed read for the record.
    versions = await services(request).objects.history(
        found.portal_id, the_type, [record], sorted(obj.properties)
    )
    counts = await explorer(request).associated_types(found.portal_id, the_type, obj.object_id)
    groups = [
        await _group(
            request, found.portal_id, the_type, obj.object_id, c.object_type, c.count, GroupPage()
        )
        for c in counts
    ]
    context = {
        "portal": found,
        "type": the_type,
        "obj": obj,
        "title": title_of(obj),
        "created": when(obj.created_at_ms),
        "updated": when(obj.updated_at_ms),
        "history": versions.get(obj.object_id, {}),
        "when": when,
        "groups": groups,
        "sizes": ASSOCIATION_PAGE_SIZES,
    }
    return render(request, "record.html", context)


@view
async def associations_page(request: Request) -> Response:
    """One page of one association group (the group's "Next" and page-size controls)."""
    found = await portal(request)
    the_type = object_type(request)
    from_id = path_id(request, "objectId")
    to_type = object_type(request, "toType")
    counts = await explorer(request).associated_types(found.portal_id, the_type, from_id)
    count = next((c.count for c in counts if c.object_type == to_type), 0)
    group = await _group(
        request, found.portal_id, the_type, from_id, to_type, count, GroupPage.of(request)
    )
    context = {"portal": found, "group": group, "sizes": ASSOCIATION_PAGE_SIZES}
    return render(request, "_group.html", context)


# -- the graph ----------------------------------------------------------------------------


@view
async def graph_page(request: Request) -> Response:
    found = await portal(request)
    the_type = object_type(request)
    record = await services(request).objects.get(
        found.portal_id, the_type, str(request.path_params["objectId"])
    )
    context = {
        "portal": found,
        "type": the_type,
        "obj": record.obj,
        "title": title_of(record.obj),
        "cap": GRAPH_CAP,
    }
    return render(request, "graph.html", context)


def _node(portal_id: int, object_type: ObjectType, object_id: int, title: str) -> dict[str, Any]:
    return {
        "data": {
            "id": f"{object_type.type_id}:{object_id}",
            "label": title,
            "kind": object_type.name,
            "type": object_type.type_id,
            "objectId": str(object_id),
            "url": record_url(portal_id, object_type.type_id, object_id),
        }
    }


def _edge(a: str, b: str, row: AssociationRow) -> dict[str, Any]:
    key = "|".join(sorted((a, b)))
    label = ", ".join(row.labels) if row.labels else ""
    return {
        "data": {
            "id": f"edge:{key}",
            "source": a,
            "target": b,
            "label": label,
            "primary": row.primary,
        }
    }


@view
async def graph_data(request: Request) -> Response:
    """Cytoscape elements: a record, up to ``GRAPH_CAP`` neighbours of each associated
    type, and a "more" node per type holding the API cursor of the next ones."""
    found = await portal(request)
    the_type = resolve_object_type(request.query_params.get("type", ""))
    from_id = int_param(request, "id", 0)
    record = await services(request).objects.get(found.portal_id, the_type, str(from_id))
    center = _node(found.portal_id, the_type, from_id, title_of(record.obj))
    only = request.query_params.get("toType")
    counts = await explorer(request).associated_types(found.portal_id, the_type, from_id)
    svc = services(request)
    elements: list[dict[str, Any]] = [center]
    for counted in counts:
        to_type = counted.object_type
        if only and to_type != resolve_object_type(only):
            continue
        page = await svc.associations.list_for_object(
            found.portal_id,
            the_type,
            from_id,
            to_type,
            limit=GRAPH_CAP,
            after=request.query_params.get("after") or None,
        )
        for row in await _rows(found.portal_id, svc.objects, the_type, to_type, page):
            node = _node(found.portal_id, to_type, row.to_id, row.title)
            elements += [node, _edge(center["data"]["id"], node["data"]["id"], row)]
        if page.next_after:
            elements += _more(found.portal_id, the_type, from_id, to_type, counted.count, page)
    return JSONResponse({"elements": elements}, headers=SECURITY_HEADERS)


def _more(
    portal_id: int, from_type: ObjectType, from_id: int, to_type: ObjectType, count: int, page: Page
) -> list[dict[str, Any]]:
    source = f"{from_type.type_id}:{from_id}"
    node_id = f"more:{source}:{to_type.type_id}"
    query = urlencode(
        {
            "type": from_type.type_id,
            "id": from_id,
            "toType": to_type.type_id,
            "after": page.next_after,
        }
    )
    return [
        {
            "data": {
                "id": node_id,
                "label": f"more {to_type.plural} ({count:,} in all)",
                "kind": "more",
                "moreUrl": f"{BASE}/portals/{portal_id}/graph.json?{query}",
            }
        },
        {"data": {"id": f"edge:{node_id}", "source": source, "target": node_id, "label": ""}},
    ]
