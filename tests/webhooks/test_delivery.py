"""Delivery to a real local receiver, both backends: HubSpot's fields, signatures checked
with the official Python client's helper, retries, throttling, inactive subscriptions and
portals without the app."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from assocdb.testing.webhooks import Answer, WebhookReceiver
from tests.conftest import Api, hs
from tests.webhooks.conftest import AppKeys, make_app


def configure(
    api: Api,
    keys: AppKeys,
    receiver: WebhookReceiver,
    subscriptions: Sequence[dict[str, Any]],
    concurrency: int = 5,
) -> list[int]:
    base = f"/webhooks/v3/{keys.app_id}"
    params = {"hapikey": keys.api_key}
    body = {"targetUrl": receiver.url, "throttling": {"maxConcurrentRequests": concurrency}}
    assert api.client.put(base + "/settings", params=params, json=body).status_code == 200
    ids = []
    for sub in subscriptions:
        made = api.client.post(base + "/subscriptions", params=params, json=sub)
        assert made.status_code == 201, made.text
        ids.append(int(made.json()["id"]))
    return ids


def active(event_type: str, **extra: Any) -> dict[str, Any]:
    return {"eventType": event_type, "active": True, **extra}


@pytest.fixture
def hook_api(make_api: Callable[..., Api]) -> Api:
    api = make_api(webhook_retry_base_ms=50)
    api.portal(101)
    return api


def by_type(events: list[dict[str, Any]], subscription_type: str) -> list[dict[str, Any]]:
    return [e for e in events if e["subscriptionType"] == subscription_type]


def test_events_carry_hubspots_fields_and_verifiable_signatures(
    hook_api: Api, webhook_receiver: WebhookReceiver
) -> None:
    api = hook_api
    keys = make_app(api, 101, 7001)
    subs = configure(
        api,
        keys,
        webhook_receiver,
        [
            active("contact.creation"),
            active("contact.propertyChange", propertyName="email"),
            active("contact.associationChange"),
            active("company.associationChange"),
            active("contact.deletion"),
        ],
    )
    token = api.token(101)
    contact = api.post(
        "/crm/v3/objects/contacts", token, {"properties": {"email": "a@example.com"}}
    ).json()["id"]
    (company,) = api.objects(101, "company", 1)
    api.associate(101, "contact", "company", [(int(contact), company, [hs(1)])])
    assert (
        api.client.delete(
            f"/crm/v3/objects/contacts/{contact}", headers={"Authorization": f"Bearer {token}"}
        ).status_code
        == 204
    )

    # creation, email's propertyChange, the association (one event per side), then the
    # archive: the association removed (one per side) and the deletion.
    events = webhook_receiver.wait_for(7)
    creation = by_type(events, "contact.creation")[0]
    assert isinstance(creation["eventId"], int)
    assert isinstance(creation["occurredAt"], int)
    assert {k: v for k, v in creation.items() if k not in ("eventId", "occurredAt")} == {
        "subscriptionId": subs[0],
        "portalId": 101,
        "appId": 7001,
        "subscriptionType": "contact.creation",
        "attemptNumber": 0,
        "objectId": int(contact),
        "changeSource": "API",
        "changeFlag": "CREATED",
    }
    prop = by_type(events, "contact.propertyChange")[0]
    assert (prop["propertyName"], prop["propertyValue"], prop["subscriptionId"]) == (
        "email",
        "a@example.com",
        subs[1],
    )
    sides = {
        e["subscriptionType"]: (
            e["associationType"],
            e["fromObjectId"],
            e["toObjectId"],
            e["associationRemoved"],
            e["isPrimaryAssociation"],
        )
        for e in events
        if e["subscriptionType"].endswith("associationChange") and not e["associationRemoved"]
    }
    assert sides == {
        "contact.associationChange": ("CONTACT_TO_COMPANY", int(contact), company, False, True),
        "company.associationChange": ("COMPANY_TO_CONTACT", company, int(contact), False, True),
    }
    removed = sorted(
        (e["subscriptionType"], e["fromObjectId"], e["toObjectId"])
        for e in events
        if e["subscriptionType"].endswith("associationChange") and e["associationRemoved"]
    )
    assert removed == [
        ("company.associationChange", company, int(contact)),
        ("contact.associationChange", int(contact), company),
    ]
    deletion = by_type(events, "contact.deletion")[0]
    assert deletion["changeFlag"] == "DELETED"
    assert deletion["objectId"] == int(contact)
    assert len({e["eventId"] for e in events}) == len(events)
    for request in webhook_receiver.requests:
        assert request.header("X-HubSpot-Signature-Version") == "v1"
        assert request.verify(keys.client_secret)
        assert not request.verify("another-secret")


def test_inactive_subscriptions_and_portals_without_the_app_get_nothing(
    hook_api: Api, webhook_receiver: WebhookReceiver
) -> None:
    api = hook_api
    api.portal(202)  # the app is not installed here
    keys = make_app(api, 101, 7002)
    (paused,) = configure(api, keys, webhook_receiver, [{"eventType": "deal.creation"}])
    api.objects(101, "deal", 2)
    api.objects(202, "deal", 2)
    time.sleep(0.6)
    assert webhook_receiver.requests == []
    answer = api.client.patch(
        f"/webhooks/v3/7002/subscriptions/{paused}",
        params={"hapikey": keys.api_key},
        json={"active": True},
    )
    assert answer.status_code == 200
    (made,) = api.objects(101, "deal", 1)
    api.objects(202, "deal", 3)
    events = webhook_receiver.wait_for(1)
    time.sleep(0.4)
    assert [(e["portalId"], e["objectId"]) for e in webhook_receiver.events] == [(101, made)]
    assert events[0]["subscriptionId"] == paused


def test_failed_deliveries_are_retried_with_the_same_event_id(
    hook_api: Api, webhook_receiver: WebhookReceiver
) -> None:
    api = hook_api
    keys = make_app(api, 101, 7003)
    configure(api, keys, webhook_receiver, [active("ticket.creation")])
    webhook_receiver.then(Answer(503), Answer(500), Answer(404))
    (ticket,) = api.objects(101, "ticket", 1)
    (event,) = webhook_receiver.wait_for(1)
    attempts = [(e["eventId"], e["attemptNumber"]) for e in webhook_receiver.events]
    assert attempts == [(event["eventId"], n) for n in range(4)]
    assert [r.status for r in webhook_receiver.requests] == [503, 500, 404, 204]
    assert event["objectId"] == ticket
    log = api.client.get("/_assocdb/webhooks/deliveries")  # admin API off: not routed
    assert log.status_code == 404


def test_a_429_waits_for_retry_after(hook_api: Api, webhook_receiver: WebhookReceiver) -> None:
    api = hook_api
    keys = make_app(api, 101, 7004)
    configure(api, keys, webhook_receiver, [active("company.creation")])
    webhook_receiver.then(Answer(429, headers={"Retry-After": "1"}))
    api.objects(101, "company", 1)
    webhook_receiver.wait_for(1)
    first, second = webhook_receiver.requests
    assert second.at - first.at >= 0.9  # not the 50 ms backoff


def test_refused_connections_are_retried_until_the_receiver_is_up(
    hook_api: Api, webhook_receiver: WebhookReceiver
) -> None:
    api = hook_api
    keys = make_app(api, 101, 7005)
    configure(api, keys, webhook_receiver, [active("contact.creation")])
    webhook_receiver.down()
    made = api.objects(101, "contact", 3)
    time.sleep(0.5)
    webhook_receiver.up()
    events = webhook_receiver.wait_for(3, timeout=20)
    assert sorted(e["objectId"] for e in events) == made
    assert all(e["attemptNumber"] >= 1 for e in events)


def test_concurrency_is_bounded_by_max_concurrent_requests(
    hook_api: Api, webhook_receiver: WebhookReceiver
) -> None:
    api = hook_api
    keys = make_app(api, 101, 7006)
    configure(api, keys, webhook_receiver, [active("contact.creation")], concurrency=5)
    webhook_receiver.answer = Answer(204, delay_s=0.3)
    api.objects(101, "contact", 1500)  # 15 requests of 100
    events = webhook_receiver.wait_for(1500, timeout=30)
    assert len(events) == 1500
    assert max(len(r.events) for r in webhook_receiver.requests) == 100
    assert webhook_receiver.max_in_flight == 5


def test_delivery_gives_up_after_ten_attempts(
    make_api: Callable[..., Api], webhook_receiver: WebhookReceiver
) -> None:
    api = make_api(webhook_retry_base_ms=1)
    api.portal(101)
    keys = make_app(api, 101, 7007)
    configure(api, keys, webhook_receiver, [active("deal.creation")])
    webhook_receiver.answer = Answer(500)
    api.objects(101, "deal", 1)
    webhook_receiver.wait_for(10, timeout=20, delivered=False)
    time.sleep(0.5)
    assert [e["attemptNumber"] for e in webhook_receiver.events] == list(range(10))
