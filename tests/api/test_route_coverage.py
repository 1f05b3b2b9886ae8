"""The route table, the endpoint table of docs/compatibility.md and the HubSpot operations
assocdb claims (tests/api/hubspot_operations.py) agree — the stripe-mock habit: a route
that goes missing, a scope rule that changes, or a page that drifts fails here, not in a
user's integration."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assocdb.http.endpoint_table import BEGIN, END, endpoint_table
from assocdb.http.operation import Operation
from assocdb.http.routes import OPERATIONS
from assocdb.http.scopes import CRM_OBJECT_SCOPES, AnyScope, TypeScope
from tests.api.hubspot_operations import CLAIMED, Rule

DOCS = Path(__file__).resolve().parents[2] / "docs" / "compatibility.md"
ROUTED = {(op.method, op.path): op for op in OPERATIONS}
TYPE_PARAMS = ("fromObjectType", "objectType", "toObjectType")


def _rule_of(op: Operation) -> Rule | None:
    """The claim kind an operation's scope rules amount to (None: none of them)."""
    rules = op.required_scopes
    if rules == (AnyScope(CRM_OBJECT_SCOPES),):
        return "any"
    in_path = [p for p in TYPE_PARAMS if "{" + p + "}" in op.path]
    if rules == tuple(TypeScope(p, "read") for p in in_path):
        return "read"
    if rules == (TypeScope(in_path[0], "write"),):
        return "write"
    return None


@pytest.mark.parametrize(("method", "path"), sorted(CLAIMED))
def test_every_claimed_hubspot_operation_is_routed_with_its_scope_rule(
    method: str, path: str
) -> None:
    assert (method, path) in ROUTED
    assert _rule_of(ROUTED[method, path]) == CLAIMED[method, path]


def test_every_routed_crm_operation_is_a_claimed_hubspot_operation() -> None:
    crm = {key for key in ROUTED if key[1].startswith("/crm/")}
    assert crm - set(CLAIMED) == set()
    # Everything else is our own (health, readiness, metrics) and needs no token.
    assert all(not ROUTED[k].required_scopes for k in set(ROUTED) - crm)


def _documented_block() -> str:
    text = DOCS.read_text(encoding="utf-8")
    assert text.count(BEGIN) == 1
    assert text.count(END) == 1
    return text[text.index(BEGIN) : text.index(END) + len(END)]


def test_the_docs_endpoint_table_is_the_route_table() -> None:
    assert _documented_block() == endpoint_table(), (
        "docs/compatibility.md's endpoint table drifted from the route table: run "
        "`python -m assocdb.http.endpoint_table --write docs/compatibility.md`"
    )


_FORMS = re.compile(r"^Served under: (.*)\.$")
_ROW = re.compile(r"^\| [^|]+ \| `(\w+) (/\S+)` \| ([^|]+) \|")
_SCOPES = {
    "read": re.compile(r"^read of `\{\w+\}`( and read of `\{\w+\}`)?$"),
    "write": re.compile(r"^write of `\{\w+\}`$"),
    "any": re.compile(r"^any CRM object scope$"),
}


def _documented_operations() -> dict[tuple[str, str], str]:
    """(method, path) → scopes cell, as a reader of the page would expand it."""
    found: dict[tuple[str, str], str] = {}
    forms: list[list[str]] = []
    for line in _documented_block().splitlines():
        if match := _FORMS.match(line):
            forms = [re.findall(r"`([^`]+)`", form) for form in match[1].split("; ")]
        elif match := _ROW.match(line):
            method, path, scopes = match[1], match[2], match[3].strip()
            for prefixes in forms:
                served = path
                for canonical, prefix in zip(forms[0], prefixes, strict=True):
                    if path.startswith(canonical + "/"):
                        served = prefix + path[len(canonical) :]
                found[method, served] = scopes
    return found


def test_the_docs_list_every_claimed_operation_with_its_scope_rule() -> None:
    documented = _documented_operations()
    crm = {k: v for k, v in documented.items() if k[1].startswith("/crm/")}
    assert set(crm) == set(CLAIMED)
    wrong = [k for k, cell in crm.items() if not _SCOPES[CLAIMED[k]].match(cell)]
    assert wrong == []


def test_operation_ids_are_unique() -> None:
    ids = [op.operation_id for op in OPERATIONS]
    assert len(ids) == len(set(ids))


async def _noop(call: object) -> object:
    return None


def test_a_route_that_names_no_object_type_must_declare_its_scopes() -> None:
    with pytest.raises(ValueError, match="names no object type"):
        Operation("GET", "/crm/v4/associations/all", _noop, "x", "x", "x")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"no \{toObjectType\}"):
        Operation(
            "GET",
            "/crm/v3/objects/{objectType}",
            _noop,  # type: ignore[arg-type]
            "x",
            "x",
            "x",
            scopes=(TypeScope("toObjectType", "read"),),
        )


def test_the_any_crm_object_scope_set_is_hubspots() -> None:
    # Spot checks of the list HubSpot's associations pages give (80 scopes, read or
    # write of any CRM object, and the legacy tickets / e-commerce scopes).
    scopes = set(CRM_OBJECT_SCOPES)
    assert len(CRM_OBJECT_SCOPES) == 80
    assert {
        "crm.objects.contacts.read",
        "crm.objects.companies.write",
        "crm.objects.custom.highly_sensitive.write.v2",
        "crm.objects.notes.read",
        "crm.objects.listings.read",
        "crm.objects.tickets.sensitive.read",
        "crm.objects.projects.highly_sensitive.write",
        "tickets",
        "tickets.sensitive.v2",
        "e-commerce",
        "media_bridge.read",
    } <= scopes
    assert {"content", "oauth", "crm.objects.notes.write", "crm.schemas.contacts.read"}.isdisjoint(
        scopes
    )
