"""Owners: ``GET /crm/v3/owners`` and ``/{ownerId}`` with HubSpot's fields and paging,
created by ``assocdb owner create``, the admin API and seed documents."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest

from assocdb.domain.owners import NewOwner, OwnerService, owner_store
from tests.conftest import Api
from tests.live import clean_env

ADMIN = {"Authorization": "Bearer admin-secret"}


def owner(api: Api, portal_id: int, email: str, first: str | None = None) -> int:
    service = OwnerService(owner_store(api.services.store))
    made = api.run(service.create, portal_id, NewOwner(email, first, "Lovelace" if first else None))
    return int(made.owner_id)


def timeless(item: dict[str, Any]) -> dict[str, Any]:
    assert item.pop("createdAt").endswith("Z")
    assert item.pop("updatedAt").endswith("Z")
    return item


@pytest.fixture
def token(api: Api) -> str:
    api.portal(1)
    api.portal(2)
    return api.token(1, ["crm.objects.owners.read"])


def test_list_and_get_with_hubspots_fields(api: Api, token: str) -> None:
    first = owner(api, 1, "Ada@Example.com", "Ada")
    second = owner(api, 1, "bob@example.com")
    owner(api, 2, "other-portal@example.com")
    response = api.get("/crm/v3/owners/", token)
    assert response.status_code == 200
    body = response.json()
    assert [timeless(o) for o in body["results"]] == [
        {
            "id": str(first),
            "email": "Ada@Example.com",
            "type": "PERSON",
            "firstName": "Ada",
            "lastName": "Lovelace",
            "userId": 1000001,
            "userIdIncludingInactive": 1000001,
            "archived": False,
        },
        {
            "id": str(second),
            "email": "bob@example.com",
            "type": "PERSON",
            "firstName": "",
            "lastName": "",
            "userId": 1000002,
            "userIdIncludingInactive": 1000002,
            "archived": False,
        },
    ]
    assert "paging" not in body
    one = api.get(f"/crm/v3/owners/{first}", token).json()
    assert one["email"] == "Ada@Example.com"
    by_user = api.get("/crm/v3/owners/1000002?idProperty=userId", token).json()
    assert by_user["id"] == str(second)


def test_email_filter_is_case_insensitive_and_paging_is_keyset(api: Api, token: str) -> None:
    ids = [owner(api, 1, f"user{i}@example.com") for i in range(5)]
    found = api.get("/crm/v3/owners?email=USER3@example.com", token).json()
    assert [o["id"] for o in found["results"]] == [str(ids[3])]
    seen: list[str] = []
    after = ""
    while True:
        page = api.get(f"/crm/v3/owners/?limit=2&after={after}", token).json()
        seen += [o["id"] for o in page["results"]]
        if "paging" not in page:
            break
        after = page["paging"]["next"]["after"]
    assert seen == [str(i) for i in ids]


def test_errors(api: Api, token: str) -> None:
    missing = api.get("/crm/v3/owners/99", token)
    assert missing.status_code == 404
    body = missing.json()
    assert {k: body[k] for k in ("status", "category", "message")} == {
        "status": "error",
        "category": "OBJECT_NOT_FOUND",
        "message": "No owner with id 99 exists.",
    }
    bad = api.get("/crm/v3/owners/abc", token)
    assert bad.status_code == 400
    assert bad.json()["message"] == "Invalid ownerId 'abc': it must be a positive integer."
    assert api.get("/crm/v3/owners/1?idProperty=email", token).status_code == 400
    assert api.get("/crm/v3/owners?after=x", token).status_code == 400
    no_scope = api.get("/crm/v3/owners", api.token(1, ["crm.objects.contacts.read"]))
    assert no_scope.status_code == 403
    assert no_scope.json()["errors"][0]["context"] == {
        "requiredGranularScopes": ["crm.objects.owners.read", "automation"]
    }
    assert api.get("/crm/v3/owners", None).status_code == 401


def test_duplicate_email_and_bad_email_are_refused(api: Api, token: str) -> None:
    owner(api, 1, "ada@example.com")
    service = OwnerService(owner_store(api.services.store))
    with pytest.raises(Exception, match="already exists"):
        api.run(service.create, 1, NewOwner("ADA@example.com"))
    with pytest.raises(Exception, match="valid email"):
        api.run(service.create, 1, NewOwner("not-an-email"))
    with pytest.raises(Exception, match="does not exist"):
        api.run(service.create, 99, NewOwner("x@example.com"))


def test_admin_api_creates_and_archives_owners(make_api: Callable[..., Api]) -> None:
    api = make_api(admin=True, admin_token="admin-secret")
    api.portal(1)
    token = api.token(1)
    made = api.client.post(
        "/_assocdb/portals/1/owners",
        json={"email": "ada@example.com", "firstName": "Ada"},
        headers=ADMIN,
    )
    assert made.status_code == 201
    owner_id = made.json()["id"]
    assert (
        api.client.post("/_assocdb/portals/1/owners", json={"email": "x@example.com"}).status_code
        == 401
    )
    gone = api.client.delete(f"/_assocdb/portals/1/owners/{owner_id}", headers=ADMIN)
    assert gone.status_code == 204
    assert api.get("/crm/v3/owners", token).json() == {"results": []}
    archived = api.get("/crm/v3/owners?archived=true", token).json()["results"]
    assert [(o["id"], o["archived"]) for o in archived] == [(owner_id, True)]
    assert api.get(f"/crm/v3/owners/{owner_id}", token).status_code == 404
    assert api.get(f"/crm/v3/owners/{owner_id}?archived=true", token).status_code == 200
    # The email is free again once its owner is archived.
    again = api.client.post(
        "/_assocdb/portals/1/owners", json={"email": "ada@example.com"}, headers=ADMIN
    )
    assert again.status_code == 201


def test_seed_documents_create_owners_once(make_api: Callable[..., Api]) -> None:
    api = make_api(admin=True, admin_token="admin-secret")
    api.portal(1)
    token = api.token(1)
    seed = {"owners": [{"email": "ada@example.com", "firstName": "Ada", "lastName": "L"}]}
    for _ in range(2):
        done = api.client.post("/_assocdb/portals/1/seed", json=seed, headers=ADMIN)
        assert done.status_code == 201, done.text
    results = api.get("/crm/v3/owners", token).json()["results"]
    assert [(o["email"], o["firstName"], o["lastName"]) for o in results] == [
        ("ada@example.com", "Ada", "L")
    ]


def test_cli_prints_only_the_owner_id(db_url: str) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "assocdb", *args],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            env=clean_env(),
        )

    assert run("portal", "create", "--db", db_url, "--id", "7").returncode == 0
    done = run(
        "owner",
        "create",
        "--db",
        db_url,
        "--portal",
        "7",
        "--email",
        "ada@example.com",
        "--first-name",
        "Ada",
        "--last-name",
        "Lovelace",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "10000001\n"
    with_teams = run(
        "owner",
        "create",
        "--db",
        db_url,
        "--portal",
        "7",
        "--email",
        "bo@example.com",
        "--team",
        "Sales",
        "--team",
        "Support",
    )
    assert with_teams.returncode == 0, with_teams.stderr
    assert with_teams.stdout == "10000002\n"
    again = run("owner", "create", "--db", db_url, "--portal", "7", "--email", "ADA@example.com")
    assert again.returncode == 1
    assert again.stdout == ""
    assert again.stderr == "error: An owner with the email 'ADA@example.com' already exists.\n"


def test_teams_from_the_admin_api_and_seed_documents(make_api: Callable[..., Api]) -> None:
    """``teams`` (``id``, ``name``, ``primary``) as HubSpot's owners API returns them
    (https://developers.hubspot.com/docs/api/crm/owners): the first team named is the
    primary; one name (case-insensitive) is one team of the portal; no team, no field."""
    api = make_api(admin=True, admin_token="admin-secret")
    api.portal(1)
    token = api.token(1)
    made = api.client.post(
        "/_assocdb/portals/1/owners",
        json={"email": "ada@example.com", "teams": ["Sales", "EMEA"]},
        headers=ADMIN,
    )
    assert made.status_code == 201, made.text
    teams = made.json()["teams"]
    assert [(t["name"], t["primary"]) for t in teams] == [("Sales", True), ("EMEA", False)]
    sales, emea = (t["id"] for t in teams)
    assert sales.isdigit()
    assert emea.isdigit()
    assert sales != emea
    seed = {"owners": [{"email": "bob@example.com", "teams": ["emea", "Support"]}]}
    done = api.client.post("/_assocdb/portals/1/seed", json=seed, headers=ADMIN)
    assert done.status_code == 201, done.text
    bob = api.get("/crm/v3/owners?email=bob@example.com", token).json()["results"][0]
    # "emea" is the EMEA team made before: same id, its first spelling.
    assert bob["teams"][0] == {"id": emea, "name": "EMEA", "primary": True}
    assert (bob["teams"][1]["name"], bob["teams"][1]["primary"]) == ("Support", False)
    ada = api.get(f"/crm/v3/owners/{made.json()['id']}", token).json()
    assert ada["teams"] == teams
    plain = api.client.post(
        "/_assocdb/portals/1/owners", json={"email": "cy@example.com"}, headers=ADMIN
    )
    assert "teams" not in plain.json()
    for bad in (["Sales", "sales"], [""], ["x" * 101], [f"t{i}" for i in range(21)]):
        refused = api.client.post(
            "/_assocdb/portals/1/owners",
            json={"email": "dee@example.com", "teams": bad},
            headers=ADMIN,
        )
        assert refused.status_code == 400, bad
        assert refused.json()["category"] == "VALIDATION_ERROR"
