"""CRM search: ``POST /crm/v3/objects/{type}/search`` (docs/search.md).

HubSpot's search guide: https://developers.hubspot.com/docs/guides/api/crm/search. A
request is checked against HubSpot's caps, its filters are typed by the object type's
properties (numbers and dates compare as numbers, strings case-insensitively), and the
result is one plan the storage runs on its index (storage/search_sql.py): no scans of
records in Python, keyset paging under an opaque ``after``.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Protocol

from assocdb.domain.clock import now_ms
from assocdb.domain.models import CrmObject
from assocdb.domain.objects import date_properties, read_property_names
from assocdb.domain.objecttypes import ObjectType, resolve_object_type
from assocdb.domain.properties import PropertyDef, PropertyService
from assocdb.errors import ErrorDetail, ValidationError

__all__ = [
    "MAX_FILTERS",
    "MAX_FILTERS_PER_GROUP",
    "MAX_GROUPS",
    "MAX_LIMIT",
    "MAX_RESULTS",
    "Condition",
    "FilterInput",
    "SearchInput",
    "SearchPage",
    "SearchPlan",
    "SearchService",
    "SearchStore",
]

# HubSpot's caps, from the search guide's "Limitations" (the 2024 changelog's 5/10/25 were
# later lowered to the guide's figures: https://developers.hubspot.com/docs/guides/api/crm/search).
MAX_GROUPS = 5
MAX_FILTERS_PER_GROUP = 6
MAX_FILTERS = 18
MAX_QUERY_CHARS = 3000
"""Request body and ``query`` text cap (the guide: "a maximum of 3,000 characters")."""
MAX_LIMIT = 200
DEFAULT_LIMIT = 10
MAX_RESULTS = 10_000
"""Search can reach at most 10,000 results of one query (the guide's limitations)."""
MAX_VALUES = 100
"""Values of one IN / NOT_IN filter [inferred: bounds the SQL statement]."""

OPERATORS = frozenset(
    {
        "EQ",
        "NEQ",
        "LT",
        "LTE",
        "GT",
        "GTE",
        "BETWEEN",
        "IN",
        "NOT_IN",
        "HAS_PROPERTY",
        "NOT_HAS_PROPERTY",
        "CONTAINS_TOKEN",
        "NOT_CONTAINS_TOKEN",
    }
)

# Properties `query` searches, per type (the guide's "Search default searchable
# properties"); other types search their name-like properties [inferred].
_QUERY_PROPERTIES: dict[str, tuple[str, ...]] = {
    "0-1": (
        "firstname",
        "lastname",
        "email",
        "phone",
        "hs_additional_emails",
        "fax",
        "mobilephone",
        "company",
    ),
    "0-2": ("website", "phone", "name", "domain"),
    "0-3": ("dealname", "pipeline", "dealstage", "description", "dealtype"),
    "0-5": ("subject", "content", "hs_pipeline_stage", "hs_ticket_category"),
    "0-7": ("name", "description", "hs_sku", "price"),
    "0-8": ("name", "description", "hs_sku"),
}
_FALLBACK_QUERY = ("name", "hs_note_body", "hs_task_subject", "hs_call_title", "hs_email_subject")


@dataclass(frozen=True, slots=True)
class FilterInput:
    property_name: str
    operator: str
    value: str | None = None
    high_value: str | None = None
    values: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class SearchInput:
    filter_groups: tuple[tuple[FilterInput, ...], ...] = ()
    query: str | None = None
    sorts: tuple[tuple[str, bool], ...] = ()
    """(property, descending)."""
    properties: tuple[str, ...] | None = None
    limit: int | None = None
    after: str | None = None


@dataclass(frozen=True, slots=True)
class Condition:
    """One filter, typed for storage.

    ``target``: ``id`` / ``created`` / ``updated`` (record columns), ``assoc`` (records
    associated with ``values[0]`` of object type ``name``), ``value`` (a property value,
    ``column`` ``num`` or ``key``), ``token`` (full text on ``name``).
    """

    target: str
    operator: str
    name: str = ""
    column: str = "key"
    values: tuple[object, ...] = ()
    multi: bool = False
    """Enumeration with several values split by ';' (checkbox fields)."""


@dataclass(frozen=True, slots=True)
class SortKey:
    target: str
    """``id``, ``created``, ``updated`` or ``value``."""
    name: str = ""
    column: str = "key"
    descending: bool = False


@dataclass(frozen=True, slots=True)
class Keyset:
    offset: int
    sort_value: object
    last_id: int


@dataclass(frozen=True, slots=True)
class SearchPlan:
    portal_id: int
    object_type: str
    groups: tuple[tuple[Condition, ...], ...]
    query_tokens: tuple[str, ...] = ()
    query_properties: tuple[str, ...] = ()
    sort: SortKey = SortKey("id")
    after: Keyset | None = None
    offset: int = 0
    """Used only when ``after`` is a plain number (HubSpot's own form): an OFFSET."""
    limit: int = DEFAULT_LIMIT
    visible_before_ms: int | None = None


@dataclass(frozen=True, slots=True)
class SearchPage:
    total: int
    records: list[CrmObject]
    names: tuple[str, ...]
    next_after: str | None


class SearchStore(Protocol):
    """The storage port of search (storage/*_search.py)."""

    async def search_rows(self, plan: SearchPlan) -> list[tuple[int, object]]:
        """(object id, sort value) of up to ``plan.limit`` matches, in order."""
        ...

    async def search_count(self, plan: SearchPlan) -> int: ...

    async def get_objects(
        self, portal_id: int, object_type: str, ids: Sequence[int]
    ) -> list[CrmObject]: ...


def _bad(message: str, **context: list[str]) -> ValidationError:
    return ValidationError(message, context=context or None)


def _number(prop: str, raw: str, is_date: bool) -> float:
    text = raw.strip()
    try:
        return float(text)
    except ValueError:
        pass
    if is_date:
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=UTC)
            return float(round(parsed.timestamp() * 1000))
    raise _bad(
        f"There was a problem with the request: '{raw[:100]}' is not a valid value for"
        f" property {prop}.",
        propertyName=[prop],
    )


