"""The explorer's harness views, in process: the request journal with bodies, fault rules
added and removed from a form, and the rate-limit budget; on every backend."""

from __future__ import annotations

import re
from collections.abc import Callable

from tests.conftest import Api
from tests.explorer.helpers import ADMIN, Explorer, text

BATCH_READ = "/crm/v4/associations/companies/contacts/batch/read"


def _api_call(explorer: Explorer, token: str) -> int:
    response = explorer.api.post(BATCH_READ, token, {"inputs": [{"id": "123"}]})
    return int(response.status_code)


def test_an_api_call_appears_in_the_log_with_its_bodies(explorer: Explorer) -> None:
    explorer.api.portal(7)
    token = explorer.api.token(7)
    assert _api_call(explorer, token) == 207
    rows = explorer.get("/requests/rows?since=0", headers={"HX-Request": "true"})
    assert rows.headers["x-journal-last"] == "1"
    row = text(rows.text)
    assert re.search(rf"POST {re.escape(BATCH_READ)} 207 [\d.]+ 7 [0-9a-f-]{{36}}$", row)
    assert explorer.get("/requests/rows?since=1").text.strip() == ""
    detail = explorer.get("/requests/1")
    assert detail.status_code == 200
    body = text(detail.text)
    assert '"inputs": [ { "id": "123" } ]' in body
    assert '"status": "COMPLETE"' in body
    assert '"numErrors": 1' in body
    # The bearer token is never shown, only its last four characters.
    assert token not in detail.text
    assert f"authorization: Bearer …{token[-4:]} (hidden)" in body
    # Explorer pages and the admin API are not API requests: they are not logged.
    explorer.get("/portals/7")
    assert [r.path for r in explorer.api.client.app.state.harness.recent] == [BATCH_READ]  # type: ignore[attr-defined]


def test_the_log_filters_by_status_route_and_portal(explorer: Explorer) -> None:
    explorer.api.portal(7)
    token = explorer.api.token(7)
    _api_call(explorer, token)
    explorer.api.get("/crm/v3/objects/contacts/1", token)
    explorer.api.get("/crm/v3/objects/contacts", None)

    def paths(query: str) -> list[str]:
        page = explorer.get(f"/requests/rows?{query}").text
        return re.findall(r'hx-target="#request-detail" hx-swap="innerHTML">([^<]+)<', page)

    assert paths("") == ["/crm/v3/objects/contacts", "/crm/v3/objects/contacts/1", BATCH_READ]
    assert paths("status=4xx") == ["/crm/v3/objects/contacts", "/crm/v3/objects/contacts/1"]
    assert paths("status=2xx") == [BATCH_READ]
    assert paths("route=batch") == [BATCH_READ]
    assert paths("portal=7&method=GET") == ["/crm/v3/objects/contacts/1"]
    assert explorer.get("/requests/rows?status=6xx").status_code == 400


def test_a_fault_rule_added_in_the_explorer_fails_the_next_call(explorer: Explorer) -> None:
    explorer.api.portal(7)
    token = explorer.api.token(7)
    added = explorer.post("/faults", {"rule": "503;times=1"}, headers={"HX-Request": "true"})
    assert added.status_code == 200
    assert "503;times=1 503 0 0" in text(added.text)
    assert _api_call(explorer, token) == 503
    assert _api_call(explorer, token) == 207
    page = text(explorer.get("/faults").text)
    assert "503;times=1 503 1 1" in page
    removed = explorer.post("/faults/remove", {"index": "0", "rule": "503;times=1"})
    assert removed.status_code == 303
    assert "No fault rules" in text(explorer.get("/faults").text)
    assert explorer.api.client.app.state.harness.faults.rules == []  # type: ignore[attr-defined]


def test_a_bad_fault_rule_is_explained(explorer: Explorer) -> None:
    bad = explorer.post("/faults", {"rule": "418"}, headers={"HX-Request": "true"})
    assert bad.status_code == 400
    assert "Invalid fault rule '418': the kind must be one of" in text(bad.text)
    assert 'aria-invalid="true"' in bad.text


def test_removing_a_rule_that_changed_meanwhile_removes_nothing(explorer: Explorer) -> None:
    explorer.post("/faults", {"rule": "500;every=2"})
    explorer.post("/faults/remove", {"index": "0", "rule": "503"})
    assert [r.text for r in explorer.api.client.app.state.harness.faults.rules] == [  # type: ignore[attr-defined]
        "500;every=2"
    ]
    explorer.post("/faults/clear", {})
    assert explorer.api.client.app.state.harness.faults.rules == []  # type: ignore[attr-defined]


def test_the_budget_drains_with_api_calls(make_api: Callable[..., Api]) -> None:
    session = Explorer(make_api(admin=True, admin_token=ADMIN, rate_limit="5/100"))
    session.sign_in()
    session.api.portal(7)
    token = session.api.token(7)
    for _ in range(2):
        assert _api_call(session, token) == 207
    budget = session.get("/portals/7/budget", headers={"HX-Request": "true"}).text
    assert re.search(r'data-testid="window-remaining">3<', budget)
    assert re.search(r'data-testid="daily-used">2<', budget)
    assert "5/100 (5 per 10 s, 100 per day)" in text(budget)
