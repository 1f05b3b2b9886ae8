"""Property: any sequence of creates, label changes and archives, written from either side,
leaves every edge with its inverse (inverse typeIds) and matches a small in-memory model."""

from __future__ import annotations

import asyncio
import tempfile
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assocdb.domain.associations import AssociationService, CreateInput
from assocdb.domain.labels import LabelService
from assocdb.domain.objects import ObjectService
from assocdb.domain.objecttypes import resolve_object_type
from assocdb.domain.paging import CursorCodec
from assocdb.storage.sqlite import SQLiteStore

CONTACT, COMPANY = resolve_object_type("contacts"), resolve_object_type("companies")
HS, USER = 0, 1
# contact → company keys and their company → contact inverses; the label is created first
# in each store and gets typeIds 100 (contact → company) and 101 (company → contact).
INVERSE = {(HS, 279): (HS, 280), (HS, 1): (HS, 2), (USER, 100): (USER, 101)}
BACK = {v: k for k, v in INVERSE.items()}
LABELS = [(HS, 1), (USER, 100)]


@dataclass(frozen=True)
class Op:
    kind: str  # "set", "add", "remove", "archive"
    contact: int
    company: int
    keys: tuple[tuple[int, int], ...]
    from_company_side: bool


ops = st.builds(
    Op,
    kind=st.sampled_from(["set", "add", "remove", "archive"]),
    contact=st.integers(0, 2),
    company=st.integers(0, 2),
    keys=st.lists(st.sampled_from([*LABELS, (HS, 279)]), max_size=3, unique=True).map(tuple),
    from_company_side=st.booleans(),
)


class Model:
    """contact → company label sets, with HubSpot's rules.

    HubSpot: https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associate-records/guide
    https://developers.hubspot.com/docs/api-reference/2026-03/crm/associations/associate-records/batch/create-associations-labeled
    """

    def __init__(self) -> None:
        self.pairs: dict[tuple[int, int], set[tuple[int, int]]] = {}

    def apply(self, op: Op) -> None:
        pair = (op.contact, op.company)
        current = self.pairs.get(pair, set())
        if op.kind == "archive":
            self.pairs.pop(pair, None)
        elif op.kind == "remove":
            if (HS, 279) in op.keys:
                self.pairs.pop(pair, None)
            elif current:
                self.pairs[pair] = current - set(op.keys)
        else:
            base = {(HS, 279)} if op.kind == "set" else {(HS, 279), *current}
            new = base | set(op.keys)
            if (HS, 1) in new:  # the contact's primary company moves here
                for (contact, company), types in self.pairs.items():
                    if contact == op.contact and company != op.company:
                        types.discard((HS, 1))
            self.pairs[pair] = new


async def run_ops(
    sequence: list[Op], folder: str
) -> tuple[
    dict[tuple[int, int], set[tuple[int, int]]], dict[tuple[int, int], set[tuple[int, int]]]
]:
    store = SQLiteStore(str(Path(folder) / "p.sqlite3"))
    await store.open()
    try:
        await store.create_portal(1, "p", 0)
        service = AssociationService(store, CursorCodec(b"s" * 32))
        await LabelService(store).create(1, CONTACT, COMPANY, "billing", "Billing", "Billed")
        objects = ObjectService(store)
        contacts = [o.object_id for o in await objects.create_many(1, CONTACT, [{}] * 3)]
        companies = [o.object_id for o in await objects.create_many(1, COMPANY, [{}] * 3)]
        for op in sequence:
            c, k = contacts[op.contact], companies[op.company]
            if op.from_company_side:
                item = CreateInput(k, c, tuple(INVERSE[key] for key in op.keys))
                types = (COMPANY, CONTACT)
            else:
                item = CreateInput(c, k, op.keys)
                types = (CONTACT, COMPANY)
            if op.kind in ("set", "add"):
                await service.set_types(1, *types, [item], replace=op.kind == "set")
            elif op.kind == "remove":
                await service.remove_types(1, *types, [item])
            else:
                await service.archive_pairs(1, *types, [(item.from_id, item.to_id)])
        forward = await store.read_pages(1, "0-1", "0-2", [(c, -1) for c in contacts], 100)
        backward = await store.read_pages(1, "0-2", "0-1", [(k, -1) for k in companies], 100)
    finally:
        await store.close()
    index = {cid: i for i, cid in enumerate(contacts)} | {kid: i for i, kid in enumerate(companies)}
    stored_forward = {
        (index[c], index[k]): set(types)
        for c, rows in zip(contacts, forward, strict=True)
        for k, types in rows
    }
    stored_backward = {
        (index[c], index[k]): {BACK[t] for t in types}
        for k, rows in zip(companies, backward, strict=True)
        for c, types in rows
    }
    return stored_forward, stored_backward


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ops, max_size=12))
def test_any_sequence_keeps_edges_symmetric_and_matches_the_model(sequence: list[Op]) -> None:
    model = Model()
    for op in sequence:
        model.apply(op)
    with tempfile.TemporaryDirectory() as folder:
        forward, backward = asyncio.run(run_ops(sequence, folder))

    assert forward == backward  # every edge has its inverse, with the inverse typeIds
    assert forward == {pair: types for pair, types in model.pairs.items() if types}
    primaries = [pair[0] for pair, types in forward.items() if (HS, 1) in types]
    assert len(primaries) == len(set(primaries))  # at most one primary company per contact