@dataclass
class _Typer:
    """Turns filters into conditions using the type's property definitions."""

    object_type: ObjectType
    known: Mapping[str, PropertyDef]
    lenient: bool
    created: str = ""
    modified: str = ""
    errors: list[ErrorDetail] = field(default_factory=list)

    def target(self, name: str) -> tuple[str, str, PropertyDef | None]:
        """(target, column, definition) of a property name."""
        if name == "hs_object_id":
            return "id", "num", None
        if name in (self.created, "createdate", "hs_createdate"):
            return "created", "num", None
        if name in (self.modified, "lastmodifieddate", "hs_lastmodifieddate"):
            return "updated", "num", None
        prop = self.known.get(name)
        if prop is not None and prop.archived:
            prop = None
        if prop is None and not self.lenient:
            self.errors.append(
                ErrorDetail(
                    f'Property "{name}" does not exist',
                    code="PROPERTY_DOESNT_EXIST",
                    context={"propertyName": [name]},
                )
            )
        numeric = prop is not None and prop.type in ("number", "date", "datetime")
        return "value", ("num" if numeric else "key"), prop

    def condition(self, f: FilterInput) -> Condition:
        op = f.operator
        if op not in OPERATORS:
            raise _bad(
                f"Unknown operator '{op[:40]}': use one of {', '.join(sorted(OPERATORS))}.",
                operator=[op[:40]],
            )
        if f.property_name.startswith("associations."):
            return self._association(f)
        target, column, prop = self.target(f.property_name)
        is_date = target != "value" or (prop is not None and prop.type in ("date", "datetime"))
        if op in ("HAS_PROPERTY", "NOT_HAS_PROPERTY"):
            return Condition(target, op, f.property_name, column)
        if op in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
            return Condition("token", op, f.property_name, "key", (self._required(f),))
        raw: list[str]
        if op in ("IN", "NOT_IN"):
            if not f.values:
                raise _bad(f"Operator {op} needs 'values'.", propertyName=[f.property_name])
            if len(f.values) > MAX_VALUES:
                raise _bad(f"Operator {op} takes at most {MAX_VALUES} values.")
            raw = list(f.values)
        elif op == "BETWEEN":
            if f.high_value is None:
                raise _bad("Operator BETWEEN needs 'highValue'.", propertyName=[f.property_name])
            raw = [self._required(f), f.high_value]
        else:
            raw = [self._required(f)]
        values: tuple[object, ...]
        if target != "value":
            values = tuple(int(_number(f.property_name, v, is_date)) for v in raw)
        elif column == "num":
            values = tuple(_number(f.property_name, v, is_date) for v in raw)
        else:
            values = tuple(v.lower() for v in raw)
        multi = prop is not None and prop.field_type == "checkbox"
        return Condition(target, op, f.property_name, column, values, multi)

    @staticmethod
    def _required(f: FilterInput) -> str:
        if f.value is None:
            raise _bad(f"Operator {f.operator} needs 'value'.", propertyName=[f.property_name])
        return f.value

    def _association(self, f: FilterInput) -> Condition:
        """``associations.{type}``: records associated with the given record(s) of that
        type (EQ or IN; the guide's "Search through associations")."""
        other = resolve_object_type(f.property_name.split(".", 1)[1])
        if f.operator == "EQ":
            raw = [self._required(f)]
        elif f.operator == "IN" and f.values:
            raw = list(f.values)[:MAX_VALUES]
        else:
            raise _bad(
                f"Filters on {f.property_name} take operator EQ (value) or IN (values).",
                propertyName=[f.property_name],
            )
        ids = []
        for text in raw:
            # An int64 id, length-checked before int() (which refuses 4,300+ digits).
            if not (text.isascii() and text.isdigit()) or len(text) > 19 or int(text) >= 2**63:
                raise _bad(f"'{text[:40]}' is not a record id.", propertyName=[f.property_name])
            ids.append(int(text))
        return Condition("assoc", "IN", other.type_id, "num", tuple(ids))


