"""SIGTERM while a batch request is in flight: the request completes and is answered, its
writes are durable, the server refuses new connections and exits cleanly."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.live import clean_env, cli, free_port, live_server
from tests.reliability.workload import CREATE, create_objects, read_pairs

pytestmark = pytest.mark.slow


def test_sigterm_finishes_in_flight_requests(db_url: str, tmp_path: Path) -> None:
    cli("portal", "create", "--db", db_url, "--id", "1")
    token = cli("token", "create", "--db", db_url, "--portal", "1", "--scopes", "all")
    port = free_port()
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "assocdb",
                "serve",
                "--db",
                db_url,
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=clean_env(),
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 30
            while True:
                try:
                    if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert proc.poll() is None
                assert time.monotonic() < deadline
                time.sleep(0.1)

            companies = create_objects(base, token, "companies", 40)
            contacts = create_objects(base, token, "contacts", 50)
            pairs = [(c, k) for c in companies for k in contacts][:2000]  # the batch maximum
            inputs = [{"from": {"id": str(f)}, "to": {"id": str(t)}} for f, t in pairs]
            body = httpx.Request("POST", base, json={"inputs": inputs}).content
            sent_half = threading.Event()

            def slow_body() -> Iterator[bytes]:
                # Half the body, then a pause during which the server gets SIGTERM.
                half = len(body) // 2
                yield body[:half]
                sent_half.set()
                time.sleep(1.5)
                yield body[half:]

            answers: list[httpx.Response | Exception] = []

            def post() -> None:
                try:
                    answers.append(
                        httpx.post(
                            base + CREATE,
                            content=slow_body(),
                            headers={
                                "Authorization": f"Bearer {token}",
                                "Content-Type": "application/json",
                                "Content-Length": str(len(body)),
                            },
                            timeout=30,
                        )
                    )
                except Exception as exc:
                    answers.append(exc)

            client = threading.Thread(target=post)
            client.start()
            assert sent_half.wait(10)
            time.sleep(0.3)
            proc.terminate()  # SIGTERM
            time.sleep(0.3)
            with pytest.raises(httpx.ConnectError):
                httpx.get(base + "/healthz", timeout=2)  # no new connections accepted
            client.join(30)
            # uvicorn re-raises the SIGTERM once shut down, as a process killed by it would
            # (shells show 143; systemd and Kubernetes count it as a clean stop).
            assert proc.wait(30) in (0, -signal.SIGTERM)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
    (answer,) = answers
    assert isinstance(answer, httpx.Response), answer
    assert answer.status_code == 200, answer.text
    assert len(answer.json()["results"]) == len(pairs)
    text = log_path.read_text()
    assert "Traceback" not in text
    assert "Application shutdown complete" in text  # the lifespan closed the store
    assert "Finished server process" in text

    with (
        live_server(db_url, log_path=tmp_path / "after.log") as server,
        httpx.Client(base_url=server.base_url, timeout=30) as http,
    ):
        stored, problems = read_pairs(http, token, "companies", "contacts", companies)
    assert problems == []
    assert stored == set(pairs)
