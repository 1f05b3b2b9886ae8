"""A local webhook receiver for tests: an HTTP server on 127.0.0.1 that records every
request assocdb delivers, answers as the test says (status, delay, ``Retry-After``, or
refuse connections while "down"), and lets a test wait for events.

    receiver = WebhookReceiver().start()
    ... point an app's targetUrl at receiver.url ...
    events = receiver.wait_for(3)            # the first three events, or AssertionError
    assert receiver.requests[0].verify(client_secret)
    receiver.stop()

The ``webhook_receiver`` pytest fixture (``assocdb.testing.pytest_plugin``) makes one per test.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["Answer", "ReceivedRequest", "WebhookReceiver"]

_MAX_BODY = 10 * 1024 * 1024
_MAX_WAIT_S = 60.0


@dataclass(frozen=True, slots=True)
class Answer:
    status: int = 204
    delay_s: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ReceivedRequest:
    method: str
    url: str
    headers: dict[str, str]
    body: str
    status: int
    """What the receiver answered."""
    at: float

    @property
    def events(self) -> list[dict[str, Any]]:
        parsed: list[dict[str, Any]] = json.loads(self.body)
        return parsed

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def verify(self, client_secret: str) -> bool:
        """Both signatures (v1 and v3) match ``client_secret``; HubSpot's official client's
        ``Signature.is_valid`` is used when installed."""
        v1 = self.header("X-HubSpot-Signature") or ""
        v3 = self.header("X-HubSpot-Signature-v3") or ""
        timestamp = self.header("X-HubSpot-Request-Timestamp") or ""
        try:
            from hubspot.utils.signature import Signature  # type: ignore[import-untyped]
        except ImportError:
            return _verify_v1(client_secret, self.body, v1) and _verify_v3(
                client_secret, self.method, self.url, self.body, timestamp, v3
            )
        return bool(
            Signature.is_valid(
                signature=v1,
                client_secret=client_secret,
                request_body=self.body,
                signature_version="v1",
            )
            and Signature.is_valid(
                signature=v3,
                client_secret=client_secret,
                request_body=self.body,
                http_uri=self.url,
                http_method=self.method,
                signature_version="v3",
                timestamp=timestamp,
            )
        )


def _verify_v1(secret: str, body: str, signature: str) -> bool:
    expected = hashlib.sha256(f"{secret}{body}".encode()).hexdigest()
    return hmac.compare_digest(expected, signature)


def _verify_v3(secret: str, method: str, url: str, body: str, ts: str, signature: str) -> bool:
    digest = hmac.new(secret.encode(), f"{method}{url}{body}{ts}".encode(), hashlib.sha256)
    return hmac.compare_digest(base64.b64encode(digest.digest()).decode(), signature)


class WebhookReceiver:
    """Thread-safe: the server runs in its own threads; tests read from the test thread."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, path: str = "/webhooks") -> None:
        self._host = host
        self._port = port
        self.path = path
        self._lock = threading.Condition()
        self.requests: list[ReceivedRequest] = []
        self._script: list[Answer] = []
        self.answer: Callable[[ReceivedRequest], Answer] | Answer = Answer()
        self.in_flight = 0
        self.max_in_flight = 0
        """The most requests that were being answered at once (throttling tests)."""
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle --------------------------------------------------------------------

    def start(self) -> WebhookReceiver:
        self._server = ThreadingHTTPServer((self._host, self._port), self._handler())
        self._server.daemon_threads = True
        self._port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening: deliveries now fail with a refused connection."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    down = stop

    def up(self) -> None:
        """Listen again on the same port."""
        if self._server is None:
            self.start()

    @property
    def url(self) -> str:
        return f"http://{self._host}:{self._port}{self.path}"

    # -- behaviour --------------------------------------------------------------------

    def then(self, *answers: Answer) -> None:
        """Answer the next requests with these, in order, then with ``self.answer``."""
        with self._lock:
            self._script.extend(answers)

    def _next_answer(self, request: ReceivedRequest) -> Answer:
        with self._lock:
            if self._script:
                return self._script.pop(0)
        return self.answer(request) if callable(self.answer) else self.answer

    # -- reading ----------------------------------------------------------------------

    @property
    def events(self) -> list[dict[str, Any]]:
        """Every event of every request, in arrival order (retries included)."""
        with self._lock:
            return [e for r in self.requests for e in r.events]

    def delivered_events(self) -> list[dict[str, Any]]:
        """Events of the requests answered with a 2xx."""
        with self._lock:
            return [e for r in self.requests if 200 <= r.status < 300 for e in r.events]

    def wait_for(
        self,
        count: int,
        timeout: float = 10.0,
        predicate: Callable[[dict[str, Any]], bool] | None = None,
        *,
        delivered: bool = True,
    ) -> list[dict[str, Any]]:
        """Block until ``count`` matching events arrived (acknowledged ones only unless
        ``delivered=False``); AssertionError after ``timeout`` seconds."""
        deadline = time.monotonic() + min(timeout, _MAX_WAIT_S)
        while True:
            found = self.delivered_events() if delivered else self.events
            matching = [e for e in found if predicate is None or predicate(e)]
            if len(matching) >= count:
                return matching
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(
                    f"expected {count} webhook events, got {len(matching)} in {timeout} s"
                )
            with self._lock:
                self._lock.wait(min(left, 0.05))

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()

    # -- the server -------------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = min(int(self.headers.get("content-length") or 0), _MAX_BODY)
                body = self.rfile.read(length).decode()
                host = self.headers.get("host") or f"{receiver._host}:{receiver._port}"
                headers = {k.lower(): v for k, v in self.headers.items()}
                draft = ReceivedRequest("POST", f"http://{host}{self.path}", headers, body, 0, 0)
                answer = receiver._next_answer(draft)
                with receiver._lock:
                    receiver.in_flight += 1
                    receiver.max_in_flight = max(receiver.max_in_flight, receiver.in_flight)
                try:
                    if answer.delay_s:
                        time.sleep(answer.delay_s)
                    self.send_response(answer.status)
                    for name, value in answer.headers.items():
                        self.send_header(name, value)
                    self.send_header("content-length", "0")
                    self.end_headers()
                finally:  # recorded even when the sender gave up waiting
                    done = ReceivedRequest(
                        draft.method, draft.url, headers, body, answer.status, time.time()
                    )
                    with receiver._lock:
                        receiver.in_flight -= 1
                        receiver.requests.append(done)
                        receiver._lock.notify_all()

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: tests read ``receiver.requests`` instead."""

        return Handler
