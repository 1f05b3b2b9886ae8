"""Deliveries are visible: the admin API, ``assocdb webhooks log`` and /metrics."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from assocdb.testing.webhooks import Answer, WebhookReceiver
from tests.conftest import Api
from tests.live import cli
from tests.webhooks.conftest import make_app
from tests.webhooks.test_delivery import active, configure


def test_deliveries_are_listed_and_counted(
    make_api: Callable[..., Api], webhook_receiver: WebhookReceiver, db_url: str
) -> None:
    api = make_api(webhook_retry_base_ms=50, admin=True, admin_token="admin-secret")
    api.portal(101)
    keys = make_app(api, 101, 7101)
    configure(api, keys, webhook_receiver, [active("contact.creation")])
    webhook_receiver.then(Answer(500))
    (contact,) = api.objects(101, "contact", 1)
    (event,) = webhook_receiver.wait_for(1)

    admin = {"Authorization": "Bearer admin-secret"}
    # The receiver has answered; the worker records the attempt a moment later.
    deadline = time.monotonic() + 5
    while True:
        listed = api.client.get("/_assocdb/webhooks/deliveries?portalId=101", headers=admin)
        assert listed.status_code == 200
        rows = listed.json()["results"]
        if len(rows) >= 2 or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    assert [(r["eventId"], r["attemptNumber"], r["statusCode"], r["delivered"]) for r in rows] == [
        (event["eventId"], 1, 204, True),
        (event["eventId"], 0, 500, False),
    ]
    assert rows[0]["nextRetryAt"] is None
    assert rows[1]["nextRetryAt"].endswith("Z")
    assert rows[1]["latencyMs"] >= 0
    assert api.client.get("/_assocdb/webhooks/deliveries").status_code == 401
    other = api.client.get("/_assocdb/webhooks/deliveries?portalId=999", headers=admin)
    assert other.json() == {"results": []}

    metrics = api.client.get("/metrics").text
    assert 'assocdb_webhook_events_total{outcome="delivered"} 1.0' in metrics
    assert 'assocdb_webhook_events_total{outcome="retry"} 1.0' in metrics
    assert 'assocdb_webhook_requests_total{outcome="failed"} 1.0' in metrics

    logged = [
        json.loads(line) for line in cli("webhooks", "log", "--db", db_url, "--json").splitlines()
    ]
    assert [(r["eventId"], r["attemptNumber"], r["statusCode"]) for r in logged] == [
        (event["eventId"], 1, 204),
        (event["eventId"], 0, 500),
    ]
    text = cli("webhooks", "log", "--db", db_url, "--app", "7101").splitlines()
    assert len(text) == 2
    assert f"event {event['eventId']} app 7101 portal 101 attempt 0: 500" in text[1]
    assert "next retry" in text[1]
    assert event["objectId"] == contact
