"""HubSpot's official Python client (``hubspot-api-client``), unmodified, against a live
``assocdb serve`` on each backend: v3 associations, owners, pipelines, merge, GDPR delete."""

from __future__ import annotations

import json

import pytest
from hubspot import HubSpot
from hubspot.crm.associations import (
    BatchInputPublicAssociation,
    BatchInputPublicObjectId,
    PublicAssociation,
    PublicObjectId,
)
from hubspot.crm.companies import PublicMergeInput as CompanyMergeInput
from hubspot.crm.contacts import PublicGdprDeleteInput, PublicMergeInput
from hubspot.crm.contacts import SimplePublicObjectInputForCreate as ContactInput
from hubspot.crm.contacts.exceptions import ApiException as ContactsApiException
from hubspot.crm.objects import (
    BatchInputSimplePublicObjectBatchInputForCreate,
    SimplePublicObjectBatchInputForCreate,
    SimplePublicObjectInputForCreate,
)
from hubspot.crm.objects.exceptions import ApiException as ObjectsApiException
from hubspot.crm.pipelines import (
    PipelineInput,
    PipelinePatchInput,
    PipelineStageInput,
    PipelineStagePatchInput,
)
from hubspot.crm.pipelines.exceptions import ApiException as PipelinesApiException
from hubspot.crm.schemas import (
    ObjectSchemaEgg,
    ObjectTypeDefinitionLabels,
    ObjectTypeDefinitionPatch,
    ObjectTypePropertyCreate,
)

from tests.crm.conftest import PORTAL
from tests.live import LiveServer, cli

pytestmark = pytest.mark.slow


def create(client: HubSpot, object_type: str, count: int) -> list[str]:
    inputs = [
        SimplePublicObjectBatchInputForCreate(properties={}, associations=[]) for _ in range(count)
    ]
    response = client.crm.objects.batch_api.create(
        object_type, BatchInputSimplePublicObjectBatchInputForCreate(inputs=inputs)
    )
    return [o.id for o in response.results]


def test_v3_associations_through_the_batch_api(client: HubSpot) -> None:
    contact, other = create(client, "contacts", 2)
    (company,) = create(client, "companies", 1)
    batch = client.crm.associations.batch_api
    created = batch.create(
        "contacts",
        "companies",
        BatchInputPublicAssociation(
            inputs=[
                PublicAssociation(_from=PublicObjectId(id=c), to=PublicObjectId(id=company), type=t)
                for c, t in (
                    (contact, "contact_to_company"),
                    (other, "contact_to_company_unlabeled"),
                )
            ]
        ),
    )
    assert sorted((r._from.id, r.type) for r in created.results) == sorted(
        [(contact, "contact_to_company"), (other, "contact_to_company_unlabeled")]
    )
    read = batch.read(
        "companies", "contacts", BatchInputPublicObjectId(inputs=[PublicObjectId(id=company)])
    )
    (result,) = read.results
    assert sorted((t.id, t.type) for t in result.to) == sorted(
        [
            (contact, "company_to_contact"),
            (contact, "company_to_contact_unlabeled"),
            (other, "company_to_contact_unlabeled"),
        ]
    )
    batch.archive(
        "contacts",
        "companies",
        BatchInputPublicAssociation(
            inputs=[
                PublicAssociation(
                    _from=PublicObjectId(id=contact),
                    to=PublicObjectId(id=company),
                    type="contact_to_company",
                )
            ]
        ),
    )
    # v4 agrees: only the other contact is left.
    page = client.crm.associations.v4.basic_api.get_page("companies", company, "contacts")
    assert [str(r.to_object_id) for r in page.results] == [other]
    types = client.crm.associations.schema.types_api.get_all("contacts", "companies")
    assert ("1", "contact_to_company") in [(t.id, t.name) for t in types.results]