def _encode_after(keyset: Keyset) -> str:
    raw = json.dumps([keyset.offset, keyset.sort_value, keyset.last_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_after(text: str) -> Keyset | int:
    """Our keyset cursor, or a plain offset (the digits HubSpot itself sends)."""
    if text.isascii() and text.isdigit() and len(text) <= 9:  # an offset, below the 10,000 cap
        return int(text)
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        offset, sort_value, last_id = json.loads(raw)
        # The cursor comes back from the client: every number must fit the store's int64.
        scalar = sort_value is None or isinstance(sort_value, (float, str))
        scalar = scalar or (isinstance(sort_value, int) and abs(sort_value) < 2**63)
        ids_ok = isinstance(offset, int) and isinstance(last_id, int)
        if ids_ok and 0 <= offset <= 1_000_000 and 0 <= last_id < 2**63 and scalar:
            return Keyset(offset, sort_value, last_id)
    except (binascii.Error, ValueError, TypeError):
        pass
    raise _bad(
        f"Invalid 'after' value '{text[:40]}': send back paging.next.after of a previous page"
        " unchanged.",
        after=[text[:40]],
    )


class SearchService:
    def __init__(
        self, store: SearchStore, properties: PropertyService, *, index_delay_ms: int = 0
    ) -> None:
        self.store = store
        self.properties = properties
        self.index_delay_ms = index_delay_ms

    async def search(
        self, portal_id: int, object_type: ObjectType, request: SearchInput
    ) -> SearchPage:
        plan, names = await self._plan(portal_id, object_type, request)
        if plan.offset >= MAX_RESULTS or (plan.after and plan.after.offset >= MAX_RESULTS):
            # The guide: "you can only page through 10,000 results per query"; past it
            # HubSpot answers a 400 [inferred wording].
            raise _bad(
                f"Paging beyond {MAX_RESULTS} results is not allowed: narrow the filters"
                " (e.g. on hs_object_id or lastmodifieddate) instead.",
                after=[request.after or ""],
            )
        start = plan.after.offset if plan.after else plan.offset
        room = min(plan.limit, MAX_RESULTS - start)
        rows = await self.store.search_rows(_with_limit(plan, room + 1))
        total = await self.store.search_count(plan)
        page = rows[:room]
        by_id = {
            o.object_id: o
            for o in await self.store.get_objects(
                portal_id, object_type.type_id, [i for i, _ in page]
            )
        }
        records = [by_id[i] for i, _ in page if i in by_id]
        next_after = None
        if len(rows) > room and start + room < MAX_RESULTS and page:
            last_id, last_value = page[-1]
            next_after = _encode_after(Keyset(start + room, last_value, last_id))
        return SearchPage(total, records, names, next_after)

    async def _plan(
        self, portal_id: int, object_type: ObjectType, request: SearchInput
    ) -> tuple[SearchPlan, tuple[str, ...]]:
        _check_caps(request)
        # The type's cached definitions (read again if a name is not in them); filters'
        # and sorts' names only.
        names = {f.property_name for g in request.filter_groups for f in g}
        names.update(name for name, _ in request.sorts)
        names = {n for n in names if not n.startswith("associations.")} - _PSEUDO
        known = await self.properties.known(portal_id, object_type, names)
        created, modified = date_properties(object_type)
        typer = _Typer(object_type, known, self.properties.lenient, created, modified)
        groups = tuple(tuple(typer.condition(f) for f in group) for group in request.filter_groups)
        sort = _sort_key(typer, request.sorts)
        if typer.errors:
            raise ValidationError(
                "There was a problem with the request: some properties do not exist.",
                errors=tuple(typer.errors),
            )
        after = _decode_after(request.after) if request.after else None
        tokens = tuple(re.findall(r"[^\W_]+", (request.query or "").lower()))[:20]
        delay = self.index_delay_ms
        plan = SearchPlan(
            portal_id=portal_id,
            object_type=object_type.type_id,
            groups=groups,
            query_tokens=tokens,
            query_properties=_QUERY_PROPERTIES.get(object_type.type_id, _FALLBACK_QUERY),
            sort=sort,
            after=after if isinstance(after, Keyset) else None,
            offset=after if isinstance(after, int) else 0,
            limit=request.limit or DEFAULT_LIMIT,
            visible_before_ms=now_ms() - delay if delay > 0 else None,
        )
        return plan, read_property_names(object_type, request.properties)


_PSEUDO = frozenset(
    {"hs_object_id", "createdate", "hs_createdate", "lastmodifieddate", "hs_lastmodifieddate"}
)
"""Names ``_Typer.target`` answers without definitions (the dates of some types too)."""


def _with_limit(plan: SearchPlan, limit: int) -> SearchPlan:
    return replace(plan, limit=limit)


def _sort_key(typer: _Typer, sorts: Sequence[tuple[str, bool]]) -> SortKey:
    """The first sort: one sorting rule applies to a search (the guide's "Sorting",
    https://developers.hubspot.com/docs/guides/api/crm/search#sorting). Later sorts are
    accepted and ignored, but their properties must exist like any other [inferred]."""
    if not sorts:
        return SortKey("id")
    for name, _descending in sorts[1:MAX_FILTERS]:
        typer.target(name)  # an unknown name is a PROPERTY_DOESNT_EXIST like the first's
    name, descending = sorts[0]
    target, column, _prop = typer.target(name)
    return SortKey(target, name, column, descending)


def _check_caps(request: SearchInput) -> None:
    groups = request.filter_groups
    total = sum(len(g) for g in groups)
    if len(groups) > MAX_GROUPS:
        raise _bad(
            f"Too many filter groups: {len(groups)}. A search takes at most {MAX_GROUPS}"
            " filterGroups.",
            filterGroups=[str(len(groups))],
        )
    for group in groups:
        if len(group) > MAX_FILTERS_PER_GROUP:
            raise _bad(
                f"Too many filters in a filter group: {len(group)}. A filter group takes at"
                f" most {MAX_FILTERS_PER_GROUP} filters.",
                filters=[str(len(group))],
            )
        if not group:
            raise _bad("A filter group needs at least one filter.")
    if total > MAX_FILTERS:
        raise _bad(
            f"Too many filters: {total}. A search takes at most {MAX_FILTERS} filters in"
            " all its filterGroups.",
            filters=[str(total)],
        )
    if request.query is not None and len(request.query) > MAX_QUERY_CHARS:
        raise _bad(f"The query is longer than {MAX_QUERY_CHARS} characters.")
    if request.limit is not None and not 0 < request.limit <= MAX_LIMIT:
        raise _bad(
            f"limit must be between 1 and {MAX_LIMIT}, got {request.limit}.",
            limit=[str(request.limit)],
        )
