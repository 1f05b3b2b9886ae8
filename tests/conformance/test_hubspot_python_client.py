"""HubSpot's official Python client (``hubspot-api-client``) against a live ``assocdb serve``.

A full association workflow, as an integration developer would run it: create records,
associate them (default and labelled), read in batches following every ``after`` cursor,
archive, read back.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hubspot import HubSpot
from hubspot.crm.associations.v4 import (
    AssociationSpec,
    BatchInputPublicAssociationMultiArchive,
    BatchInputPublicAssociationMultiPost,
    BatchInputPublicFetchAssociationsBatchRequest,
    PublicAssociationMultiArchive,
    PublicAssociationMultiPost,
    PublicFetchAssociationsBatchRequest,
    PublicObjectId,
)
from hubspot.crm.associations.v4.exceptions import ApiException as AssociationsApiException
from hubspot.crm.objects import (
    BatchInputSimplePublicObjectBatchInputForCreate,
    SimplePublicObjectBatchInputForCreate,
)

from tests.live import LiveServer, cli, live_server
from tests.reliability.workload import name_property

pytestmark = pytest.mark.slow

PAGE = 4


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    db = tmp_path_factory.mktemp("e2e") / "e2e.sqlite3"
    cli("portal", "create", "--db", str(db), "--id", "4242")
    with live_server(db, "--batch-read-page-size", str(PAGE)) as live:
        yield live


@pytest.fixture(scope="module")
def client(server: LiveServer) -> HubSpot:
    return HubSpot(access_token=server.token(4242), host=server.base_url)


def create(client: HubSpot, object_type: str, count: int) -> list[str]:
    inputs = [
        SimplePublicObjectBatchInputForCreate(
            properties={name_property(object_type): f"{object_type} {i}"}, associations=[]
        )
        for i in range(count)
    ]
    response = client.crm.objects.batch_api.create(
        object_type, BatchInputSimplePublicObjectBatchInputForCreate(inputs=inputs)
    )
    return [o.id for o in response.results]


def read_all(
    client: HubSpot, from_type: str, to_type: str, from_id: str
) -> list[tuple[str, list[int]]]:
    """Every association of one record, following ``paging.next.after`` to the end."""
    seen: list[tuple[str, list[int]]] = []
    request = PublicFetchAssociationsBatchRequest(id=from_id)
    while True:
        page = client.crm.associations.v4.batch_api.get_page(
            from_type, to_type, BatchInputPublicFetchAssociationsBatchRequest(inputs=[request])
        )
        (result,) = page.results
        for item in result.to:
            seen.append((str(item.to_object_id), sorted(t.type_id for t in item.association_types)))
        if result.paging is None:
            return seen
        request = PublicFetchAssociationsBatchRequest(id=from_id, after=result.paging.next.after)


def test_full_association_workflow(client: HubSpot) -> None:
    assoc = client.crm.associations.v4
    contacts = create(client, "contacts", 10)
    company, other = create(client, "companies", 2)

    # Default (unlabeled) for one pair, labelled (Primary) for another, batch for the rest.
    assoc.basic_api.create_default("contacts", contacts[0], "companies", company)
    labelled = assoc.basic_api.create(
        "contacts",
        contacts[1],
        "companies",
        company,
        [AssociationSpec(association_category="HUBSPOT_DEFINED", association_type_id=1)],
    )
    created = assoc.batch_api.create(
        "contacts",
        "companies",
        BatchInputPublicAssociationMultiPost(
            inputs=[
                PublicAssociationMultiPost(
                    _from=PublicObjectId(id=c),
                    to=PublicObjectId(id=company),
                    types=[
                        AssociationSpec(
                            association_category="HUBSPOT_DEFINED", association_type_id=279
                        )
                    ],
                )
                for c in contacts[2:]
            ]
        ),
    )

    assert labelled.labels == ["Primary"]
    assert str(labelled.from_object_id) == contacts[1]
    assert len(created.results) == 8

    # Read the company's contacts from the other side, page by page (pages of 4).
    everything = read_all(client, "companies", "contacts", company)
    assert [c for c, _ in everything] == sorted(contacts, key=int)
    assert dict(everything)[contacts[1]] == [2, 280]
    assert dict(everything)[contacts[0]] == [280]

    # The per-record list API agrees.
    listed = assoc.basic_api.get_page("contacts", contacts[1], "companies")
    assert [
        (str(r.to_object_id), sorted(t.type_id for t in r.association_types))
        for r in listed.results
    ] == [(company, [1, 279])]

    # Archive half of them in a batch and one pair on its own; read back.
    assoc.batch_api.archive(
        "companies",
        "contacts",
        BatchInputPublicAssociationMultiArchive(
            inputs=[
                PublicAssociationMultiArchive(
                    _from=PublicObjectId(id=company),
                    to=[PublicObjectId(id=c) for c in contacts[:5]],
                )
            ]
        ),
    )
    assoc.basic_api.archive("contacts", contacts[9], "companies", company)
    remaining = read_all(client, "companies", "contacts", company)
    assert [c for c, _ in remaining] == sorted(contacts[5:9], key=int)

    # A contact with nothing left is a 207 with HubSpot's error, which the client returns.
    gone = assoc.batch_api.get_page(
        "contacts",
        "companies",
        BatchInputPublicFetchAssociationsBatchRequest(
            inputs=[PublicFetchAssociationsBatchRequest(id=contacts[0])]
        ),
    )
    assert gone.results == []
    assert gone.num_errors == 1
    assert gone.errors[0].sub_category == "crm.associations.NO_ASSOCIATIONS_FOUND"
    assert other  # the second company never had associations
    assert (
        client.crm.associations.v4.basic_api.get_page("companies", other, "contacts").results == []
    )


def test_errors_reach_the_client_as_hubspot_errors(server: LiveServer) -> None:
    anonymous = HubSpot(access_token="pat-na1-wrong", host=server.base_url)
    read_only = HubSpot(
        access_token=server.token(4242, "crm.objects.contacts.read"), host=server.base_url
    )
    request = BatchInputPublicFetchAssociationsBatchRequest(
        inputs=[PublicFetchAssociationsBatchRequest(id="1")]
    )

    with pytest.raises(AssociationsApiException) as unauthorized:
        anonymous.crm.associations.v4.batch_api.get_page("contacts", "companies", request)
    with pytest.raises(AssociationsApiException) as forbidden:
        read_only.crm.associations.v4.batch_api.get_page("contacts", "companies", request)

    assert unauthorized.value.status == 401
    assert '"category":"INVALID_AUTHENTICATION"' in unauthorized.value.body
    assert forbidden.value.status == 403
    assert "crm.objects.companies.read" in forbidden.value.body
