"""Pipelines and stages: HubSpot's defaults in every portal, full CRUD, and record writes
checked against them (``dealstage``/``pipeline``, ``hs_pipeline``/``hs_pipeline_stage``,
``hubspot_owner_id``)."""

from __future__ import annotations

from typing import Any

import pytest

from assocdb.domain.owners import NewOwner, OwnerService, owner_store
from tests.conftest import Api

DEALS = "/crm/v3/pipelines/deals"


def bare(item: Any) -> Any:
    """``item`` without timestamps (they vary), recursively."""
    if isinstance(item, list):
        return [bare(i) for i in item]
    if isinstance(item, dict):
        return {
            k: bare(v) for k, v in item.items() if k not in ("createdAt", "updatedAt", "archivedAt")
        }
    return item


def stage(sid: str, label: str, order: int, metadata: dict[str, str]) -> dict[str, Any]:
    return {
        "id": sid,
        "label": label,
        "displayOrder": order,
        "metadata": metadata,
        "archived": False,
        "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT",
    }


DEFAULT_DEAL_PIPELINE = {
    "id": "default",
    "label": "Sales Pipeline",
    "displayOrder": 0,
    "archived": False,
    "stages": [
        stage(sid, label, i, {"isClosed": closed, "probability": p})
        for i, (sid, label, p, closed) in enumerate(
            [
                ("appointmentscheduled", "Appointment Scheduled", "0.2", "false"),
                ("qualifiedtobuy", "Qualified To Buy", "0.4", "false"),
                ("presentationscheduled", "Presentation Scheduled", "0.6", "false"),
                ("decisionmakerboughtin", "Decision Maker Bought-In", "0.8", "false"),
                ("contractsent", "Contract Sent", "0.9", "false"),
                ("closedwon", "Closed Won", "1.0", "true"),
                ("closedlost", "Closed Lost", "0.0", "true"),
            ]
        )
    ],
}


@pytest.fixture
def token(api: Api) -> str:
    api.portal(1)
    return api.token(1)


def test_every_portal_starts_with_hubspots_default_pipelines(api: Api, token: str) -> None:
    deals = api.get(DEALS, token)
    assert deals.status_code == 200
    assert bare(deals.json()) == {"results": [DEFAULT_DEAL_PIPELINE]}
    tickets = api.get("/crm/v3/pipelines/tickets/0", token)
    assert bare(tickets.json()) == {
        "id": "0",
        "label": "Support Pipeline",
        "displayOrder": 0,
        "archived": False,
        "stages": [
            stage("1", "New", 0, {"ticketState": "OPEN"}),
            stage("2", "Waiting on contact", 1, {"ticketState": "OPEN"}),
            stage("3", "Waiting on us", 2, {"ticketState": "OPEN"}),
            stage("4", "Closed", 3, {"ticketState": "CLOSED"}),
        ],
    }


