"""Scope requirements of an operation, and the one check that enforces them.

An operation's requirement is a conjunction of HubSpot-style OR-sets: the token must hold
at least one scope of *every* set. A set is either fixed (``AnyScope``, for routes that name
no object type) or the read or write scopes of the object type a path parameter names
(``TypeScope``), resolved per request. Where the requirements come from is explained in
docs/compatibility.md ("Where scopes come from").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from assocdb.domain.auth import Principal, require_any
from assocdb.domain.objecttypes import ObjectType

__all__ = [
    "CRM_OBJECT_SCOPES",
    "TYPE_PARAMS",
    "Access",
    "AnyScope",
    "ScopeRule",
    "TypeScope",
    "check_scopes",
    "derive_scopes",
    "one_of",
]

Access = Literal["read", "write"]

TYPE_PARAMS = ("fromObjectType", "objectType", "toObjectType")
"""Path parameters that name object types; the first present is the "from" side."""


def _family(name: str, *suffixes: str) -> tuple[str, ...]:
    return tuple(f"crm.objects.{name}.{suffix}" for suffix in suffixes)


_RW = ("read", "write")
_RW_SENSITIVE_V2 = (
    *_RW,
    "sensitive.read.v2",
    "sensitive.write.v2",
    "highly_sensitive.read.v2",
    "highly_sensitive.write.v2",
)

CRM_OBJECT_SCOPES: tuple[str, ...] = tuple(
    sorted(
        {
            *_family("appointments", *_RW, "sensitive.read.v2", "sensitive.write.v2"),
            *(f"crm.objects.{n}.read" for n in ("calls", "emails", "meetings", "notes", "tasks")),
            *(
                s
                for n in ("companies", "contacts", "custom", "deals")
                for s in _family(n, *_RW_SENSITIVE_V2)
            ),
            *(
                s
                for n in (
                    "carts",
                    "commercepayments",
                    "courses",
                    "goals",
                    "invoices",
                    "leads",
                    "line_items",
                    "listings",
                    "orders",
                    "partner-clients",
                    "partner-services",
                    "products",
                    "quotes",
                    "services",
                    "subscriptions",
                    "users",
                )
                for s in _family(n, *_RW)
            ),
            # Projects and tickets spell their sensitive variants without ".v2" here.
            *_family(
                "projects",
                *_RW,
                "sensitive.read",
                "sensitive.write",
                "highly_sensitive.read",
                "highly_sensitive.write",
            ),
            *_family(
                "tickets",
                "sensitive.read",
                "sensitive.write",
                "highly_sensitive.read",
                "highly_sensitive.write",
            ),
            "tickets",
            "tickets.sensitive.v2",
            "tickets.highly_sensitive.v2",
            "e-commerce",
            "media_bridge.read",
        }
    )
)
"""Any one of these passes HubSpot's check on the associations v4 and schema operations.

HubSpot lists this same OR-set ("This API requires one of the following scopes") on every
associations and association-schema operation, e.g. "Retrieve all association limits",
https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associations-schema/limits/get-all-associations-limits
and its 2026-03 page. Read and write scopes of any CRM object are in it: HubSpot's own check
on these routes is "the app may touch some CRM object". assocdb applies it as is only
where the path names no object type; elsewhere the per-type rule (``TypeScope``) is stricter.
"""


@dataclass(frozen=True, slots=True)
class AnyScope:
    """A fixed OR-set: the token needs one of ``scopes``."""

    scopes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TypeScope:
    """The OR-set of read (or write) scopes of the object type named by path ``param``."""

    param: str
    access: Access


ScopeRule = AnyScope | TypeScope


def derive_scopes(access: Access, path: str) -> tuple[ScopeRule, ...]:
    """The rule for an operation that declares only ``access``, from its path's object types.

    Reads need a read scope of every object type in the path, writes a write scope of the
    side being changed (the first); both are our reading of HubSpot's per-object scopes
    (https://developers.hubspot.com/scopes) — its v4 specs list only the OR-set above.
    """
    params = [p for p in TYPE_PARAMS if "{" + p + "}" in path]
    if not params:
        raise ValueError(
            f"{path} names no object type: give its scopes explicitly (e.g. CRM_OBJECT_SCOPES)"
        )
    if access == "write":
        params = params[:1]
    return tuple(TypeScope(p, access) for p in params)


def one_of(rule: ScopeRule, types: Mapping[str, ObjectType]) -> tuple[str, ...]:
    """The scopes that satisfy ``rule`` on this request."""
    if isinstance(rule, AnyScope):
        return rule.scopes
    object_type = types[rule.param]
    return object_type.read_scopes if rule.access == "read" else object_type.write_scopes


def check_scopes(
    rules: tuple[ScopeRule, ...], principal: Principal, types: Mapping[str, ObjectType]
) -> None:
    """403 MISSING_SCOPES naming the first OR-set the principal holds no scope of."""
    for rule in rules:
        require_any(principal, one_of(rule, types))
