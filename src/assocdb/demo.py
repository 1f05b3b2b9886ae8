"""The demo portal behind ``assocdb serve --demo``, filled through the domain layer.

Realistic shapes: contacts with a primary company and sometimes a labelled billing
relation, deals with a primary company and decision makers, tickets, a parent company
with children, and one company with more contacts than one page of batch read.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from assocdb.domain.associations import AssociationService, CreateInput
from assocdb.domain.clock import now_ms
from assocdb.domain.labels import LabelService
from assocdb.domain.objects import ObjectService
from assocdb.domain.objecttypes import ObjectType, resolve_object_type
from assocdb.domain.registry import Category, TypeKey
from assocdb.domain.store import Store

__all__ = ["DEMO_PORTAL_ID", "DemoPortal", "ensure_demo_portal"]

DEMO_PORTAL_ID = 12345
BIG_COMPANY_CONTACTS = 620

_FIRST = [
    "Ada",
    "Grace",
    "Alan",
    "Edsger",
    "Barbara",
    "Donald",
    "Frances",
    "Ken",
    "Radia",
    "Leslie",
    "Margaret",
    "Tim",
    "Hedy",
    "Linus",
    "Guido",
    "Sophie",
]
_LAST = [
    "Lovelace",
    "Hopper",
    "Turing",
    "Dijkstra",
    "Liskov",
    "Knuth",
    "Allen",
    "Thompson",
    "Perlman",
    "Lamport",
    "Hamilton",
    "Berners-Lee",
    "Lamarr",
    "Torvalds",
    "Wilson",
]
_INDUSTRY = ["Logistics", "Robotics", "Analytics", "Foods", "Energy", "Health", "Media", "Labs"]


@dataclass(frozen=True, slots=True)
class DemoPortal:
    portal_id: int
    created: bool
    big_company_id: int
    sample_company_ids: tuple[int, ...]
    sample_contact_ids: tuple[int, ...]


def _key(type_id: int, category: Category = Category.HUBSPOT_DEFINED) -> TypeKey:
    return (category, type_id)


async def ensure_demo_portal(
    store: Store, associations: AssociationService, labels: LabelService, objects: ObjectService
) -> DemoPortal:
    """Create and fill the demo portal once; later calls find it and change nothing."""
    created = await store.get_portal(DEMO_PORTAL_ID) is None
    if created:
        await store.create_portal(DEMO_PORTAL_ID, "assocdb demo", now_ms())
        ids = await _fill(DEMO_PORTAL_ID, associations, labels, objects)
    else:
        ids = _expected_ids()
    return DemoPortal(DEMO_PORTAL_ID, created, ids[0], ids[1], ids[2])


# Record ids are allocated sequentially per portal; the demo creates 40 companies first,
# then contacts, so a re-run can name the same records without querying.
_FIRST_ID = 10000000001
_COMPANIES = 40
_CONTACTS = 800


def _expected_ids() -> tuple[int, tuple[int, ...], tuple[int, ...]]:
    companies = tuple(range(_FIRST_ID, _FIRST_ID + _COMPANIES))
    contacts = tuple(range(_FIRST_ID + _COMPANIES, _FIRST_ID + _COMPANIES + _CONTACTS))
    return companies[0], companies[:3], (contacts[0], contacts[-1])


async def _fill(
    portal: int, associations: AssociationService, labels: LabelService, objects: ObjectService
) -> tuple[int, tuple[int, ...], tuple[int, ...]]:
    rng = random.Random(20241021)
    contact, company = resolve_object_type("contacts"), resolve_object_type("companies")
    deal, ticket = resolve_object_type("deals"), resolve_object_type("tickets")

    companies = await objects.create_many(
        portal,
        company,
        [
            {
                "name": f"{rng.choice(_LAST)} {rng.choice(_INDUSTRY)}",
                "domain": f"company{i}.example",
            }
            for i in range(_COMPANIES)
        ],
    )
    contacts = await objects.create_many(
        portal,
        contact,
        [
            {
                "firstname": rng.choice(_FIRST),
                "lastname": rng.choice(_LAST),
                "email": f"person{i}@example.com",
            }
            for i in range(_CONTACTS)
        ],
    )
    deals = await objects.create_many(
        portal,
        deal,
        [{"dealname": f"Deal {i}", "amount": str(rng.randrange(1, 500) * 100)} for i in range(80)],
    )
    tickets = await objects.create_many(
        portal, ticket, [{"subject": f"Ticket {i}"} for i in range(30)]
    )
    company_ids = [o.object_id for o in companies]
    contact_ids = [o.object_id for o in contacts]
    deal_ids = [o.object_id for o in deals]
    ticket_ids = [o.object_id for o in tickets]
    assert (
        company_ids[0],
        tuple(company_ids[:3]),
        (contact_ids[0], contact_ids[-1]),
    ) == _expected_ids(), "demo ids must follow the sequential allocation"

    billing = await labels.create(
        portal, contact, company, "billing_contact", "Billing contact", "Billing company"
    )
    billing_key = _key(billing[1].type_id, Category.USER_DEFINED)  # contact → company side
    decision = await labels.create(portal, deal, contact, "decision_maker", "Decision maker")
    decision_key = _key(decision[1].type_id, Category.USER_DEFINED)

    big = company_ids[0]
    # The big company: more contacts than one batch-read page, all primary there.
    contact_company = [CreateInput(c, big, (_key(1),)) for c in contact_ids[:BIG_COMPANY_CONTACTS]]
    for c in contact_ids[BIG_COMPANY_CONTACTS:]:
        picks = rng.sample(company_ids[1:], rng.randint(1, 3))
        contact_company.append(CreateInput(c, picks[0], (_key(1),)))
        for other in picks[1:]:
            types = (billing_key,) if rng.random() < 0.3 else ()
            contact_company.append(CreateInput(c, other, types))
    await _create(associations, portal, contact, company, contact_company)

    deal_company = [CreateInput(d, rng.choice(company_ids), (_key(5),)) for d in deal_ids]
    await _create(associations, portal, deal, company, deal_company)
    deal_contact = [
        CreateInput(d, c, (decision_key,) if rng.random() < 0.25 else ())
        for d in deal_ids
        for c in rng.sample(contact_ids, rng.randint(1, 4))
    ]
    await _create(associations, portal, deal, contact, deal_contact)

    ticket_company = [CreateInput(t, rng.choice(company_ids), (_key(26),)) for t in ticket_ids]
    await _create(associations, portal, ticket, company, ticket_company)
    ticket_contact = [CreateInput(t, rng.choice(contact_ids), ()) for t in ticket_ids]
    await _create(associations, portal, ticket, contact, ticket_contact)
    ticket_deal = [CreateInput(t, rng.choice(deal_ids), ()) for t in ticket_ids[:10]]
    await _create(associations, portal, ticket, deal, ticket_deal)

    # A parent company with three children (typeId 13: parent → child).
    parent_child = [CreateInput(company_ids[1], child, (_key(13),)) for child in company_ids[2:5]]
    await _create(associations, portal, company, company, parent_child)
    return _expected_ids()


async def _create(
    associations: AssociationService,
    portal: int,
    from_type: ObjectType,
    to_type: ObjectType,
    inputs: list[CreateInput],
) -> None:
    outcomes = await associations.set_types(portal, from_type, to_type, inputs, replace=False)
    failed = [o for o in outcomes if isinstance(o, Exception)]
    if failed:
        raise RuntimeError(f"demo data rejected: {failed[0]}")
