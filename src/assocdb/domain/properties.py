"""CRM properties: the definitions of each object type's properties, and record values
checked against them (docs/properties.md).

HubSpot's properties guide: https://developers.hubspot.com/docs/guides/api/crm/properties.
A type's properties are HubSpot's defaults (``property_catalog``) overlaid with the
portal's own rows (created, or a default edited). Record writes are validated as HubSpot
does: an unknown property, a value of the wrong type or an unknown enumeration option is a
400 ``VALIDATION_ERROR``; a duplicate of a unique value is a 409 (the schema's unique
index decides, inside the write transaction; the check here only words the answer).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import lru_cache
from typing import Protocol

from assocdb.domain.clock import now_ms
from assocdb.domain.objecttypes import ObjectType
from assocdb.domain.property_catalog import DefaultProperty, default_groups, default_properties
from assocdb.errors import (
    AlreadyExists,
    AssocdbError,
    Conflict,
    ErrorDetail,
    ObjectNotFound,
    ValidationError,
)

__all__ = [
    "FIELD_TYPES",
    "MAX_BATCH_PROPERTIES",
    "TYPES",
    "Option",
    "PropertyDef",
    "PropertyGroup",
    "PropertyService",
    "PropertyStore",
]

MAX_BATCH_PROPERTIES = 100
"""Batch create/read/archive inputs per request [inferred: the objects APIs' cap]."""

MAX_OPTIONS = 5000
"""Options of one enumeration: HubSpot documents at most 5,000 options per property
(https://developers.hubspot.com/docs/guides/api/crm/properties)."""

TYPES = ("bool", "date", "datetime", "enumeration", "number", "phone_number", "string")
FIELD_TYPES: dict[str, tuple[str, ...]] = {
    # Valid type/fieldType pairs, from the properties guide's table.
    "bool": ("booleancheckbox", "calculation_equation"),
    "enumeration": ("booleancheckbox", "checkbox", "radio", "select", "calculation_equation"),
    "date": ("date",),
    "datetime": ("date",),
    "string": ("file", "text", "textarea", "calculation_equation", "html", "phonenumber"),
    "number": ("number", "calculation_equation"),
    "phone_number": ("phonenumber",),
}

_NAME = re.compile(r"[a-z][a-z0-9_]{0,99}")


@dataclass(frozen=True, slots=True)
class Option:
    label: str
    value: str
    display_order: int = 0
    hidden: bool = False
    description: str | None = None


@dataclass(frozen=True, slots=True)
class PropertyDef:
    name: str
    label: str
    type: str
    field_type: str
    group_name: str
    description: str = ""
    options: tuple[Option, ...] = ()
    display_order: int = -1
    has_unique_value: bool = False
    hidden: bool = False
    form_field: bool = False
    calculated: bool = False
    external_options: bool = False
    hubspot_defined: bool = False
    read_only_value: bool = False
    archivable: bool = True
    open_options: bool = False
    """Any value is accepted (option lists edited elsewhere, e.g. pipeline stages)."""
    created_at_ms: int | None = None
    updated_at_ms: int | None = None
    archived_at_ms: int | None = None

    @property
    def archived(self) -> bool:
        return self.archived_at_ms is not None

    def to_json(self) -> str:
        """The stored form (storage keeps it as one text column)."""
        data = {k: getattr(self, k) for k in self.__slots__ if not k.endswith("_ms")}
        data["options"] = [vars_of(o) for o in self.options]
        return json.dumps(data)

    @classmethod
    def from_json(cls, text: str, created: int, updated: int, archived: int | None) -> PropertyDef:
        data = json.loads(text)
        data["options"] = tuple(Option(**o) for o in data.get("options", ()))
        return cls(**data, created_at_ms=created, updated_at_ms=updated, archived_at_ms=archived)


def vars_of(option: Option) -> dict[str, object]:
    return {k: getattr(option, k) for k in option.__slots__}


@dataclass(frozen=True, slots=True)
class PropertyGroup:
    name: str
    label: str
    display_order: int = -1
    archived: bool = False


class PropertyStore(Protocol):
    """The storage port of properties (implemented by storage/*_properties.py)."""

    async def list_properties(self, portal_id: int, object_type: str) -> list[PropertyDef]:
        """The portal's own rows of a type, archived ones included."""
        ...

    async def insert_property(self, portal_id: int, object_type: str, prop: PropertyDef) -> bool:
        """Add a property (or revive an archived one); False if a live one has the name."""
        ...

    async def replace_property(
        self, portal_id: int, object_type: str, prop: PropertyDef
    ) -> None: ...

    async def list_groups(self, portal_id: int, object_type: str) -> list[PropertyGroup]: ...

    async def insert_group(self, portal_id: int, object_type: str, group: PropertyGroup) -> bool:
        """False if a live group has the name."""
        ...

    async def replace_group(
        self, portal_id: int, object_type: str, group: PropertyGroup
    ) -> None: ...

    async def owners_of_values(
        self, portal_id: int, object_type: str, name: str, values: Sequence[str]
    ) -> dict[str, int]:
        """value (lower-cased) → id of the live record holding it, for unique properties."""
        ...


def _from_default(d: DefaultProperty) -> PropertyDef:
    return PropertyDef(
        name=d.name,
        label=d.label,
        type=d.type,
        field_type=d.field_type,
        group_name=d.group,
        options=tuple(Option(label, value, i) for i, (value, label) in enumerate(d.options)),
        has_unique_value=d.unique,
        calculated=d.read_only,
        hubspot_defined=True,
        read_only_value=d.read_only,
        archivable=False,
        open_options=d.open_options,
    )


# -- value checks ------------------------------------------------------------------------


def _bad(prop: str, message: str, code: str) -> ErrorDetail:
    return ErrorDetail(message, code=code, context={"propertyName": [prop]})


def _epoch_ms(value: str) -> int | None:
    """Epoch milliseconds from either form HubSpot takes: digits, or ISO 8601."""
    text = value.strip()
    if re.fullmatch(r"-?\d{1,16}", text):
        return int(text)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp() * 1000)


