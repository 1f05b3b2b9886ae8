"""The events of record changes, emitted by the domain in the change's unit of work, on
every backend: merges (HubSpot's merge payload), archives (an associationChange per lost
association and subscribed side), GDPR deletes (contact.privacyDeletion), seeds (none
unless asked), and storage's own writes (none: the domain is the only emitter)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hubspot.utils.signature import Signature

from assocdb.cli_harness import seed_command
from assocdb.domain.apps import create_app, webhook_store
from assocdb.domain.objecttypes import resolve_object_type
from assocdb.domain.store import Store
from assocdb.errors import ValidationError
from assocdb.storage import run_with_store
from assocdb.testing.webhooks import WebhookReceiver
from tests.conftest import Api, hs
from tests.harness.test_admin import ADMIN, AUTH
from tests.webhooks.conftest import AppKeys, make_app
from tests.webhooks.test_delivery import active, by_type, configure


def removals(events: list[dict[str, Any]]) -> list[tuple[str, int, int, bool]]:
    return sorted(
        (e["subscriptionType"], e["fromObjectId"], e["toObjectId"], e["isPrimaryAssociation"])
        for e in events
        if e["subscriptionType"].endswith("associationChange") and e["associationRemoved"]
    )


async def written_events(store: Store) -> int:
    """Every event written to the outbox so far. A write transaction stores its events as
    one change row; a claim of no event fans pending change rows out into one
    ``webhook_events`` row per event first, so they can be counted."""
    await webhook_store(store).claim_events("count", 0, 0, 0)
    count: int = await store.count_rows("webhook_events")
    return count


def outbox_rows(api: Api) -> int:
    count: int = api.run(written_events, api.services.store)
    return count


@pytest.fixture
def hook_api(make_api: Callable[..., Api]) -> Api:
    api = make_api(webhook_retry_base_ms=50)
    api.portal(101)
    return api


@pytest.fixture
def quiet_api(make_api: Callable[..., Api]) -> Api:
    """No delivery worker: events stay in the outbox, where a test can count them."""
    api = make_api(webhook_delivery=False, admin=True, admin_token=ADMIN)
    api.portal(101)
    return api


def subscribe_quietly(api: Api, *event_types: str) -> AppKeys:
    keys = make_app(api, 101, 7100)
    base = f"/webhooks/v3/{keys.app_id}/subscriptions"
    for event_type in event_types:
        made = api.client.post(base, params={"hapikey": keys.api_key}, json=active(event_type))
        assert made.status_code == 201, made.text
    return keys


def test_merge_sends_hubspots_merge_payload_and_the_moved_associations(
    hook_api: Api, webhook_receiver: WebhookReceiver
) -> None:
    api = hook_api
    keys = make_app(api, 101, 7001)
    configure(
        api,
        keys,
        webhook_receiver,
        [
            active("contact.merge"),
            active("contact.deletion"),
            active("contact.associationChange"),
            active("company.associationChange"),
        ],
    )
    token = api.token(101)
    primary = api.post("/crm/v3/objects/contacts", token, {"properties": {"email": "p@x.test"}})
    merged = api.post(
        "/crm/v3/objects/contacts",
        token,
        {"properties": {"email": "m@x.test", "firstname": "Mo", "lastname": "Ng"}},
    )
    primary_id, merged_id = int(primary.json()["id"]), int(merged.json()["id"])
    (company,) = api.objects(101, "company", 1)
    api.associate(101, "contact", "company", [(merged_id, company, [hs(1)])])
    webhook_receiver.wait_for(2)  # the associate's two sides
    webhook_receiver.clear()

    answer = api.post(
        "/crm/v3/objects/contacts/merge",
        token,
        {"primaryObjectId": str(primary_id), "objectIdToMerge": str(merged_id)},
    )
    assert answer.status_code == 200, answer.text

    events = webhook_receiver.wait_for(6)
    (merge,) = by_type(events, "contact.merge")
    assert merge["objectId"] == primary_id
    assert merge["primaryObjectId"] == primary_id
    assert merge["mergedObjectIds"] == [merged_id]
    assert merge["newObjectId"] == primary_id
    assert merge["numberOfPropertiesMoved"] == 2  # firstname and lastname; not email
    assert merge["changeSource"] == "API"
    assert [e["objectId"] for e in by_type(events, "contact.deletion")] == [merged_id]
    assert removals(events) == [
        ("company.associationChange", company, merged_id, True),
        ("contact.associationChange", merged_id, company, True),
    ]
    added = sorted(
        (e["subscriptionType"], e["fromObjectId"], e["toObjectId"])
        for e in events
        if e["subscriptionType"].endswith("associationChange") and not e["associationRemoved"]
    )
    assert added == [
        ("company.associationChange", company, primary_id),
        ("contact.associationChange", primary_id, company),
    ]
    for request in webhook_receiver.requests:
        assert request.verify(keys.client_secret)
        assert Signature.is_valid(
            signature=request.header("X-HubSpot-Signature") or "",
            client_secret=keys.client_secret,
            request_body=request.body,
            signature_version="v1",
        )


def test_a_rolled_back_merge_emits_nothing(quiet_api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    api = quiet_api
    subscribe_quietly(
        api,
        "contact.merge",
        "contact.deletion",
        "contact.associationChange",
        "company.associationChange",
    )
    contacts = api.objects(101, "contact", 2)
    (company,) = api.objects(101, "company", 1)
    api.associate(101, "contact", "company", [(contacts[1], company, [hs(1)])])
    before = outbox_rows(api)

    def fail(*_: Any) -> Any:
        # After the associations moved (their events were added to the transaction's sink)
        # and the merged record was purged: the whole unit of work must roll back.
        raise ValidationError("the merge fails late")

    monkeypatch.setattr("assocdb.domain.merge.merged_properties", fail)
    token = api.token(101)
    answer = api.post(
        "/crm/v3/objects/contacts/merge",
        token,
        {"primaryObjectId": str(contacts[0]), "objectIdToMerge": str(contacts[1])},
    )
    assert answer.status_code == 400, answer.text
    assert outbox_rows(api) == before
    # And the change itself rolled back with them.
    assert api.get(f"/crm/v3/objects/contacts/{contacts[1]}", token).status_code == 200


def test_archive_sends_an_association_change_per_lost_association_and_subscribed_side(
    hook_api: Api, webhook_receiver: WebhookReceiver
) -> None:
    api = hook_api
    keys = make_app(api, 101, 7002)
    configure(
        api,
        keys,
        webhook_receiver,
        [
            active("contact.deletion"),
            active("contact.associationChange"),
            active("company.associationChange"),
        ],
    )
    (contact,) = api.objects(101, "contact", 1)
    companies = api.objects(101, "company", 3)
    deals = api.objects(101, "deal", 2)
    api.associate(
        101,
        "contact",
        "company",
        [(contact, companies[0], [hs(1)]), (contact, companies[1]), (contact, companies[2])],
    )
    api.associate(101, "contact", "deal", [(contact, d) for d in deals])
    webhook_receiver.wait_for(3 * 2 + 2)  # companies: both sides; deals: the contact's only
    webhook_receiver.clear()

    token = api.token(101)
    gone = api.client.delete(
        f"/crm/v3/objects/contacts/{contact}", headers={"Authorization": f"Bearer {token}"}
    )
    assert gone.status_code == 204

    events = webhook_receiver.wait_for(1 + 3 * 2 + 2)
    assert [e["objectId"] for e in by_type(events, "contact.deletion")] == [contact]
    assert removals(events) == sorted(
        [
            ("company.associationChange", companies[0], contact, True),
            ("company.associationChange", companies[1], contact, False),
            ("company.associationChange", companies[2], contact, False),
            ("contact.associationChange", contact, companies[0], True),
            ("contact.associationChange", contact, companies[1], False),
            ("contact.associationChange", contact, companies[2], False),
            ("contact.associationChange", contact, deals[0], False),
            ("contact.associationChange", contact, deals[1], False),
        ]
    )
    types = {e["associationType"] for e in events if "associationType" in e}
    assert types == {"CONTACT_TO_COMPANY", "COMPANY_TO_CONTACT", "CONTACT_TO_DEAL"}


def test_archive_without_association_subscriptions_writes_only_the_deletion(
    quiet_api: Api,
) -> None:
    api = quiet_api
    subscribe_quietly(api, "contact.deletion", "deal.creation")
    (contact,) = api.objects(101, "contact", 1)
    companies = api.objects(101, "company", 5)
    api.associate(101, "contact", "company", [(contact, c) for c in companies])
    before = outbox_rows(api)
    api.run(api.services.objects.archive, 101, resolve_object_type("contacts"), [contact])
    assert outbox_rows(api) == before + 1


def test_gdpr_delete_sends_privacy_deletion_and_the_normal_deletion(
    hook_api: Api, webhook_receiver: WebhookReceiver
) -> None:
    api = hook_api
    keys = make_app(api, 101, 7003)
    configure(
        api,
        keys,
        webhook_receiver,
        [active("contact.privacyDeletion"), active("contact.deletion")],
    )
    live, archived = api.objects(101, "contact", 2)
    token = api.token(101)
    headers = {"Authorization": f"Bearer {token}"}
    assert api.client.delete(f"/crm/v3/objects/contacts/{archived}", headers=headers).is_success
    webhook_receiver.wait_for(1)
    webhook_receiver.clear()

    for object_id in (live, archived):
        answer = api.post(
            "/crm/v3/objects/contacts/gdpr-delete", token, {"objectId": str(object_id)}
        )
        assert answer.status_code == 204, answer.text

    events = webhook_receiver.wait_for(3)
    privacy = by_type(events, "contact.privacyDeletion")
    assert sorted(e["objectId"] for e in privacy) == sorted([live, archived])
    assert [e["objectId"] for e in by_type(events, "contact.deletion")] == [live]
    assert all(r.verify(keys.client_secret) for r in webhook_receiver.requests)


@pytest.mark.parametrize("event_type", ["company.privacyDeletion", "object.privacyDeletion"])
def test_privacy_deletion_is_a_contact_event_only(hook_api: Api, event_type: str) -> None:
    keys = make_app(hook_api, 101, 7004)
    body = {**active(event_type), "objectTypeId": "0-2"}
    answer = hook_api.client.post(
        f"/webhooks/v3/{keys.app_id}/subscriptions", params={"hapikey": keys.api_key}, json=body
    )
    assert answer.status_code == 400
    assert answer.json()["category"] == "VALIDATION_ERROR"


def test_storage_writes_emit_nothing_the_domain_emits_once(quiet_api: Api) -> None:
    api = quiet_api
    subscribe_quietly(api, "contact.creation", "contact.deletion")
    contact = resolve_object_type("contacts")
    store = api.services.store
    made = api.run(store.create_objects, 101, contact.type_id, [{}, {}], 1)
    api.run(store.archive_objects, 101, contact.type_id, [made[0].object_id], 2)
    assert outbox_rows(api) == 0
    api.run(api.services.objects.create_many, 101, contact, [{}, {}, {}])
    assert outbox_rows(api) == 3


def test_update_sends_property_changes_of_changed_values_only(quiet_api: Api) -> None:
    api = quiet_api
    keys = subscribe_quietly(api, "contact.creation")
    made = api.client.post(
        f"/webhooks/v3/{keys.app_id}/subscriptions",
        params={"hapikey": keys.api_key},
        json=active("contact.propertyChange", propertyName="firstname"),
    )
    assert made.status_code == 201
    contact = resolve_object_type("contacts")
    (created,) = api.run(api.services.objects.create_many, 101, contact, [{"firstname": "A"}])
    assert outbox_rows(api) == 2  # the creation and firstname's propertyChange
    token = api.token(101)
    inputs = [{"id": str(created.object_id), "properties": {"firstname": "A", "lastname": "B"}}]
    same = api.post("/crm/v3/objects/contacts/batch/update", token, {"inputs": inputs})
    assert same.status_code == 200, same.text
    assert outbox_rows(api) == 2  # the same value again sends nothing
    inputs[0]["properties"]["firstname"] = "C"
    api.post("/crm/v3/objects/contacts/batch/update", token, {"inputs": inputs})
    assert outbox_rows(api) == 3


def seed_doc(email: str) -> dict[str, Any]:
    return {
        "objects": {
            "contacts": [{"key": "a", "properties": {"email": email}}],
            "companies": [{"key": "c", "properties": {"name": "C"}}],
        },
        "associations": [
            {"fromObjectType": "contacts", "from": "a", "toObjectType": "companies", "to": "c"}
        ],
    }


def test_seeds_send_no_events_unless_asked(
    make_api: Callable[..., Api], webhook_receiver: WebhookReceiver
) -> None:
    api = make_api(webhook_retry_base_ms=50, admin=True, admin_token=ADMIN)
    api.portal(101)
    keys = make_app(api, 101, 7005)
    configure(
        api,
        keys,
        webhook_receiver,
        [active("contact.creation"), active("contact.associationChange")],
    )
    url = "/_assocdb/portals/101/seed"
    quiet = api.client.post(url, json=seed_doc("q@x.test"), headers=AUTH)
    assert quiet.status_code == 201, quiet.text
    bad = api.client.post(url + "?emitEvents=yes", json=seed_doc("b@x.test"), headers=AUTH)
    assert bad.status_code == 400
    loud = api.client.post(url + "?emitEvents=true", json=seed_doc("l@x.test"), headers=AUTH)
    assert loud.status_code == 201, loud.text

    events = webhook_receiver.wait_for(2)
    contact = int(loud.json()["ids"]["contacts"]["a"])
    company = int(loud.json()["ids"]["companies"]["c"])
    # Only the second seed's: the first sent nothing, before or after.
    assert sorted((e["subscriptionType"], e["objectId"]) for e in events) == [
        ("contact.associationChange", contact),
        ("contact.creation", contact),
    ]
    assert {e["changeSource"] for e in events} == {"IMPORT"}
    assert by_type(events, "contact.associationChange")[0]["toObjectId"] == company
    assert json.loads(webhook_receiver.requests[0].body)  # a JSON array, signed as any
    assert webhook_receiver.requests[0].verify(keys.client_secret)


def test_cli_seed_writes_events_only_with_emit_events(db_url: str, tmp_path: Path) -> None:
    async def setup(store: Store) -> None:
        await store.create_portal(101, "t", 0)
        await create_app(store, 101, 7006, "seed", 0)
        hooks = webhook_store(store)
        await hooks.create_subscription(7006, "contact.creation", "0-1", None, True, 0)

    async def events(store: Store) -> int:
        return await written_events(store)

    run_with_store(db_url, setup)
    (tmp_path / "q.json").write_text(json.dumps(seed_doc("q@x.test")))
    (tmp_path / "l.json").write_text(json.dumps(seed_doc("l@x.test")))
    args = ["--db", db_url, "--portal", "101", "--file"]
    quiet = CliRunner().invoke(seed_command, [*args, str(tmp_path / "q.json")])
    assert quiet.exit_code == 0, quiet.output
    assert run_with_store(db_url, events) == 0
    loud = CliRunner().invoke(seed_command, [*args, str(tmp_path / "l.json"), "--emit-events"])
    assert loud.exit_code == 0, loud.output
    assert run_with_store(db_url, events) == 1  # the seeded contact's creation