def test_owners_created_by_the_cli_are_listed_and_read(
    client: HubSpot, crm_server: LiveServer
) -> None:
    made = cli(
        "owner",
        "create",
        "--db",
        crm_server.db,
        "--portal",
        str(PORTAL),
        "--email",
        "grace@example.com",
        "--first-name",
        "Grace",
        "--last-name",
        "Hopper",
        "--team",
        "Navy",
        "--team",
        "Compilers",
    )
    assert made.isdigit()
    page = client.crm.owners.owners_api.get_page(email="grace@example.com", limit=10)
    (found,) = page.results
    assert (found.id, found.first_name, found.last_name, found.type, found.archived) == (
        made,
        "Grace",
        "Hopper",
        "PERSON",
        False,
    )
    by_user = client.crm.owners.owners_api.get_by_id(found.user_id, id_property="userId")
    assert by_user.id == made
    assert client.crm.owners.owners_api.get_by_id(int(made)).email == "grace@example.com"
    # Teams, as HubSpot's owners API returns them: the first --team is the primary one.
    assert [(t.name, t.primary) for t in found.teams] == [("Navy", True), ("Compilers", False)]
    assert all(t.id.isdigit() for t in found.teams)


def test_pipelines_crud_and_deal_stage_checks(client: HubSpot) -> None:
    api = client.crm.pipelines
    default = api.pipelines_api.get_by_id("deals", "default")
    assert [s.id for s in default.stages][-2:] == ["closedwon", "closedlost"]
    assert default.stages[0].metadata == {"isClosed": "false", "probability": "0.2"}
    made = api.pipelines_api.create(
        "deals",
        PipelineInput(
            display_order=3,
            label="Partners",
            stages=[
                PipelineStageInput(
                    display_order=0, label="Talking", metadata={"probability": "0.3"}
                )
            ],
        ),
    )
    stage = api.pipeline_stages_api.create(
        "deals",
        made.id,
        PipelineStageInput(display_order=1, label="Signed", metadata={"probability": "1.0"}),
    )
    assert [s.label for s in api.pipeline_stages_api.get_all("deals", made.id).results] == [
        "Talking",
        "Signed",
    ]
    api.pipeline_stages_api.update(
        "deals", made.id, stage.id, PipelineStagePatchInput(label="Closed", metadata={})
    )
    assert api.pipeline_stages_api.get_by_id("deals", made.id, stage.id).label == "Closed"
    deal = client.crm.objects.basic_api.create(
        "deals",
        SimplePublicObjectInputForCreate(
            properties={"dealname": "P", "pipeline": made.id, "dealstage": stage.id},
            associations=[],
        ),
    )
    assert deal.properties["dealstage"] == stage.id
    with pytest.raises(ObjectsApiException) as refused:
        client.crm.objects.basic_api.create(
            "deals",
            SimplePublicObjectInputForCreate(
                properties={"pipeline": made.id, "dealstage": "closedwon"}, associations=[]
            ),
        )
    assert refused.value.status == 400
    api.pipelines_api.update("deals", made.id, PipelinePatchInput(label="Partner deals"))
    # HubSpot's reference check, asked for: the deal is in the pipeline, so it stays.
    with pytest.raises(PipelinesApiException) as in_use:
        api.pipelines_api.archive("deals", made.id, validate_deal_stage_usages_before_delete=True)
    assert in_use.value.status == 400
    api.pipelines_api.archive("deals", made.id)
    assert [p.id for p in api.pipelines_api.get_all("deals").results] == ["default"]
    # The audit, newest first: the archive, the rename, the stage changes, the create.
    audit = api.pipeline_audits_api.get_audit("deals", made.id).results
    assert [a.action for a in audit] == ["DELETE", "UPDATE", "UPDATE", "UPDATE", "CREATE"]
    assert audit[0].raw_object["archived"] is True
    assert audit[1].raw_object["label"] == "Partner deals"
    assert audit[-1].raw_object == {
        "id": made.id,
        "label": "Partners",
        "displayOrder": 3,
        "archived": False,
    }
    assert {a.portal_id for a in audit} == {audit[0].portal_id}
    assert len({a.identifier for a in audit}) == len(audit)