# HubSpot checks the format of a contact's email on every create and update: RFC 2822's
# form, no quotes in the local part, and a domain ending in a real TLD (a HubSpot guide's
# answer: https://community.hubspot.com/t5/APIs-Integrations/contacts-integration-invalid-e-mails/td-p/833439).
# We accept any alphabetic TLD of 2-63 letters or an IDNA ``xn--`` one, not IANA's list
# [inferred: the list changes; an unlisted TLD here is a 200 where HubSpot may 400].
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[^\W_](?:[\w-]{0,61}[^\W_])?"
_EMAIL = re.compile(
    rf"{_ATOM}(?:\.{_ATOM})*@(?:{_LABEL}\.)+(?:[^\W\d_]{{2,63}}|xn--[a-z0-9-]{{1,59}})"
)
MAX_EMAIL_CHARS = 254
"""RFC 5321's longest address path; a longer email is INVALID_EMAIL."""
EMAIL_CHECKED = {"0-1": "email"}
"""The property whose format is checked, per object type (contacts' ``email``)."""


def email_error(name: str, value: str) -> ErrorDetail | None:
    """HubSpot's INVALID_EMAIL, worded as its error bodies word it: ``Email address <v> is
    invalid`` (the same community thread shows the localized form of this message)."""
    if len(value) <= MAX_EMAIL_CHARS and _EMAIL.fullmatch(value):
        return None
    return _bad(name, f"Email address {value[:MAX_EMAIL_CHARS]} is invalid", "INVALID_EMAIL")


def _value_error(prop: PropertyDef, value: str) -> ErrorDetail | None:
    """What is wrong with one value of a defined property, in HubSpot's codes [inferred
    codes for all but INVALID_OPTION and INVALID_EMAIL, which HubSpot's error bodies show]."""
    kind = prop.type
    if kind == "number":
        try:
            float(value)
        except ValueError:
            return _bad(prop.name, f"{value} was not a valid number.", "INVALID_INTEGER")
    elif kind in ("date", "datetime"):
        stamp = _epoch_ms(value)
        if stamp is None:
            return _bad(
                prop.name,
                f"{value} was not a valid date: send epoch milliseconds or ISO 8601.",
                "INVALID_DATE",
            )
        # Date properties hold midnight UTC (the properties guide, "date" type).
        if kind == "date" and stamp % 86_400_000:
            return _bad(prop.name, f"{value} is at {stamp} which is not midnight!", "INVALID_DATE")
    elif kind == "bool":
        if value.lower() not in ("true", "false"):
            return _bad(prop.name, f"{value} was not a valid boolean.", "INVALID_BOOLEAN")
    elif kind == "enumeration" and not prop.open_options and not prop.external_options:
        allowed = {o.value for o in prop.options}
        parts = value.split(";") if prop.field_type == "checkbox" else [value]
        for part in parts:
            if part not in allowed:
                shown = ", ".join(f'"{v}"' for v in sorted(allowed)[:50])
                return _bad(
                    prop.name,
                    f"{part} was not one of the allowed options: [{shown}]",
                    "INVALID_OPTION",
                )
    return None