def test_pipeline_crud(api: Api, token: str) -> None:
    made = api.post(
        DEALS,
        token,
        {
            "label": "Renewals",
            "displayOrder": 1,
            "stages": [
                {"label": "Open", "displayOrder": 0, "metadata": {"probability": 0.5}},
                {
                    "label": "Won",
                    "displayOrder": 1,
                    "metadata": {"probability": "1.0", "isClosed": True},
                    "stageId": "renewal_won",
                },
            ],
        },
    )
    assert made.status_code == 201
    body = made.json()
    pipeline_id = body["id"]
    assert pipeline_id.isdigit()
    assert bare(body) == {
        "id": pipeline_id,
        "label": "Renewals",
        "displayOrder": 1,
        "archived": False,
        "stages": [
            stage(body["stages"][0]["id"], "Open", 0, {"probability": "0.5", "isClosed": "false"}),
            stage("renewal_won", "Won", 1, {"probability": "1.0", "isClosed": "true"}),
        ],
    }
    listed = api.get(DEALS, token).json()["results"]
    assert [p["id"] for p in listed] == ["default", pipeline_id]

    patched = api.client.patch(
        f"{DEALS}/{pipeline_id}", json={"label": "Upsell"}, headers=_auth(token)
    )
    assert patched.status_code == 200
    assert patched.json()["label"] == "Upsell"

    replaced = api.client.put(
        f"{DEALS}/{pipeline_id}",
        json={
            "label": "Upsell",
            "displayOrder": 2,
            "stages": [
                {
                    "label": "Won",
                    "displayOrder": 0,
                    "metadata": {"probability": "1"},
                    "stageId": "renewal_won",
                }
            ],
        },
        headers=_auth(token),
    )
    assert replaced.status_code == 200
    assert [(s["id"], s["metadata"]) for s in replaced.json()["stages"]] == [
        ("renewal_won", {"probability": "1.0", "isClosed": "false"})
    ]

    gone = api.client.delete(f"{DEALS}/{pipeline_id}", headers=_auth(token))
    assert gone.status_code == 204
    assert api.get(f"{DEALS}/{pipeline_id}", token).status_code == 404
    assert [p["id"] for p in api.get(DEALS, token).json()["results"]] == ["default"]
    restored = api.client.patch(
        f"{DEALS}/{pipeline_id}", json={"archived": False}, headers=_auth(token)
    )
    assert restored.status_code == 200
    assert restored.json()["archived"] is False


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_stage_crud(api: Api, token: str) -> None:
    path = f"{DEALS}/default/stages"
    made = api.post(
        path,
        token,
        {"label": "Negotiation", "displayOrder": 5, "metadata": {"probability": "0.95"}},
    )
    assert made.status_code == 201
    stage_id = made.json()["id"]
    assert bare(made.json()) == stage(
        stage_id, "Negotiation", 5, {"probability": "0.95", "isClosed": "false"}
    )
    patched = api.client.patch(
        f"{path}/{stage_id}", json={"metadata": {"isClosed": "true"}}, headers=_auth(token)
    )
    assert patched.json()["metadata"] == {"probability": "0.95", "isClosed": "true"}
    replaced = api.client.put(
        f"{path}/{stage_id}",
        json={"label": "Legal", "displayOrder": 6, "metadata": {"probability": "0.9"}},
        headers=_auth(token),
    )
    assert bare(replaced.json()) == stage(
        stage_id, "Legal", 6, {"probability": "0.9", "isClosed": "false"}
    )
    assert api.get(f"{path}/{stage_id}", token).json()["label"] == "Legal"
    assert api.client.delete(f"{path}/{stage_id}", headers=_auth(token)).status_code == 204
    assert api.get(f"{path}/{stage_id}", token).status_code == 404
    assert len(api.get(path, token).json()["results"]) == 7


def test_errors(api: Api, token: str) -> None:
    no_probability = api.post(
        DEALS,
        token,
        {"label": "X", "displayOrder": 0, "stages": [{"label": "A", "displayOrder": 0}]},
    )
    assert no_probability.status_code == 400
    assert no_probability.json()["message"] == (
        "Deal stages require the metadata property 'probability' (0.0 to 1.0)."
    )
    duplicate = api.post(
        DEALS,
        token,
        {
            "label": "sales pipeline",
            "displayOrder": 0,
            "stages": [{"label": "A", "displayOrder": 0, "metadata": {"probability": "0"}}],
        },
    )
    assert duplicate.status_code == 400
    assert duplicate.json()["message"] == (
        "Duplicate pipeline label 'sales pipeline': labels must be unique."
    )
    taken = api.post(
        DEALS,
        token,
        {
            "label": "Y",
            "displayOrder": 0,
            "stages": [
                {
                    "label": "A",
                    "displayOrder": 0,
                    "stageId": "closedwon",
                    "metadata": {"probability": "0"},
                }
            ],
        },
    )
    assert taken.json()["message"] == "The stage id 'closedwon' is already in use."
    bad_ticket = api.post(
        "/crm/v3/pipelines/tickets",
        token,
        {
            "label": "T",
            "displayOrder": 0,
            "stages": [{"label": "A", "displayOrder": 0, "metadata": {"ticketState": "MAYBE"}}],
        },
    )
    assert bad_ticket.status_code == 400
    contacts = api.get("/crm/v3/pipelines/contacts", token)
    assert contacts.status_code == 400
    assert contacts.json()["message"] == "Object type contact does not support pipelines."
    missing = api.get(f"{DEALS}/nope", token)
    assert missing.status_code == 404
    assert missing.json()["category"] == "OBJECT_NOT_FOUND"
    # Nothing was stored by the failed writes: the defaults are still all there is.
    assert bare(api.get(DEALS, token).json()) == {"results": [DEFAULT_DEAL_PIPELINE]}


