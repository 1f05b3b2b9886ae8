"""Reading records for the explorer: the records view's finder, display names, columns.

``RecordFinder`` is the one place that decides how the records view finds records: with
no text it pages records by id (``ObjectService.list_page``, keyset, no result cap); with
a text, filters or a sort it is one call of the search service (``SearchService.search``,
the code of ``POST /crm/v3/objects/{type}/search``): a record id becomes ``hs_object_id
EQ``, any other text the free-text ``query``, each filter row one filter of the request's
one filter group (AND-ed, as HubSpot ANDs the filters of a group), the sort its one sort;
paged with the search API's own ``after``. A bad filter is the search API's own 400.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from assocdb.domain.models import CrmObject
from assocdb.domain.objects import ObjectService, parse_id
from assocdb.domain.objecttypes import ObjectType
from assocdb.domain.search import FilterInput, SearchInput, SearchService

__all__ = [
    "FILTER_OPERATORS",
    "MAX_FILTER_ROWS",
    "PAGE_SIZES",
    "Found",
    "RecordFinder",
    "RowFilter",
    "Sort",
    "default_columns",
    "search_input",
    "title_of",
]

PAGE_SIZES = (10, 25, 50, 100)
"""A page a person reads; all within the search API's own limit of 200."""

MAX_FILTER_ROWS = 3
"""Filter rows of the records view: well inside the search API's 6 filters per group."""

FILTER_OPERATORS: tuple[tuple[str, str], ...] = (
    ("EQ", "is"),
    ("NEQ", "is not"),
    ("CONTAINS_TOKEN", "contains word"),
    ("NOT_CONTAINS_TOKEN", "does not contain word"),
    ("GT", "greater than"),
    ("GTE", "at least"),
    ("LT", "less than"),
    ("LTE", "at most"),
    ("HAS_PROPERTY", "is known"),
    ("NOT_HAS_PROPERTY", "is unknown"),
)
"""The search API's operators the view offers (label as a person reads it); IN, NOT_IN
and BETWEEN need several values and stay with the API."""
_NO_VALUE = frozenset({"HAS_PROPERTY", "NOT_HAS_PROPERTY"})


@dataclass(frozen=True, slots=True)
class RowFilter:
    """One filter row of the view: property, operator, value (as typed)."""

    property_name: str
    operator: str
    value: str = ""

    def as_input(self) -> FilterInput:
        value = None if self.operator in _NO_VALUE else self.value
        return FilterInput(self.property_name, self.operator, value)


@dataclass(frozen=True, slots=True)
class Sort:
    property_name: str
    descending: bool = False


_TITLES: dict[str, tuple[tuple[str, ...], ...]] = {
    "0-1": (("firstname", "lastname"), ("email",)),
    "0-2": (("name",), ("domain",)),
    "0-3": (("dealname",),),
    "0-5": (("subject",),),
}
_COLUMNS: dict[str, tuple[str, ...]] = {
    "0-1": ("firstname", "lastname", "email"),
    "0-2": ("name", "domain"),
    "0-3": ("dealname", "amount", "dealstage"),
    "0-5": ("subject", "hs_pipeline_stage"),
}


def title_of(obj: CrmObject) -> str:
    """A record's name as a person reads it: HubSpot's naming properties of its type."""
    props = obj.properties
    for names in (*_TITLES.get(obj.object_type, ()), ("name",)):
        text = " ".join(props[n] for n in names if props.get(n))
        if text:
            return text
    return f"Record {obj.object_id}"


def default_columns(object_type: ObjectType) -> tuple[str, ...]:
    return _COLUMNS.get(object_type.type_id, ("name",))


def property_names(objects: Iterable[CrmObject]) -> list[str]:
    return sorted({name for obj in objects for name in obj.properties})


@dataclass(frozen=True, slots=True)
class Found:
    records: list[CrmObject]
    next_after: str | None
    """The next page's cursor: a record id when listing, the search API's opaque
    ``after`` when finding."""
    total: int | None
    """Matches in all (the search API's ``total``); None when listing every record."""


class RecordFinder:
    def __init__(self, objects: ObjectService, search: SearchService) -> None:
        self.objects = objects
        self.search = search

    async def find(
        self,
        portal_id: int,
        object_type: ObjectType,
        text: str,
        after: str | None,
        limit: int,
        columns: Sequence[str] = (),
        filters: Sequence[RowFilter] = (),
        sort: Sort | None = None,
    ) -> Found:
        text = text.strip()
        if not text and not filters and sort is None:
            # Listing pages by id with no cap; search stops at 10,000 results.
            page = await self.objects.list_page(portal_id, object_type, after, limit)
            following = None if page.next_after is None else str(page.next_after)
            return Found([r.obj for r in page.records], following, None)
        request = search_input(text, after, limit, columns, filters, sort)
        found = await self.search.search(portal_id, object_type, request)
        return Found(found.records, found.next_after, found.total)


def search_input(
    text: str,
    after: str | None,
    limit: int,
    columns: Sequence[str],
    filters: Sequence[RowFilter] = (),
    sort: Sort | None = None,
) -> SearchInput:
    """What the view asks the search API: a record id is ``hs_object_id EQ``, any other
    text the free-text ``query`` (every word a prefix of a searchable property); the
    filter rows are the filters of one group, the sort its one sort."""
    properties = tuple(columns) or None
    group = [f.as_input() for f in filters]
    query = None
    if parse_id(text.strip()) is not None:
        group.insert(0, FilterInput("hs_object_id", "EQ", value=text.strip()))
    elif text.strip():
        query = text.strip()
    sorts = () if sort is None else ((sort.property_name, sort.descending),)
    return SearchInput(
        filter_groups=(tuple(group),) if group else (),
        query=query,
        sorts=sorts,
        properties=properties,
        limit=limit,
        after=after,
    )