def read_only_error(name: str) -> ErrorDetail:
    """HubSpot's answer to a value for a read-only property, as captured by users (e.g.
    https://github.com/mautic/mautic/pull/8785: ``"hs_object_id" is a calculated property;
    its value cannot be set.``, code ``READ_ONLY_VALUE``; HubSpot's own
    https://github.com/HubSpot/ui-extensions-examples/issues/77 for ``hubspotscore``)."""
    return _bad(
        name, f'"{name}" is a calculated property; its value cannot be set.', "READ_ONLY_VALUE"
    )


def _date_properties(object_type: ObjectType) -> tuple[str, str]:
    from assocdb.domain.objects import date_properties  # one-way: objects imports us

    return date_properties(object_type)


def _invalid(details: Sequence[ErrorDetail]) -> ValidationError:
    """HubSpot's 400 for bad values: one ``errors[]`` entry per problem; the message
    embeds them (the shape of the example in
    https://developers.hubspot.com/docs/guides/api/crm/understanding-the-crm)."""
    embedded = json.dumps(
        [
            {
                "isValid": False,
                "message": d.message,
                "error": d.code,
                "name": (d.context or {}).get("propertyName", [""])[0],
            }
            for d in details
        ]
    )
    return ValidationError(f"Property values were not valid: {embedded}", errors=tuple(details))


# -- the service ---------------------------------------------------------------------------


@dataclass
class _TypeProperties:
    by_name: dict[str, PropertyDef] = field(default_factory=dict)


SchemaProperties = Callable[[int, str], Awaitable[list[PropertyDef]]]
"""The properties a custom object's schema defines (``SchemaService.property_defs``)."""


CATALOG_TTL_S = 1.0
"""How long a worker trusts the property rows it has read for a (portal, type): a change
made by another process (another uvicorn worker, ``assocdb seed``) is seen within this
time; a change made through this service is seen at once (``forget``), and a name the
cached rows do not know is always looked up again before it is refused."""
CATALOG_MAX_ENTRIES = 4096
"""(portal, type) entries one worker keeps; the oldest read goes first."""


@lru_cache(maxsize=256)
def _defaults(type_id: str, created: str, modified: str) -> tuple[PropertyDef, ...]:
    """HubSpot's defaults of a type as definitions: the same for every portal and request,
    built once (building them was a third of a one-record search's own time)."""
    return tuple(_from_default(d) for d in default_properties(type_id, created, modified))


@dataclass
class _Catalog:
    """What ``PropertyService`` keeps per (portal, type): the merged definitions (never
    changed once built: readers share it) and when the rows were read."""

    merged: dict[str, PropertyDef]
    read_at: float


