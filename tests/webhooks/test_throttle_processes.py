"""``throttling.maxConcurrentRequests`` holds across server processes: ``serve --workers 2``
runs two delivery workers, and a slow receiver that counts the requests it is answering
at once never sees more than the setting. Both backends. Without the shared request slots
(``webhook_slots``) each process allows the setting by itself, and the receiver sees up
to twice as many."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from assocdb.testing.webhooks import Answer, WebhookReceiver
from tests.live import cli, live_server

pytestmark = pytest.mark.slow

CONCURRENCY = 5  # HubSpot's minimum
PROPERTIES = ("firstname", "lastname", "phone", "company", "city")
BATCHES = 10
"""Batch creates of 100 contacts with five subscribed properties: 600 events each, so one
commit gives a worker six requests of 100 to send at once."""


def test_two_workers_together_stay_within_max_concurrent_requests(
    db_url: str, tmp_path: Path
) -> None:
    receiver = WebhookReceiver().start()
    receiver.answer = Answer(204, delay_s=0.4)  # slow: requests pile up in both workers
    cli("portal", "create", "--db", db_url, "--id", "707")
    keys = json.loads(cli("app", "create", "--db", db_url, "--portal", "707", "--json"))
    app_id, key = keys["appId"], keys["developerApiKey"]
    try:
        args = ("--workers", "2", "--webhook-retry-base-ms", "50")
        with live_server(db_url, *args, log_path=tmp_path / "serve.log") as server:
            params = {"hapikey": key}
            base = f"{server.base_url}/webhooks/v3/{app_id}"
            settings = {
                "targetUrl": receiver.url,
                "throttling": {"maxConcurrentRequests": CONCURRENCY},
            }
            assert httpx.put(base + "/settings", params=params, json=settings).status_code == 200
            subs = [{"eventType": "contact.creation", "active": True}] + [
                {"eventType": "contact.propertyChange", "propertyName": name, "active": True}
                for name in PROPERTIES
            ]
            for sub in subs:
                made = httpx.post(base + "/subscriptions", params=params, json=sub)
                assert made.status_code == 201, made.text
            headers = {"Authorization": f"Bearer {server.token(707)}"}
            body = {
                "inputs": [
                    {"properties": {name: f"v{i}" for name in PROPERTIES}} for i in range(100)
                ]
            }
            # New connections each time, so the kernel spreads them over both processes.
            for _ in range(BATCHES):
                made = httpx.post(
                    f"{server.base_url}/crm/v3/objects/contacts/batch/create",
                    json=body,
                    headers=headers,
                    timeout=30,
                )
                assert made.status_code == 201, made.text
            total = BATCHES * 100 * (1 + len(PROPERTIES))
            events = receiver.wait_for(total, timeout=60)
            assert len({e["eventId"] for e in events}) == total
        # Enough load to fill every slot, and never more than the setting.
        assert receiver.max_in_flight == CONCURRENCY
    finally:
        receiver.stop()
