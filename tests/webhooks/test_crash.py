"""SIGKILL during a stream of writes, with a receiver that is sometimes down or failing:
every acknowledged change is delivered at least once, and no event names a record whose
creation did not commit. Both backends; bounded in time (about 3 s of writes)."""

from __future__ import annotations

import json
import os
import random
import signal
import threading
import time
from pathlib import Path

import httpx
import pytest

from assocdb.testing.webhooks import Answer, ReceivedRequest, WebhookReceiver
from tests.live import cli, live_server

pytestmark = pytest.mark.slow

WRITE_SECONDS = 2.5
# Retries every 0.2, 0.4, 0.8 s ...: a few attempts fail while the receiver is flaky,
# far fewer than the 10 after which an event is given up.
FLAKY = ("--webhook-retry-base-ms", "200", "--webhook-lease-ms", "6000")


def flaky(request: ReceivedRequest) -> Answer:
    return Answer(503) if random.random() < 0.3 else Answer(204)


def writer(base_url: str, token: str, acked: list[int], stop: threading.Event) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=5) as client:
        while not stop.is_set():
            try:
                answer = client.post("/crm/v3/objects/contacts", json={"properties": {}})
            except httpx.HTTPError:
                return  # the server was killed: this write is not acknowledged
            if answer.status_code == 201:
                acked.append(int(answer.json()["id"]))


def toggler(receiver: WebhookReceiver, stop: threading.Event) -> None:
    while not stop.is_set():
        receiver.down()
        time.sleep(0.2)
        receiver.up()
        time.sleep(0.3)


def test_acknowledged_changes_are_delivered_across_sigkill(db_url: str, tmp_path: Path) -> None:
    receiver = WebhookReceiver().start()
    receiver.answer = flaky
    cli("portal", "create", "--db", db_url, "--id", "606")
    keys = json.loads(cli("app", "create", "--db", db_url, "--portal", "606", "--json"))
    app_id, key = keys["appId"], keys["developerApiKey"]
    acked: list[int] = []
    try:
        with live_server(db_url, *FLAKY, log_path=tmp_path / "first.log") as server:
            params = {"hapikey": key}
            base = f"{server.base_url}/webhooks/v3/{app_id}"
            settings = {"targetUrl": receiver.url, "throttling": {"maxConcurrentRequests": 5}}
            assert httpx.put(base + "/settings", params=params, json=settings).status_code == 200
            sub = {"eventType": "contact.creation", "active": True}
            assert httpx.post(base + "/subscriptions", params=params, json=sub).status_code == 201
            token = server.token(606)
            stop = threading.Event()
            threads = [
                threading.Thread(target=writer, args=(server.base_url, token, acked, stop)),
                threading.Thread(target=writer, args=(server.base_url, token, acked, stop)),
                threading.Thread(target=toggler, args=(receiver, stop)),
            ]
            for thread in threads:
                thread.start()
            time.sleep(WRITE_SECONDS)
            os.kill(server.pid, signal.SIGKILL)  # mid-stream: writes and sends in flight
            stop.set()
            for thread in threads:
                thread.join(10)
        receiver.up()
        receiver.answer = Answer(204)  # healthy from now on
        assert len(acked) > 20
        with live_server(db_url, *FLAKY, log_path=tmp_path / "second.log") as server:
            deadline = time.monotonic() + 60
            while True:
                delivered = {e["objectId"] for e in receiver.delivered_events()}
                if set(acked) <= delivered or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            assert set(acked) <= delivered, f"{len(set(acked) - delivered)} changes never sent"
            token = server.token(606)
            headers = {"Authorization": f"Bearer {token}"}
            extra = sorted(delivered - set(acked))
            # Events for unacknowledged writes are fine only if those writes committed.
            for object_id in extra:
                found = httpx.get(
                    f"{server.base_url}/crm/v3/objects/contacts/{object_id}", headers=headers
                )
                assert found.status_code == 200, object_id
    finally:
        receiver.stop()
