"""Merges racing each other and association writes, through ``serve --workers 2`` on both
backends: A merged into B while B is merged into A, while A gains a Primary company. One
merge wins, the other is a 404 (its record is gone), and afterwards no record is lost,
every association is symmetric and every contact has at most one Primary company.

What makes it hold (domain/merge.py, docs/transactions.md): a merge locks both records and
their neighbours (PostgreSQL: ``SELECT … FOR UPDATE`` in one global order; SQLite: ``BEGIN
IMMEDIATE``) and reads them after the lock, so the second merge finds its record purged.
Without the record locks on PostgreSQL both merges read both records and purge each
other's: both contacts are lost.
"""

from __future__ import annotations

from typing import Any

import httpx

from tests.concurrency.test_integrity_races import at_once, client, objects, server
from tests.live import LiveServer

__all__ = ["server"]  # the fixture, shared with the integrity races

ROUNDS = 6
PRIMARY = {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 1}
UNLABELED = {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279}


def _associate(c: httpx.Client, contact: str, company: str, types: list[Any]) -> None:
    done = c.put(f"/crm/v4/objects/contacts/{contact}/associations/companies/{company}", json=types)
    assert done.status_code in (200, 201), done.text


def _edges(c: httpx.Client, from_type: str, from_id: str, to_type: str) -> dict[str, set[int]]:
    found = c.get(f"/crm/v4/objects/{from_type}/{from_id}/associations/{to_type}?limit=500")
    assert found.status_code == 200, found.text
    return {
        str(r["toObjectId"]): {t["typeId"] for t in r["associationTypes"]}
        for r in found.json()["results"]
    }


def _merge(c: httpx.Client, primary: str, merged: str) -> httpx.Response:
    return c.post(
        "/crm/v3/objects/contacts/merge",
        json={"primaryObjectId": primary, "objectIdToMerge": merged},
    )


def test_crossed_merges_and_associations_keep_the_graph_whole(server: LiveServer) -> None:
    with client(server) as c:
        for round_ in range(ROUNDS):
            a, b = objects(c, "contacts", 2)
            k1, k2, k3 = objects(c, "companies", 3)
            (deal,) = objects(c, "deals", 1)
            _associate(c, a, k1, [PRIMARY])
            _associate(c, b, k2, [PRIMARY])
            _associate(c, b, k1, [UNLABELED])
            for contact in (a, b):
                linked = c.put(
                    f"/crm/v4/objects/contacts/{contact}/associations/default/deals/{deal}"
                )
                assert linked.status_code == 200, linked.text

            def request(own: httpx.Client, i: int, a: str = a, b: str = b, k3: str = k3) -> Any:
                if i == 0:
                    return _merge(own, b, a)
                if i == 1:
                    return _merge(own, a, b)
                return own.put(
                    f"/crm/v4/objects/contacts/{a}/associations/companies/{k3}", json=[PRIMARY]
                )

            merged_ab, merged_ba, linked = at_once(3, request, c)
            statuses = sorted([merged_ab.status_code, merged_ba.status_code])
            assert statuses == [200, 404], (round_, merged_ab.text, merged_ba.text)
            assert linked.status_code in (200, 201, 400, 404), linked.text
            survivor = b if merged_ab.status_code == 200 else a
            gone = a if survivor == b else b
            # No record lost: the survivor is live, the merged id reads it.
            assert c.get(f"/crm/v3/objects/contacts/{survivor}").json()["id"] == survivor
            assert c.get(f"/crm/v3/objects/contacts/{gone}").json()["id"] == survivor
            for company in (k1, k2, k3):
                assert c.get(f"/crm/v3/objects/companies/{company}").status_code == 200
            # Symmetric, and at most one Primary company on the survivor.
            forward = _edges(c, "contacts", survivor, "companies")
            assert sum(1 in types for types in forward.values()) <= 1, forward
            assert {k1, k2} <= set(forward), forward
            for company in (k1, k2, k3):
                back = _edges(c, "companies", company, "contacts")
                assert (company in forward) == (survivor in back), (company, forward, back)
                assert gone not in back
            deals = _edges(c, "contacts", survivor, "deals")
            assert set(deals) == {deal}
            assert set(_edges(c, "deals", deal, "contacts")) == {survivor}
