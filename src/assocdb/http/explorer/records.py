"""Reading records for the explorer: the records view's finder, display names, columns.

``RecordFinder`` is the one seam the search API plugs into: today it pages records by id
(``ObjectService.list_page``, keyset) and, given a text, keeps those with a property value
containing it, scanning at most ``SCAN_LIMIT`` records per page shown; an id finds its
record directly. Once ``/crm/v3/objects/{type}/search`` exists, ``find`` becomes one
call of the search service with the same ``Found`` result, and the view stays as it is.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from assocdb.domain.models import CrmObject
from assocdb.domain.objects import ObjectService, parse_id
from assocdb.domain.objecttypes import ObjectType
from assocdb.errors import ObjectNotFound

__all__ = ["PAGE_SIZES", "SCAN_LIMIT", "Found", "RecordFinder", "default_columns", "title_of"]

PAGE_SIZES = (10, 25, 50, 100)
SCAN_LIMIT = 2_000
"""Records read to answer one page of a text filter: the page's time stays bounded on a
portal of any size; the page says how far it got and continues from there."""
_SCAN_CHUNK = 500

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
    next_after: int | None
    scanned: int
    """Records read to build this page (a text filter reads more than it shows)."""


def _matches(obj: CrmObject, needle: str) -> bool:
    return any(needle in value.casefold() for value in obj.properties.values())


class RecordFinder:
    def __init__(self, objects: ObjectService) -> None:
        self.objects = objects

    async def find(
        self, portal_id: int, object_type: ObjectType, text: str, after: int | None, limit: int
    ) -> Found:
        text = text.strip()
        if not text:
            page = await self.objects.list_page(portal_id, object_type, _after(after), limit)
            return Found([r.obj for r in page.records], page.next_after, len(page.records))
        object_id = parse_id(text)
        if object_id is not None:
            return await self._by_id(portal_id, object_type, text)
        return await self._scan(portal_id, object_type, text.casefold(), after, limit)

    async def _by_id(self, portal_id: int, object_type: ObjectType, text: str) -> Found:
        try:
            record = await self.objects.get(portal_id, object_type, text)
        except ObjectNotFound:
            return Found([], None, 0)
        return Found([record.obj], None, 1)

    async def _scan(
        self, portal_id: int, object_type: ObjectType, needle: str, after: int | None, limit: int
    ) -> Found:
        found: list[CrmObject] = []
        scanned = 0
        cursor = _after(after)
        while True:
            page = await self.objects.list_page(portal_id, object_type, cursor, _SCAN_CHUNK)
            for record in page.records:
                scanned += 1
                if _matches(record.obj, needle):
                    found.append(record.obj)
                    if len(found) == limit:  # keyset: continue just after this record
                        return Found(found, record.obj.object_id + 1, scanned)
            if page.next_after is None or scanned >= SCAN_LIMIT:
                return Found(found, page.next_after, scanned)
            cursor = str(page.next_after)


def _after(after: int | None) -> str | None:
    return None if after is None else str(after)
