"""CRM object types: names, aliases, type ids and the scopes that guard them.

Path segments accept the object name (singular or plural, any case) or the type id
(``0-1``); custom objects are ``2-N``. Reads need ``crm.objects.{type}.read`` (tickets:
``tickets``; custom: ``crm.objects.custom.read``).

HubSpot: https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associate-records/guide
https://developers.hubspot.com/docs/api-reference/crm-associations-v3/guide
https://developers.hubspot.com/docs/apps/developer-platform/build-apps/authentication/scopes
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assocdb.errors import ValidationError

__all__ = ["CUSTOM_TYPE", "STANDARD_TYPES", "ObjectType", "resolve_object_type"]


@dataclass(frozen=True, slots=True)
class ObjectType:
    type_id: str
    """HubSpot's object type id, e.g. ``"0-1"``; the key used in storage."""
    name: str
    """Singular lower-case name, as HubSpot spells types in error messages (``"contact"``)."""
    plural: str
    read_scopes: tuple[str, ...]
    """Any one of these grants read access (https://developers.hubspot.com/docs/apps/developer-platform/build-apps/authentication/scopes)."""
    write_scopes: tuple[str, ...]

    @property
    def upper_name(self) -> str:
        """Upper-case name, as HubSpot's configuration errors spell it (``"CONTACT"``)."""
        return self.name.upper()


def _granular(plural: str, *legacy: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Read and write scopes of an object guarded by ``crm.objects.{plural}.*`` scopes.

    Any sensitive variant satisfies the plain requirement too:
    https://developers.hubspot.com/docs/apps/developer-platform/build-apps/authentication/scopes
    """
    base = f"crm.objects.{plural}"
    read = (
        f"{base}.read",
        f"{base}.sensitive.read.v2",
        f"{base}.highly_sensitive.read.v2",
        *legacy,
    )
    write = (
        f"{base}.write",
        f"{base}.sensitive.write.v2",
        f"{base}.highly_sensitive.write.v2",
        *legacy,
    )
    return read, write


def _type(type_id: str, name: str, plural: str, scope_plural: str, *legacy: str) -> ObjectType:
    read, write = _granular(scope_plural, *legacy)
    return ObjectType(type_id, name, plural, read, write)


def _activity(type_id: str, name: str, plural: str) -> ObjectType:
    """An activity: guarded by the contacts scopes, as HubSpot's activity pages list
    (https://developers.hubspot.com/docs/api-reference/latest/crm/activities/notes/guide).
    Calls, emails, meetings, notes and tasks also have a read-only scope of their own in
    the set HubSpot's associations pages accept
    (https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associations-schema/limits/get-all-associations-limits);
    [inferred] that scope reads its own type."""
    read, write = _granular("contacts")
    return ObjectType(type_id, name, plural, (*read, f"crm.objects.{plural}.read"), write)


# Tickets use the legacy ``tickets`` scope for everything; HubSpot:
# https://developers.hubspot.com/docs/apps/developer-platform/build-apps/authentication/scopes
# HubSpot's
# associations pages also list crm.objects.tickets.(highly_)sensitive.read/.write (no
# ".v2"), which are accepted for the matching access.
_TICKETS_SCOPES = ("tickets", "tickets.sensitive.v2", "tickets.highly_sensitive.v2")
_TICKETS_READ = (
    *_TICKETS_SCOPES,
    "crm.objects.tickets.sensitive.read",
    "crm.objects.tickets.highly_sensitive.read",
)
_TICKETS_WRITE = (
    *_TICKETS_SCOPES,
    "crm.objects.tickets.sensitive.write",
    "crm.objects.tickets.highly_sensitive.write",
)

STANDARD_TYPES: tuple[ObjectType, ...] = (
    _type("0-1", "contact", "contacts", "contacts"),
    _type("0-2", "company", "companies", "companies"),
    _type("0-3", "deal", "deals", "deals"),
    ObjectType("0-5", "ticket", "tickets", _TICKETS_READ, _TICKETS_WRITE),
    _type("0-7", "product", "products", "products", "e-commerce"),
    _type("0-8", "line_item", "line_items", "line_items", "e-commerce"),
    _type("0-14", "quote", "quotes", "quotes"),
    # [inferred] Communications and postal mail have no scope of their own in HubSpot's
    # lists: the contacts scopes guard them like the other activities.
    _type("0-18", "communication", "communications", "contacts"),
    _type("0-19", "feedback_submission", "feedback_submissions", "feedback_submissions"),
    _activity("0-27", "task", "tasks"),
    _activity("0-46", "note", "notes"),
    _activity("0-47", "meeting", "meetings"),
    _activity("0-48", "call", "calls"),
    _activity("0-49", "email", "emails"),
    _type("0-53", "invoice", "invoices", "invoices"),
    _type("0-116", "postal_mail", "postal_mail", "contacts"),
    _type("0-123", "order", "orders", "orders"),
    _type("0-136", "lead", "leads", "leads"),
    _type("0-142", "cart", "carts", "carts"),
)

_CUSTOM_READ = ("crm.objects.custom.read", "crm.objects.custom.sensitive.read.v2")
_CUSTOM_WRITE = ("crm.objects.custom.write", "crm.objects.custom.sensitive.write.v2")
CUSTOM_TYPE = re.compile(r"2-[1-9][0-9]{0,17}")


def _aliases(t: ObjectType) -> set[str]:
    names = {t.type_id, t.name, t.plural}
    # ``line_items`` is also written ``lineitems`` / ``line-items`` by some clients.
    names |= {n.replace("_", "") for n in (t.name, t.plural)}
    names |= {n.replace("_", "-") for n in (t.name, t.plural)}
    return names


_BY_ALIAS: dict[str, ObjectType] = {
    alias: t for t in STANDARD_TYPES for alias in sorted(_aliases(t))
}


def resolve_object_type(text: str) -> ObjectType:
    """The object type named by a path segment; unknown names are a 400.

    HubSpot: https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associate-records/guide
    https://developers.hubspot.com/docs/api-reference/crm-associations-v3/guide
    """
    key = text.strip().lower()
    found = _BY_ALIAS.get(key)
    if found is not None:
        return found
    if CUSTOM_TYPE.fullmatch(key):
        return ObjectType(key, key, key, _CUSTOM_READ, _CUSTOM_WRITE)
    # HubSpot's wording for an object type it cannot resolve.
    raise ValidationError(f"Unable to infer object type from: {text}")
