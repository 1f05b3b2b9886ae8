"""The per-portal cache of property definitions (``PropertyService``, docs/properties.md):
every search and record write reads them, so a worker keeps them; every change made through
the service drops them at once, a change made elsewhere is seen within
``CATALOG_TTL_S``, and a name the cached ones lack is read again before it is refused. Both
backends. The TTL is made an hour here, so only the invalidation can make these pass."""

from __future__ import annotations

from typing import Any

import pytest

import assocdb.domain.properties as properties_domain
from assocdb.domain.objecttypes import resolve_object_type
from assocdb.domain.properties import PropertyService
from tests.conftest import Api

PROPS = "/crm/v3/properties"
V3 = "/crm/v3/objects"
ADMIN = "cache-admin-token"
CONTACTS = resolve_object_type("contacts")


@pytest.fixture(autouse=True)
def long_ttl(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(properties_domain, "CATALOG_TTL_S", 3600.0)


@pytest.fixture
def admin_api(make_api: Any) -> Api:
    api: Api = make_api(admin=True, admin_token=ADMIN)
    api.portal(1)
    return api


def _color(api: Api, token: str) -> None:
    made = api.post(
        f"{PROPS}/contacts",
        token,
        {
            "name": "color",
            "label": "Color",
            "type": "enumeration",
            "fieldType": "select",
            "groupName": "contactinformation",
            "options": [{"label": "Red", "value": "red"}, {"label": "Blue", "value": "blue"}],
        },
    )
    assert made.status_code == 201, made.text


def _contact(api: Api, token: str, color: str) -> Any:
    return api.post(f"{V3}/contacts", token, {"properties": {"color": color}})


def _search(api: Api, token: str, color: str) -> Any:
    body = {
        "filterGroups": [{"filters": [{"propertyName": "color", "operator": "EQ", "value": color}]}]
    }
    return api.post(f"{V3}/contacts/search", token, body)


def test_property_changes_are_seen_at_once(admin_api: Api) -> None:
    api = admin_api
    token = api.token(1)
    _color(api, token)
    assert _contact(api, token, "red").status_code == 201  # the cache holds red, blue
    assert _contact(api, token, "green").status_code == 400
    # A new option: the next write and search see it.
    patched = api.client.patch(
        f"{PROPS}/contacts/color",
        json={"options": [{"label": "Red", "value": "red"}, {"label": "Green", "value": "green"}]},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert patched.status_code == 200, patched.text
    assert _contact(api, token, "green").status_code == 201
    assert _search(api, token, "green").json()["total"] == 1
    # Archived: unknown to writes and searches at once.
    archived = api.client.delete(
        f"{PROPS}/contacts/color", headers={"Authorization": f"Bearer {token}"}
    )
    assert archived.status_code == 204
    refused = _contact(api, token, "red")
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["code"] == "PROPERTY_DOESNT_EXIST"
    assert _search(api, token, "red").status_code == 400


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_changes_made_by_another_worker(api: Api) -> None:
    """Two services on one store stand for two workers: a new property is seen at once (an
    unknown name is read again), a changed one within the TTL."""
    api.portal(1)
    token = api.token(1)
    clock = Clock()
    worker = PropertyService(api.services.properties.store, clock=clock)
    checks = [(None, {"firstname": "A"})]
    api.run(worker.check_values, 1, CONTACTS, checks)  # warm: the defaults only
    _color(api, token)  # made by the other "worker" (the app's own service)
    api.run(worker.check_values, 1, CONTACTS, [(None, {"color": "red"})])
    patched = api.client.patch(
        f"{PROPS}/contacts/color",
        json={"options": [{"label": "Green", "value": "green"}]},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert patched.status_code == 200
    # Still the old options for up to the TTL (3600 s here), then the new ones.
    api.run(worker.check_values, 1, CONTACTS, [(None, {"color": "red"})])
    clock.now += 3600.0
    with pytest.raises(properties_domain.ValidationError) as refused:
        api.run(worker.check_values, 1, CONTACTS, [(None, {"color": "red"})])
    assert refused.value.errors[0].code == "INVALID_OPTION"
