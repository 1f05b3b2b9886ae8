"""/metrics (Prometheus), /readyz and the one-line-per-request log (http/observability.py)."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import Api

READ = "/crm/v4/associations/{fromObjectType}/{toObjectType}/batch/read"


def sample(metrics: str, name: str, **labels: str) -> float:
    """The value of one sample of the exposition text, 0 if absent."""
    for line in metrics.splitlines():
        if not line.startswith(name + "{"):
            continue
        series, value = line.rsplit(" ", 1)
        found = dict(re.findall(r'(\w+)="([^"]*)"', series[len(name) + 1 : -1]))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(value)
    return 0.0


def test_metrics_count_requests_by_route_template_and_status(api: Api) -> None:
    api.portal(3)
    token = api.token(3)
    (contact,) = api.objects(3, "contacts", 1)
    (company,) = api.objects(3, "companies", 1)
    api.associate(3, "contacts", "companies", [(contact, company)])
    for _ in range(3):
        api.post(
            "/crm/v4/associations/contacts/companies/batch/read", token, {"inputs": [{"id": "1"}]}
        )
    api.post("/crm/v4/associations/deals/tickets/batch/read", None, {"inputs": []})
    api.client.get("/no/such/path")
    answer = api.client.get("/metrics")
    text = answer.text

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    assert sample(text, "assocdb_http_requests_total", route=READ, status="207") == 3
    assert sample(text, "assocdb_http_requests_total", route=READ, status="401") == 1
    assert sample(text, "assocdb_http_requests_total", route="unmatched", status="404") == 1
    assert (
        sample(
            text,
            "assocdb_http_request_duration_seconds_bucket",
            route=READ,
            method="POST",
            le="+Inf",
        )
        == 4
    )
    # Store-wide row counts only with --metrics-store or the admin token
    # (tests/security/test_exposure.py).
    assert "assocdb_store_rows" not in text


def test_readyz(api: Api) -> None:
    answer = api.client.get("/readyz")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok"}


def test_one_json_log_line_per_request(api: Api, capsys: pytest.CaptureFixture[str]) -> None:
    api.portal(3)
    token = api.token(3)
    capsys.readouterr()
    answer = api.get("/crm/v3/objects/contacts", token)
    api.client.get("/healthz")  # probes are not logged
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    (record,) = [json.loads(line) for line in lines]

    assert record["method"] == "GET"
    assert record["route"] == "/crm/v3/objects/{objectType}"
    assert record["status"] == 200
    assert record["portalId"] == 3
    assert record["correlationId"] == answer.headers["x-hubspot-correlation-id"]
    assert record["latencyMs"] > 0


def test_text_log_lines(make_api: object, capsys: pytest.CaptureFixture[str]) -> None:
    api = make_api(log_format="text")  # type: ignore[operator]
    capsys.readouterr()
    api.client.get("/crm/v3/objects/contacts")
    err = capsys.readouterr().err
    assert re.search(r"GET /crm/v3/objects/contacts 401 [0-9.]+ms cid=[0-9a-f-]{36}", err)