def test_writes_need_the_types_write_scope(api: Api, token: str) -> None:
    reader = api.token(1, ["crm.objects.deals.read"])
    assert api.get(DEALS, reader).status_code == 200
    denied = api.post(DEALS, reader, {"label": "X", "displayOrder": 0, "stages": []})
    assert denied.status_code == 403


def test_record_writes_are_checked_against_pipelines_and_owners(api: Api, token: str) -> None:
    owners = OwnerService(owner_store(api.services.store))
    owner = api.run(owners.create, 1, NewOwner("ada@example.com"))
    ok = api.post(
        "/crm/v3/objects/deals",
        token,
        {
            "properties": {
                "dealname": "A",
                "pipeline": "default",
                "dealstage": "closedwon",
                "hubspot_owner_id": str(owner.owner_id),
            }
        },
    )
    assert ok.status_code == 201, ok.text
    deal_id = ok.json()["id"]
    # No pipeline given: the stage must be one of the default pipeline's.
    assert (
        api.post(
            "/crm/v3/objects/deals", token, {"properties": {"dealstage": "qualifiedtobuy"}}
        ).status_code
        == 201
    )
    bad = api.post("/crm/v3/objects/deals", token, {"properties": {"dealstage": "nope"}})
    assert bad.status_code == 400
    assert bad.json()["category"] == "VALIDATION_ERROR"
    assert bad.json()["message"] == (
        'Property values were not valid: [{"isValid": false, "message": "nope was not one of'
        " the allowed options: [appointmentscheduled, qualifiedtobuy, presentationscheduled,"
        ' decisionmakerboughtin, contractsent, closedwon, closedlost]", "error":'
        ' "INVALID_OPTION", "name": "dealstage"}]'
    )
    wrong_pipeline = api.client.patch(
        f"/crm/v3/objects/deals/{deal_id}",
        json={"properties": {"pipeline": "other"}},
        headers=_auth(token),
    )
    assert wrong_pipeline.status_code == 400
    bad_owner = api.client.patch(
        f"/crm/v3/objects/deals/{deal_id}",
        json={"properties": {"hubspot_owner_id": "123"}},
        headers=_auth(token),
    )
    assert bad_owner.status_code == 400
    assert '"error": "INVALID_OWNER_ID"' in bad_owner.json()["message"]
    ticket = api.post(
        "/crm/v3/objects/tickets",
        token,
        {"properties": {"subject": "Help", "hs_pipeline": "0", "hs_pipeline_stage": "4"}},
    )
    assert ticket.status_code == 201
    bad_ticket = api.post(
        "/crm/v3/objects/tickets",
        token,
        {"properties": {"hs_pipeline": "0", "hs_pipeline_stage": "closedwon"}},
    )
    assert bad_ticket.status_code == 400
    # Batch create fails as a whole, as HubSpot's does for invalid property values.
    batch = api.post(
        "/crm/v3/objects/deals/batch/create",
        token,
        {
            "inputs": [
                {"properties": {"dealstage": "closedwon"}},
                {"properties": {"dealstage": "x"}},
            ]
        },
    )
    assert batch.status_code == 400


