"""HubSpot's official Python client (``hubspot-api-client``), unmodified, against a live
``assocdb serve`` on each backend: batch upsert and ``idProperty`` reads and writes."""

from __future__ import annotations

import pytest
from hubspot import HubSpot
from hubspot.crm.contacts import (
    BatchInputSimplePublicObjectBatchInputUpsert,
    BatchReadInputSimplePublicObjectId,
    SimplePublicObjectBatchInputUpsert,
    SimplePublicObjectId,
    SimplePublicObjectInput,
)
from hubspot.crm.contacts.exceptions import ApiException

pytestmark = pytest.mark.slow


def _upsert(client: HubSpot, *emails: str, firstname: str) -> list[tuple[str, str, bool]]:
    response = client.crm.contacts.batch_api.upsert(
        BatchInputSimplePublicObjectBatchInputUpsert(
            inputs=[
                SimplePublicObjectBatchInputUpsert(
                    id=email, id_property="email", properties={"firstname": firstname}
                )
                for email in emails
            ]
        )
    )
    return [(r.properties["email"], r.id, r.new) for r in response.results]


def test_upsert_creates_then_updates(client: HubSpot) -> None:
    ((email, made, new),) = _upsert(client, "py-upsert@example.com", firstname="A")
    assert (email, new) == ("py-upsert@example.com", True)
    results = _upsert(client, "PY-UPSERT@example.com", "py-other@example.com", firstname="B")
    assert results[0] == ("py-upsert@example.com", made, False)
    assert results[1][0] == "py-other@example.com"
    assert results[1][2] is True
    read = client.crm.contacts.basic_api.get_by_id(
        "py-upsert@example.com", id_property="email", properties=["firstname"]
    )
    assert (read.id, read.properties["firstname"]) == (made, "B")


def test_get_update_archive_by_email(client: HubSpot) -> None:
    ((_, made, _),) = _upsert(client, "py-id@example.com", firstname="A")
    basic = client.crm.contacts.basic_api
    updated = basic.update(
        "py-id@example.com",
        SimplePublicObjectInput(properties={"lastname": "L"}),
        id_property="email",
    )
    assert (updated.id, updated.properties["lastname"]) == (made, "L")
    batch = client.crm.contacts.batch_api.read(
        BatchReadInputSimplePublicObjectId(
            id_property="email",
            properties=["email"],
            inputs=[SimplePublicObjectId(id="py-id@example.com")],
        )
    )
    assert [r.id for r in batch.results] == [made]
    with pytest.raises(ApiException) as missing:
        basic.get_by_id("nobody@example.com", id_property="email")
    assert missing.value.status == 404
    basic.archive(made)
    with pytest.raises(ApiException) as gone:
        basic.get_by_id("py-id@example.com", id_property="email")
    assert gone.value.status == 404