class PropertyService:
    def __init__(
        self,
        store: PropertyStore,
        *,
        lenient: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.lenient = lenient
        self.schema_properties: SchemaProperties | None = None
        """Set when custom object schemas exist (domain/crm.py): a custom type's properties
        are the ones its schema defines, plus any created through the properties API."""
        self._clock = clock
        self._catalogs: dict[tuple[int, str], _Catalog] = {}

    # -- the per-portal catalog cache -----------------------------------------------------

    def forget(self, portal_id: int, object_type: ObjectType | None = None) -> None:
        """Drop what is cached for a portal (one type, or all): after every property write
        made here, and after a portal is reset or seeded."""
        if object_type is not None:
            self._catalogs.pop((portal_id, object_type.type_id), None)
            return
        for key in [k for k in self._catalogs if k[0] == portal_id]:
            del self._catalogs[key]

    async def _merged(
        self, portal_id: int, object_type: ObjectType, *, fresh: bool = False
    ) -> dict[str, PropertyDef]:
        """The type's definitions by name (shared: callers must not change it). Every
        search and every record write needs them; they are read from the store at most
        once per ``CATALOG_TTL_S`` per (portal, type), or when ``fresh``."""
        if object_type.type_id.startswith("2-"):
            # A custom type's properties come from its schema too, which changes elsewhere
            # (domain/schemas.py): read every time, as before.
            return await self._read_merged(portal_id, object_type)
        key = (portal_id, object_type.type_id)
        now = self._clock()
        hit = self._catalogs.get(key)
        if not fresh and hit is not None and now - hit.read_at < CATALOG_TTL_S:
            return hit.merged
        merged = await self._read_merged(portal_id, object_type)
        self._catalogs.pop(key, None)  # re-inserted last: dict order is read order
        if len(self._catalogs) >= CATALOG_MAX_ENTRIES:
            del self._catalogs[next(iter(self._catalogs))]
        self._catalogs[key] = _Catalog(merged, now)
        return merged

    async def known(
        self, portal_id: int, object_type: ObjectType, names: Iterable[str]
    ) -> dict[str, PropertyDef]:
        """The definitions, read again if one of ``names`` is not (live) in the cached
        ones: a property just made by another worker is never refused as unknown."""
        merged = await self._merged(portal_id, object_type)
        for name in names:
            found = merged.get(name)
            if found is None or found.archived:
                return await self._merged(portal_id, object_type, fresh=True)
        return merged

    # -- definitions --------------------------------------------------------------------

    async def all(
        self, portal_id: int, object_type: ObjectType, *, archived: bool = False
    ) -> list[PropertyDef]:
        """The type's properties: live ones, or (``archived``) only archived ones."""
        merged = await self._merged(portal_id, object_type)
        return [p for p in merged.values() if p.archived == archived]

    async def _read_merged(self, portal_id: int, object_type: ObjectType) -> dict[str, PropertyDef]:
        from assocdb.domain.objects import date_properties  # one-way: objects imports us

        created, modified = date_properties(object_type)
        merged = {d.name: d for d in _defaults(object_type.type_id, created, modified)}
        if self.schema_properties is not None and object_type.type_id.startswith("2-"):
            for defined in await self.schema_properties(portal_id, object_type.type_id):
                merged.setdefault(defined.name, defined)
        for own in await self.store.list_properties(portal_id, object_type.type_id):
            merged[own.name] = own
        return merged

    async def get(
        self,
        portal_id: int,
        object_type: ObjectType,
        name: str,
        *,
        archived: bool = False,
        fresh: bool = False,
    ) -> PropertyDef:
        """One definition; ``fresh`` reads the store (before a write that starts from it)."""
        if fresh:
            merged = await self._merged(portal_id, object_type, fresh=True)
        else:
            merged = await self.known(portal_id, object_type, [name])
        found = merged.get(name)
        if found is not None and found.archived != archived and not fresh:
            # Archived or revived by another worker since our rows were read.
            found = (await self._merged(portal_id, object_type, fresh=True)).get(name)
        if found is None or found.archived != archived:
            raise ObjectNotFound(
                f"Unable to find property {name} on object type {object_type.type_id}",
                context={"propertyName": [name]},
            )
        return found

    async def create(
        self, portal_id: int, object_type: ObjectType, prop: PropertyDef
    ) -> PropertyDef:
        await self._check_definition(portal_id, object_type, prop)
        stamp = now_ms()
        made = replace(prop, created_at_ms=stamp, updated_at_ms=stamp, archived_at_ms=None)
        existing = (await self._merged(portal_id, object_type, fresh=True)).get(prop.name)
        if (existing is not None and not existing.archived) or not await self.store.insert_property(
            portal_id, object_type.type_id, made
        ):
            raise AlreadyExists(
                f"Property named '{prop.name}' already exists.",
                context={"name": [prop.name]},
            )
        self.forget(portal_id, object_type)
        return made

    async def _check_definition(
        self, portal_id: int, object_type: ObjectType, prop: PropertyDef
    ) -> None:
        problems: list[str] = []
        if not _NAME.fullmatch(prop.name):
            problems.append(
                f"Property name '{prop.name[:100]}' is invalid: use lower-case letters, digits"
                " and underscores, starting with a letter."
            )
        if prop.type not in TYPES:
            problems.append(f"Unknown property type '{prop.type}'.")
        elif prop.field_type not in FIELD_TYPES[prop.type]:
            problems.append(
                f"fieldType '{prop.field_type}' is not valid for type '{prop.type}'"
                f" (valid: {', '.join(FIELD_TYPES[prop.type])})."
            )
        if prop.type == "enumeration" and not prop.options and not prop.external_options:
            problems.append("An enumeration property needs options.")
        if len(prop.options) > MAX_OPTIONS:
            problems.append(f"At most {MAX_OPTIONS} options are allowed.")
        if not prop.label.strip():
            problems.append("label must not be empty.")
        groups = {g.name for g in await self.groups(portal_id, object_type)}
        if prop.group_name not in groups:
            problems.append(f"Property group '{prop.group_name}' does not exist.")
        if problems:
            raise ValidationError(" ".join(problems), context={"name": [prop.name]})

    async def update(
        self, portal_id: int, object_type: ObjectType, name: str, changes: Mapping[str, object]
    ) -> PropertyDef:
        current = await self.get(portal_id, object_type, name, fresh=True)
        if current.hubspot_defined and current.read_only_value:
            raise ValidationError(
                f"Property {name} is read-only and cannot be modified.",
                context={"propertyName": [name]},
            )
        updated = replace(current, **changes, updated_at_ms=now_ms())  # type: ignore[arg-type]
        await self._check_definition(portal_id, object_type, updated)
        if updated.created_at_ms is None:
            updated = replace(updated, created_at_ms=updated.updated_at_ms)
        await self.store.replace_property(portal_id, object_type.type_id, updated)
        self.forget(portal_id, object_type)
        return updated

    async def archive(self, portal_id: int, object_type: ObjectType, name: str) -> None:
        current = await self.get(portal_id, object_type, name, fresh=True)
        if not current.archivable:
            raise ValidationError(
                f"Property {name} is a HubSpot default property and cannot be archived.",
                context={"propertyName": [name]},
            )
        await self.store.replace_property(
            portal_id, object_type.type_id, replace(current, archived_at_ms=now_ms())
        )
        self.forget(portal_id, object_type)

    # -- groups -------------------------------------------------------------------------

    async def groups(
        self, portal_id: int, object_type: ObjectType, *, archived: bool = False
    ) -> list[PropertyGroup]:
        merged = {
            name: PropertyGroup(name, label, i)
            for i, (name, label) in enumerate(default_groups(object_type.type_id))
        }
        if not merged:
            merged["objectinformation"] = PropertyGroup("objectinformation", "Information", 0)
        for own in await self.store.list_groups(portal_id, object_type.type_id):
            merged[own.name] = own
        return [g for g in merged.values() if g.archived == archived]

    async def group(self, portal_id: int, object_type: ObjectType, name: str) -> PropertyGroup:
        for g in await self.groups(portal_id, object_type):
            if g.name == name:
                return g
        raise ObjectNotFound(
            f"Unable to find property group {name} on object type {object_type.type_id}",
            context={"groupName": [name]},
        )

    async def create_group(
        self, portal_id: int, object_type: ObjectType, group: PropertyGroup
    ) -> PropertyGroup:
        if not _NAME.fullmatch(group.name) or not group.label.strip():
            raise ValidationError(
                f"Property group name '{group.name[:100]}' is invalid, or its label is empty.",
                context={"name": [group.name[:100]]},
            )
        live = {g.name for g in await self.groups(portal_id, object_type)}
        if group.name in live or not await self.store.insert_group(
            portal_id, object_type.type_id, group
        ):
            raise AlreadyExists(
                f"Property group named '{group.name}' already exists.",
                context={"name": [group.name]},
            )
        return group

    async def update_group(
        self, portal_id: int, object_type: ObjectType, name: str, changes: Mapping[str, object]
    ) -> PropertyGroup:
        updated = replace(await self.group(portal_id, object_type, name), **changes)  # type: ignore[arg-type]
        await self.store.replace_group(portal_id, object_type.type_id, updated)
        return updated

    async def archive_group(self, portal_id: int, object_type: ObjectType, name: str) -> None:
        current = await self.group(portal_id, object_type, name)
        await self.store.replace_group(
            portal_id, object_type.type_id, replace(current, archived=True)
        )

    # -- record values ------------------------------------------------------------------

    async def check_values(
        self,
        portal_id: int,
        object_type: ObjectType,
        records: Sequence[tuple[int | None, Mapping[str, str | None]]],
    ) -> None:
        """Validate the values of a write: (record id or None for a new record, values).

        Raises HubSpot's 400 naming every bad property, or the 409 of a unique value held by
        another record. ``records`` carry the values as the client sent them, computed ones
        included: a value for a read-only property (``hs_object_id``, the last-modified
        date, calculated properties: ``modificationMetadata.readOnlyValue``) is HubSpot's
        ``READ_ONLY_VALUE``; the create date is accepted and ignored [inferred]. Under
        ``--lenient-properties`` an unknown property is created as a string instead, and a
        read-only value is not refused: ``hs_object_id`` and the dates are ignored (the
        caller drops them), other read-only properties are stored as sent.
        """
        known = await self.known(portal_id, object_type, {n for _, v in records for n in v})
        details: list[ErrorDetail] = []
        unknown: list[str] = []
        email = EMAIL_CHECKED.get(object_type.type_id)
        created, _modified = _date_properties(object_type)
        for _, values in records:
            for name, value in values.items():
                prop = known.get(name)
                if prop is None or prop.archived:
                    if name not in unknown:
                        unknown.append(name)
                    continue
                if value is None or value == "":
                    continue
                if prop.read_only_value and name != created:
                    if not self.lenient:
                        details.append(read_only_error(name))
                    continue
                problem = email_error(name, value) if name == email else None
                problem = problem or _value_error(prop, value)
                if problem is not None:
                    details.append(problem)
        if unknown and self.lenient:
            await self._create_on_first_use(portal_id, object_type, unknown)
        elif unknown:
            details[:0] = [
                _bad(n, f'Property "{n}" does not exist', "PROPERTY_DOESNT_EXIST") for n in unknown
            ]
        if details:
            raise _invalid(details)
        await self._check_unique(portal_id, object_type, known, records)

    async def _create_on_first_use(
        self, portal_id: int, object_type: ObjectType, names: Sequence[str]
    ) -> None:
        group = (await self.groups(portal_id, object_type))[0].name
        stamp = now_ms()
        for name in names:
            # A concurrent first use may have made it already: insert_property's False.
            await self.store.insert_property(
                portal_id,
                object_type.type_id,
                PropertyDef(
                    name, name, "string", "text", group, created_at_ms=stamp, updated_at_ms=stamp
                ),
            )
        self.forget(portal_id, object_type)

    async def _check_unique(
        self,
        portal_id: int,
        object_type: ObjectType,
        known: Mapping[str, PropertyDef],
        records: Sequence[tuple[int | None, Mapping[str, str | None]]],
    ) -> None:
        """The friendly 409 (naming the record that holds the value). The unique index on
        the search index is what really refuses a duplicate, inside the write."""
        for prop in known.values():
            if not prop.has_unique_value:
                continue
            wanted = {
                (values.get(prop.name) or "").lower(): record_id
                for record_id, values in records
                if values.get(prop.name)
            }
            if not wanted:
                continue
            owners = await self.store.owners_of_values(
                portal_id, object_type.type_id, prop.name, sorted(wanted)
            )
            for value, owner in owners.items():
                if wanted.get(value) != owner:
                    raise unique_conflict(object_type, prop.name, owner)


def unique_conflict(object_type: ObjectType, name: str, owner: int | None) -> AssocdbError:
    """HubSpot's 409 for a duplicate: ``Contact already exists. Existing ID: 123`` for
    contact email (a widely quoted HubSpot answer, e.g.
    https://community.hubspot.com/t5/APIs-Integrations/Contact-already-exists-Existing-ID/m-p/303337);
    the same wording for other unique properties [inferred]."""
    noun = object_type.name.replace("_", " ").capitalize()
    shown = f" Existing ID: {owner}" if owner is not None else ""
    return Conflict(
        f"{noun} already exists.{shown}",
        context={"propertyName": [name], **({"id": [str(owner)]} if owner else {})},
    )


def schema_scopes(object_type: ObjectType, access: str) -> tuple[str, ...]:
    """Scopes that grant the properties API of a type (HubSpot's properties spec:
    ``crm.schemas.{type}.read|write``; reads also accept the object's own scopes, and
    tickets and products keep their legacy ``tickets`` / ``e-commerce``)."""
    plural = "custom" if object_type.type_id.startswith("2-") else object_type.plural
    if access == "read":
        return (
            f"crm.schemas.{plural}.read",
            f"crm.schemas.{plural}.write",
            *object_type.read_scopes,
            *object_type.write_scopes,
        )
    legacy = tuple(s for s in object_type.write_scopes if not s.startswith("crm."))
    return (f"crm.schemas.{plural}.write", *legacy)