def test_writes_that_touch_no_checked_property_skip_the_check(api: Api, token: str) -> None:
    """The hook costs nothing (no pipeline read, no read of the current records) for writes
    that set none of the pipeline, stage and owner properties."""
    seen: list[int] = []

    async def spy(tx: Any, object_type: Any, writes: Any) -> None:
        seen.append(len(writes))

    api.services.objects.record_checks.append(spy)
    made = api.post("/crm/v3/objects/deals", token, {"properties": {"dealname": "A"}})
    deal_id = made.json()["id"]
    api.client.patch(
        f"/crm/v3/objects/deals/{deal_id}",
        json={"properties": {"amount": "5"}},
        headers=_auth(token),
    )
    assert seen == []
    api.client.patch(
        f"/crm/v3/objects/deals/{deal_id}",
        json={"properties": {"dealstage": "closedwon"}},
        headers=_auth(token),
    )
    assert seen == [1]


def _deal(api: Api, token: str, properties: dict[str, str]) -> str:
    made = api.post("/crm/v3/objects/deals", token, {"properties": properties})
    assert made.status_code == 201, made.json()
    return str(made.json()["id"])


def test_deletes_check_records_only_when_asked(api: Api, token: str) -> None:
    """HubSpot's v3 deletes keep records in a deleted stage unless the reference check is
    asked for (``validateReferencesBeforeDelete``/``validateDealStageUsagesBeforeDelete``,
    "default: false" on v3; https://developers.hubspot.com/docs/api-reference/crm-pipelines-v3/pipelines/delete-crm-v3-pipelines-objectType-pipelineId)."""
    made = api.post(
        DEALS,
        token,
        {
            "label": "Renewals",
            "displayOrder": 1,
            "pipelineId": "renewals",
            "stages": [
                {
                    "label": "Open",
                    "displayOrder": 0,
                    "stageId": "r-open",
                    "metadata": {"probability": "0.5"},
                },
                {
                    "label": "Won",
                    "displayOrder": 1,
                    "stageId": "r-won",
                    "metadata": {"probability": "1.0", "isClosed": "true"},
                },
                {
                    "label": "Lost",
                    "displayOrder": 2,
                    "stageId": "r-lost",
                    "metadata": {"probability": "0.0", "isClosed": "true"},
                },
            ],
        },
    )
    assert made.status_code == 201, made.json()
    deal_id = _deal(api, token, {"pipeline": "renewals", "dealstage": "r-open"})
    check = "?validateDealStageUsagesBeforeDelete=true"
    auth = _auth(token)

    refused = api.client.delete(f"{DEALS}/renewals/stages/r-open{check}", headers=auth)
    assert refused.status_code == 400
    body = refused.json()
    assert body["category"] == "VALIDATION_ERROR"
    assert body["subCategory"] == "PIPELINE_IN_USE"
    assert body["context"] == {"id": ["r-open"]}
    # A stage nobody is in goes; the pipeline with the deal stays, under either name.
    gone = api.client.delete(f"{DEALS}/renewals/stages/r-lost{check}", headers=auth)
    assert gone.status_code == 204
    for name in ("validateReferencesBeforeDelete", "validateDealStageUsagesBeforeDelete"):
        kept = api.client.delete(f"{DEALS}/renewals?{name}=TRUE", headers=auth)
        assert kept.status_code == 400
        assert kept.json()["context"] == {"id": ["renewals", "r-open"]}
    bad = api.client.delete(f"{DEALS}/renewals?validateReferencesBeforeDelete=yes", headers=auth)
    assert bad.status_code == 400
    assert bad.json()["context"] == {"validateReferencesBeforeDelete": ["yes"]}
    # PUT dropping the deal's stage is a delete of that stage too.
    put = api.client.put(
        f"{DEALS}/renewals{check}",
        json={
            "label": "Renewals",
            "displayOrder": 1,
            "stages": [
                {
                    "label": "Won",
                    "displayOrder": 0,
                    "stageId": "r-won",
                    "metadata": {"probability": "1.0"},
                }
            ],
        },
        headers=auth,
    )
    assert put.status_code == 400
    assert put.json()["context"] == {"id": ["r-open"]}

    # The deal moves on: the stage is free.
    moved = api.client.patch(
        f"/crm/v3/objects/deals/{deal_id}",
        json={"properties": {"dealstage": "r-won"}},
        headers=auth,
    )
    assert moved.status_code == 200
    assert (
        api.client.delete(f"{DEALS}/renewals/stages/r-open{check}", headers=auth).status_code == 204
    )
    # Without the flag (v3's default) the delete goes even with a deal in it.
    assert api.client.delete(f"{DEALS}/renewals", headers=auth).status_code == 204
    assert api.get(f"{DEALS}/renewals", token).status_code == 404


