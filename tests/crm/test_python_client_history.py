"""``propertiesWithHistory`` through HubSpot's official Python client (``hubspot-api-client``),
unmodified, against a live ``assocdb serve`` on each backend (docs/crm.md, "Property
history")."""

from __future__ import annotations

from datetime import datetime

import pytest
from hubspot import HubSpot
from hubspot.crm.contacts import (
    BatchReadInputSimplePublicObjectId,
    SimplePublicObjectId,
    SimplePublicObjectInput,
)
from hubspot.crm.contacts import SimplePublicObjectInputForCreate as ContactInput

pytestmark = pytest.mark.slow


def test_get_by_id_list_and_batch_read_show_each_version(client: HubSpot) -> None:
    contacts = client.crm.contacts
    made = contacts.basic_api.create(
        ContactInput(properties={"email": "hist@example.com", "firstname": "Ada"})
    )
    contacts.basic_api.update(made.id, SimplePublicObjectInput(properties={"firstname": "Ada L."}))
    contacts.basic_api.update(made.id, SimplePublicObjectInput(properties={"firstname": "Ada L."}))

    one = contacts.basic_api.get_by_id(made.id, properties_with_history=["firstname", "email"])

    history = one.properties_with_history
    assert [(v.value, v.source_type) for v in history["firstname"]] == [
        ("Ada L.", "API"),
        ("Ada", "API"),
    ]
    assert [v.value for v in history["email"]] == ["hist@example.com"]
    stamps = [v.timestamp for v in history["firstname"]]
    assert all(isinstance(s, datetime) and s.tzinfo is not None for s in stamps)
    assert stamps[0] >= stamps[1]

    batch = contacts.batch_api.read(
        BatchReadInputSimplePublicObjectId(
            inputs=[SimplePublicObjectId(id=made.id)],
            properties=["firstname"],
            properties_with_history=["firstname"],
        )
    )
    (record,) = batch.results
    assert [v.value for v in record.properties_with_history["firstname"]] == ["Ada L.", "Ada"]

    page = contacts.basic_api.get_page(limit=100, properties_with_history=["firstname"])
    found = [r for r in page.results if r.id == made.id]
    assert [v.value for v in found[0].properties_with_history["firstname"]] == ["Ada L.", "Ada"]