def test_merge_and_gdpr_delete_through_the_contacts_and_companies_apis(client: HubSpot) -> None:
    contacts = client.crm.contacts.basic_api
    primary = contacts.create(
        ContactInput(properties={"email": "lin@example.com", "firstname": "Lin"})
    )
    other = contacts.create(ContactInput(properties={"email": "lin@old.example", "phone": "7"}))
    merged = contacts.merge(
        PublicMergeInput(primary_object_id=primary.id, object_id_to_merge=other.id)
    )
    assert merged.id == primary.id
    assert (merged.properties["firstname"], merged.properties["phone"]) == ("Lin", "7")
    assert merged.properties["hs_merged_object_ids"] == other.id
    assert contacts.get_by_id(other.id).id == primary.id

    a, b = create(client, "companies", 2)
    done = client.crm.companies.basic_api.merge(
        CompanyMergeInput(primary_object_id=a, object_id_to_merge=b)
    )
    assert done.id == a

    contacts.purge(PublicGdprDeleteInput(object_id="lin@example.com", id_property="email"))
    with pytest.raises(ContactsApiException) as gone:
        contacts.get_by_id(primary.id)
    assert gone.value.status == 404


def test_custom_object_schema_records_and_associations(client: HubSpot) -> None:
    core = client.crm.schemas.core_api
    schema = core.create(
        ObjectSchemaEgg(
            name="boats",
            labels=ObjectTypeDefinitionLabels(singular="Boat", plural="Boats"),
            primary_display_property="hull",
            required_properties=["hull"],
            searchable_properties=["hull"],
            secondary_display_properties=[],
            properties=[
                ObjectTypePropertyCreate(
                    name="hull", label="Hull", type="string", field_type="text"
                )
            ],
            associated_objects=["CONTACT"],
        )
    )
    assert schema.fully_qualified_name == f"p{PORTAL}_boats"
    assert core.get_by_id("boats").object_type_id == schema.object_type_id
    boat = client.crm.objects.basic_api.create(
        schema.fully_qualified_name,
        SimplePublicObjectInputForCreate(properties={"hull": "H1"}, associations=[]),
    )
    (contact,) = create(client, "contacts", 1)
    client.crm.associations.v4.basic_api.create_default(
        schema.object_type_id, boat.id, "contacts", contact
    )
    page = client.crm.associations.v4.basic_api.get_page("contacts", contact, "boats")
    assert [str(r.to_object_id) for r in page.results] == [boat.id]
    core.update(
        "boats",
        ObjectTypeDefinitionPatch(
            labels=ObjectTypeDefinitionLabels(singular="Ship", plural="Ships")
        ),
    )
    assert [s.labels.singular for s in core.get_all().results if s.name == "boats"] == ["Ship"]


def test_invalid_email_and_read_only_values_through_the_contacts_api(client: HubSpot) -> None:
    """The client raises HubSpot's 400s for them, with the codes in the body
    (docs/properties.md)."""
    for properties, code in (
        ({"email": "not-an-address"}, "INVALID_EMAIL"),
        ({"email": "ok@example.com", "hs_object_id": "5"}, "READ_ONLY_VALUE"),
    ):
        with pytest.raises(ContactsApiException) as refused:
            client.crm.contacts.basic_api.create(ContactInput(properties=properties))
        assert refused.value.status == 400
        body = json.loads(refused.value.body)
        assert body["category"] == "VALIDATION_ERROR"
        assert [e["code"] for e in body["errors"]] == [code]
    made = client.crm.contacts.basic_api.create(ContactInput(properties={"email": "a@b.example"}))
    assert made.properties["email"] == "a@b.example"
