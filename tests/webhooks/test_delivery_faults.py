"""Fault rules on webhook deliveries (``on=webhooks``), through the admin API as the pytest
plugin's ``assocdb_server.fault(...)`` sends them, against a live ``assocdb serve`` and a
real local receiver, both backends: "HubSpot's delivery to my endpoint failed"."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from assocdb.errors import ValidationError
from assocdb.http.faults import parse_rules
from assocdb.testing import AssocdbServer, run_server
from assocdb.testing.server import AdminError
from assocdb.testing.webhooks import WebhookReceiver
from tests.live import cli

pytestmark = pytest.mark.slow


@pytest.fixture
def server(db_url: str, tmp_path: Path) -> Iterator[AssocdbServer]:
    with run_server(tmp_path, db=db_url, args=("--webhook-retry-base-ms", "50")) as live:
        yield live


def app_with(
    server: AssocdbServer, receiver: WebhookReceiver, event_types: tuple[str, ...]
) -> tuple[int, str]:
    """A portal, an app installed there subscribed to ``event_types``; (appId, token)."""
    portal = server.create_portal()
    made = json.loads(cli("app", "create", "--db", server.db, "--portal", str(portal.id), "--json"))
    base = f"{server.base_url}/webhooks/v3/{made['appId']}"
    params = {"hapikey": made["developerApiKey"]}
    settings = {"targetUrl": receiver.url, "throttling": {"maxConcurrentRequests": 5}}
    assert httpx.put(base + "/settings", params=params, json=settings).status_code == 200
    for event_type in event_types:
        sub = {"eventType": event_type, "active": True}
        assert httpx.post(base + "/subscriptions", params=params, json=sub).status_code == 201
    return int(made["appId"]), portal.token


def create(server: AssocdbServer, token: str, object_type: str) -> int:
    made = httpx.post(
        f"{server.base_url}/crm/v3/objects/{object_type}",
        json={"properties": {}},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


def attempts(server: AssocdbServer, app_id: int, count: int) -> list[dict[str, Any]]:
    """The app's logged attempts once there are ``count`` (the log is written after the
    receiver answered, so it may lag the receiver briefly); at most 10 s."""
    deadline = time.monotonic() + 10
    while True:
        found: list[dict[str, Any]] = server.admin("GET", f"/webhooks/deliveries?appId={app_id}")[
            "results"
        ]
        if len(found) >= count or time.monotonic() > deadline:
            return sorted(found, key=lambda d: (d["eventId"], d["attemptNumber"]))
        time.sleep(0.05)


def test_a_failing_delivery_is_retried_with_the_same_event_id(
    server: AssocdbServer, webhook_receiver: WebhookReceiver
) -> None:
    app_id, token = app_with(server, webhook_receiver, ("contact.creation", "company.creation"))
    # Only contact events of this app: the company's delivery goes through untouched.
    server.fault(f"503;times=2;on=webhooks;app={app_id};subscription=contact.*")
    company = create(server, token, "companies")
    contact = create(server, token, "contacts")
    events = webhook_receiver.wait_for(2)
    by_type = {e["subscriptionType"]: e for e in events}
    assert by_type["company.creation"]["objectId"] == company
    assert by_type["company.creation"]["attemptNumber"] == 0
    sent = by_type["contact.creation"]
    assert (sent["objectId"], sent["attemptNumber"]) == (contact, 2)
    # The two faulted attempts never reached the receiver; the log has them, same eventId.
    assert [e["eventId"] for e in webhook_receiver.events].count(sent["eventId"]) == 1
    tried = [d for d in attempts(server, app_id, 4) if d["eventId"] == sent["eventId"]]
    assert [(d["attemptNumber"], d["statusCode"]) for d in tried] == [(0, 503), (1, 503), (2, 204)]
    assert "fault 503" in tried[0]["error"]
    (rule,) = server.faults()
    assert (rule["kind"], rule["fired"]) == ("503", 2)


def test_timeout_and_drop_faults(server: AssocdbServer, webhook_receiver: WebhookReceiver) -> None:
    app_id, token = app_with(server, webhook_receiver, ("deal.creation", "ticket.creation"))
    # timeout: sent, answer ignored, so the receiver sees the event twice (dedupe by eventId);
    # drop: never sent, as a refused connection.
    server.fault(
        "timeout;times=1;on=webhooks;subscription=deal.creation,"
        "drop;times=1;on=webhooks;subscription=ticket.*"
    )
    deal = create(server, token, "deals")
    webhook_receiver.wait_for(2)
    ticket = create(server, token, "tickets")
    webhook_receiver.wait_for(3)
    deals = [e for e in webhook_receiver.events if e["subscriptionType"] == "deal.creation"]
    assert [(e["objectId"], e["attemptNumber"]) for e in deals] == [(deal, 0), (deal, 1)]
    assert deals[0]["eventId"] == deals[1]["eventId"]
    tickets = [e for e in webhook_receiver.events if e["subscriptionType"] == "ticket.creation"]
    assert [(e["objectId"], e["attemptNumber"]) for e in tickets] == [(ticket, 1)]
    errors = [d["error"] or "" for d in attempts(server, app_id, 4)]
    assert any(text.startswith("timeout after 5 s: fault timeout") for text in errors)
    assert any(text.startswith("connection failed: fault drop") for text in errors)


def test_delivery_rules_do_not_touch_api_requests(
    server: AssocdbServer, webhook_receiver: WebhookReceiver
) -> None:
    _, token = app_with(server, webhook_receiver, ())
    server.fault("503;on=webhooks")
    create(server, token, "contacts")  # answered 201, not 503
    with pytest.raises(AdminError) as refused:
        server.fault("cut;on=webhooks")
    assert refused.value.status == 400


def test_rule_grammar_for_deliveries() -> None:
    (rule,) = parse_rules("429;on=webhooks;app=7;portal=3;subscription=contact.*;retry-after=2")
    assert (rule.on, rule.app, rule.portal, rule.subscription) == ("webhooks", 7, 3, "contact.*")
    assert rule.matches_delivery(7, frozenset({3}), frozenset({"contact.creation"}))
    assert not rule.matches_delivery(8, frozenset({3}), frozenset({"contact.creation"}))
    assert not rule.matches_delivery(7, frozenset({4}), frozenset({"contact.creation"}))
    assert not rule.matches_delivery(7, frozenset({3}), frozenset({"deal.creation"}))
    assert rule.retry_after_s() == 2
    for bad in ("drop", "timeout;route=/x", "503;app=7", "cut;on=webhooks", "503;on=mars"):
        with pytest.raises(ValidationError):
            parse_rules(bad)
