"""The explorer's deliveries view, in process on every backend: a portal with an app and
an active subscription, writes that produce events, and the attempts the view lists (the
webhooks port's reader), filtered by app and status and keyset-paged."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from assocdb.testing.webhooks import Answer, WebhookReceiver
from tests.conftest import Api
from tests.explorer.helpers import ADMIN, Explorer, text
from tests.webhooks.conftest import make_app
from tests.webhooks.test_delivery import active, configure


def _rows(page: str) -> list[str]:
    """Each row's text, newest first."""
    body = page.split('<tbody id="delivery-rows">', 1)[1].split("</tbody>", 1)[0]
    return [text(row) for row in re.findall(r"<tr[^>]*data-delivery[^>]*>(.*?)</tr>", body, re.S)]


def _wait_rows(explorer: Explorer, path: str, count: int) -> str:
    deadline = time.monotonic() + 15
    while True:
        page = explorer.get(path)
        assert page.status_code == 200, page.text
        if len(_rows(page.text)) >= count or time.monotonic() > deadline:
            return str(page.text)
        time.sleep(0.05)


def _session(make_api: Callable[..., Api]) -> Explorer:
    explorer = Explorer(make_api(admin=True, admin_token=ADMIN, webhook_retry_base_ms=50))
    assert explorer.sign_in().status_code == 303
    explorer.api.portal(101)
    return explorer


def test_deliveries_list_each_attempt_filtered_by_app_and_status(
    make_api: Callable[..., Api], webhook_receiver: WebhookReceiver
) -> None:
    explorer = _session(make_api)
    api = explorer.api
    keys = make_app(api, 101, 7101)
    configure(api, keys, webhook_receiver, [active("ticket.creation")])
    webhook_receiver.then(Answer(503))
    (ticket,) = api.objects(101, "ticket", 1)
    (event,) = webhook_receiver.wait_for(1)

    page = _wait_rows(explorer, "/deliveries", 2)
    rows = _rows(page)
    assert len(rows) == 2
    eid = event["eventId"]
    # Newest first: time, event, subscription type, object id, app, portal, attempt,
    # status, latency, next retry, last error.
    delivered = re.fullmatch(
        rf"\S+ \S+ UTC {eid} ticket\.creation {ticket} 7101 101 1 204 delivered \d+ —", rows[0]
    )
    assert delivered, rows[0]
    failed = re.fullmatch(
        rf"\S+ \S+ UTC {eid} ticket\.creation {ticket} 7101 101 0 503 \d+ \S+ \S+ UTC( .*)?",
        rows[1],
    )
    assert failed, rows[1]
    assert 'hx-trigger="every 2s"' in page  # the first page is polled, like the request log

    assert _rows(explorer.get("/deliveries?status=failed").text) == rows[1:]
    assert _rows(explorer.get("/deliveries?status=delivered").text) == rows[:1]
    assert _rows(explorer.get("/deliveries?status=retrying").text) == rows[1:]
    assert _rows(explorer.get("/deliveries?app=7101").text) == rows
    other = explorer.get("/deliveries?app=7102")
    assert _rows(other.text) == []
    assert "No delivery attempts matching these filters." in text(other.text)
    # The polled fragment answers the same filters.
    fragment = explorer.get("/deliveries/rows?status=delivered", headers={"HX-Request": "true"})
    assert _rows(fragment.text) == rows[:1]
    assert explorer.get("/deliveries?status=nope").status_code == 400
    assert explorer.get("/deliveries?app=x").status_code == 400


def test_deliveries_page_by_keyset(
    make_api: Callable[..., Api], webhook_receiver: WebhookReceiver
) -> None:
    explorer = _session(make_api)
    api = explorer.api
    keys = make_app(api, 101, 7103)
    configure(api, keys, webhook_receiver, [active("contact.creation")])
    made = api.objects(101, "contact", 53)
    webhook_receiver.wait_for(53)
    first = _wait_rows(explorer, "/deliveries?app=7103", 50)
    seen = [int(r.split()[5]) for r in _rows(first)]
    assert len(seen) == 50
    older = re.search(r'href="/_assocdb/explorer([^"]+)" rel="next"', first)
    assert older is not None
    path = older.group(1).replace("&amp;", "&")
    deadline = time.monotonic() + 15
    while True:  # the last attempts may still be being recorded
        second = explorer.get(path).text
        rest = [int(r.split()[5]) for r in _rows(second)]
        if len(rest) == 3 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert sorted(seen + rest) == made
    assert 'rel="next"' not in second
    assert 'hx-trigger="every 2s"' not in second  # an older page stays still


def test_deliveries_need_the_sign_in(make_api: Callable[..., Api]) -> None:
    explorer = Explorer(make_api(admin=True, admin_token=ADMIN))
    assert explorer.get("/deliveries").status_code == 303
    assert explorer.get("/deliveries/rows", headers={"HX-Request": "true"}).status_code == 401