def _audit(api: Api, token: str, path: str) -> list[dict[str, Any]]:
    found = api.get(f"{path}/audit", token)
    assert found.status_code == 200, found.json()
    entries: list[dict[str, Any]] = found.json()["results"]
    for entry in entries:
        assert entry["portalId"] == 1
        assert entry["timestamp"].endswith("Z")
        assert set(entry) == {
            "action",
            "identifier",
            "portalId",
            "timestamp",
            "message",
            "rawObject",
        }
    return entries


def test_audits_record_every_pipeline_and_stage_change(api: Api, token: str) -> None:
    """``GET …/{pipelineId}/audit`` and ``…/stages/{stageId}/audit``: newest first, one
    entry per change, written with the change."""
    assert _audit(api, token, f"{DEALS}/default") == []
    made = api.post(
        DEALS,
        token,
        {
            "label": "Audited",
            "displayOrder": 2,
            "pipelineId": "audited",
            "stages": [
                {
                    "label": "A",
                    "displayOrder": 0,
                    "stageId": "au-a",
                    "metadata": {"probability": "0.1"},
                },
                {
                    "label": "B",
                    "displayOrder": 1,
                    "stageId": "au-b",
                    "metadata": {"probability": "0.9"},
                },
            ],
        },
    )
    assert made.status_code == 201
    auth = _auth(token)
    renamed = api.client.patch(f"{DEALS}/audited/stages/au-a", json={"label": "A2"}, headers=auth)
    assert renamed.status_code == 200
    assert api.client.delete(f"{DEALS}/audited/stages/au-b", headers=auth).status_code == 204
    # A refused change writes no audit entry.
    refused = api.post(
        DEALS,
        token,
        {
            "label": "Audited",
            "displayOrder": 0,
            "stages": [{"label": "X", "displayOrder": 0, "metadata": {"probability": "0.1"}}],
        },
    )
    assert refused.status_code == 400

    stage_a = _audit(api, token, f"{DEALS}/audited/stages/au-a")
    assert [e["action"] for e in stage_a] == ["UPDATE", "CREATE"]
    assert stage_a[0]["rawObject"] == {
        "id": "au-a",
        "label": "A2",
        "displayOrder": 0,
        "archived": False,
        "metadata": {"probability": "0.1", "isClosed": "false"},
    }
    assert stage_a[1]["rawObject"]["label"] == "A"
    stage_b = _audit(api, token, f"{DEALS}/audited/stages/au-b")
    assert [e["action"] for e in stage_b] == ["DELETE", "CREATE"]
    assert stage_b[0]["rawObject"]["archived"] is True
    pipeline = _audit(api, token, f"{DEALS}/audited")
    assert [e["action"] for e in pipeline] == ["UPDATE", "UPDATE", "CREATE"]
    assert pipeline[-1]["rawObject"] == {
        "id": "audited",
        "label": "Audited",
        "displayOrder": 2,
        "archived": False,
    }
    identifiers = [int(e["identifier"]) for e in pipeline + stage_a + stage_b]
    assert len(set(identifiers)) == len(identifiers)
    assert [int(e["identifier"]) for e in pipeline] == sorted(
        (int(e["identifier"]) for e in pipeline), reverse=True
    )

    missing = api.get(f"{DEALS}/nope/audit", token)
    assert missing.status_code == 404
    assert missing.json()["category"] == "OBJECT_NOT_FOUND"
    no_stage = api.get(f"{DEALS}/audited/stages/nope/audit", token)
    assert no_stage.status_code == 404
    tickets = api.get("/crm/v3/pipelines/tickets/0/stages/1/audit", token)
    assert tickets.status_code == 200
    assert tickets.json() == {"results": []}
