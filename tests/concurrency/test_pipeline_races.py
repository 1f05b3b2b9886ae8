"""Record writes against pipeline changes, through ``serve --workers 2`` on both backends:
a deal created in stage S and a delete of S with HubSpot's reference check
(``validateDealStageUsagesBeforeDelete=true``,
https://developers.hubspot.com/docs/api-reference/crm-pipelines-v3/pipelines/delete-crm-v3-pipelines-objectType-pipelineId)
never both succeed: no deal is ever left in a deleted stage.

What makes it hold (docs/transactions.md): the record write reads the pipelines inside its
own transaction (PostgreSQL: under the pipelines' shared advisory lock), and the delete
checks the search index for records in the stage inside its transaction (the lock
exclusive). With the check made before the write's transaction, a delete that commits
between the check and the write leaves the deal in the deleted stage.
"""

from __future__ import annotations

import httpx

from tests.concurrency.test_integrity_races import PORTAL, at_once, client, server
from tests.live import LiveServer

__all__ = ["server"]  # the fixture, shared with the integrity races

PIPELINE = "/crm/v3/pipelines/deals/default"
CREATORS = 6
ROUNDS = 8
CHECK = "?validateDealStageUsagesBeforeDelete=true"


def _deals_in(c: httpx.Client, stage_id: str) -> int:
    found = c.post(
        "/crm/v3/objects/deals/search",
        json={
            "filterGroups": [
                {"filters": [{"propertyName": "dealstage", "operator": "EQ", "value": stage_id}]}
            ]
        },
    )
    assert found.status_code == 200, found.text
    return int(found.json()["total"])


def test_a_stage_deleted_with_the_check_never_keeps_a_deal(server: LiveServer) -> None:
    assert PORTAL
    with client(server) as c:
        for round_ in range(ROUNDS):
            stage_id = f"race-stage-{round_}"
            made = c.post(
                f"{PIPELINE}/stages",
                json={
                    "label": f"Race {round_}",
                    "displayOrder": 10 + round_,
                    "stageId": stage_id,
                    "metadata": {"probability": "0.5"},
                },
            )
            assert made.status_code == 201, made.text

            def request(own: httpx.Client, i: int, stage_id: str = stage_id) -> httpx.Response:
                if i == 0:
                    return own.delete(f"{PIPELINE}/stages/{stage_id}{CHECK}")
                return own.post(
                    "/crm/v3/objects/deals",
                    json={"properties": {"pipeline": "default", "dealstage": stage_id}},
                )

            answers = at_once(CREATORS + 1, request, c)
            deleted, created = answers[0], answers[1:]
            assert deleted.status_code in (204, 400), deleted.text
            assert {a.status_code for a in created} <= {201, 400}, [a.text for a in created]
            made_deals = sum(a.status_code == 201 for a in created)
            stage = c.get(f"{PIPELINE}/stages/{stage_id}")
            if deleted.status_code == 204:
                # Deleted: every create that lost was refused, none kept a deal in it.
                assert stage.status_code == 404
                assert made_deals == 0, (round_, [a.text for a in created])
                assert _deals_in(c, stage_id) == 0
            else:
                # Refused: a deal was in it when the delete checked, and it still is.
                assert deleted.json()["subCategory"] == "PIPELINE_IN_USE"
                assert stage.status_code == 200
                assert made_deals >= 1
                assert _deals_in(c, stage_id) == made_deals
