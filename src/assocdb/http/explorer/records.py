"""Reading records for the explorer: the records view's finder, display names, columns.

``RecordFinder`` is the one place that decides how the records view finds records: with
no text it pages records by id (``ObjectService.list_page``, keyset, no result cap); with
a text it is one call of the search service (``SearchService.search``, the code of
``POST /crm/v3/objects/{type}/search``): a record id becomes ``hs_object_id EQ``, any
other text the free-text ``query``, paged with the search API's own ``after``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from assocdb.domain.models import CrmObject
from assocdb.domain.objects import ObjectService, parse_id
from assocdb.domain.objecttypes import ObjectType
from assocdb.domain.search import FilterInput, SearchInput, SearchService

__all__ = ["PAGE_SIZES", "Found", "RecordFinder", "default_columns", "search_input", "title_of"]

PAGE_SIZES = (10, 25, 50, 100)
"""A page a person reads; all within the search API's own limit of 200."""

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
    ) -> Found:
        text = text.strip()
        if not text:
            # Listing pages by id with no cap; search stops at 10,000 results.
            page = await self.objects.list_page(portal_id, object_type, after, limit)
            following = None if page.next_after is None else str(page.next_after)
            return Found([r.obj for r in page.records], following, None)
        request = search_input(text, after, limit, columns)
        found = await self.search.search(portal_id, object_type, request)
        return Found(found.records, found.next_after, found.total)


def search_input(text: str, after: str | None, limit: int, columns: Sequence[str]) -> SearchInput:
    """What the find box asks the search API: a record id is ``hs_object_id EQ``, any
    other text the free-text ``query`` (every word a prefix of a searchable property)."""
    properties = tuple(columns) or None
    if parse_id(text) is not None:
        by_id = ((FilterInput("hs_object_id", "EQ", value=text),),)
        return SearchInput(filter_groups=by_id, properties=properties, limit=limit, after=after)
    return SearchInput(query=text, properties=properties, limit=limit, after=after)
