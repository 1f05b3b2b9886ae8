"""``token create`` accepts exactly HubSpot's scope names: every scope the server checks
is one of them, and close misspellings get a suggestion."""

from __future__ import annotations

import pytest

from assocdb.domain.objecttypes import STANDARD_TYPES
from assocdb.domain.scopes import KNOWN_SCOPES, check_scope_names
from assocdb.errors import ValidationError
from assocdb.http.routes import OPERATIONS
from assocdb.http.scopes import CRM_OBJECT_SCOPES, AnyScope


def test_every_scope_the_server_checks_can_be_granted() -> None:
    checked = set(CRM_OBJECT_SCOPES)
    for op in OPERATIONS:
        for rule in op.required_scopes:
            if isinstance(rule, AnyScope):
                checked |= set(rule.scopes)
    for object_type in STANDARD_TYPES:
        checked |= set(object_type.read_scopes) | set(object_type.write_scopes)
    assert checked - KNOWN_SCOPES == set()


@pytest.mark.parametrize(
    ("names", "message"),
    [
        ({"crm.objects.contact.read"}, "did you mean 'crm.objects.contacts.read'?"),
        ({"crm.object.deals.write"}, "did you mean 'crm.objects.deals.write'?"),
        ({"e-comerce"}, "did you mean 'e-commerce'?"),
        ({"ALL"}, "did you mean 'all'?"),
        ({"all", "tickets"}, "cannot be combined"),
        ({"zzzzzz"}, "unknown HubSpot scope 'zzzzzz' (see"),
    ],
)
def test_unknown_names_are_refused_with_a_hint(names: set[str], message: str) -> None:
    with pytest.raises(ValidationError) as error:
        check_scope_names(frozenset(names))
    assert message in error.value.message


def test_hubspot_names_pass() -> None:
    check_scope_names(frozenset({"crm.objects.contacts.read", "tickets", "crm.lists.write"}))
