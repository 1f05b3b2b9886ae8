"""The CRM tables travel with ``assocdb copy`` and are cleared by the admin reset."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from assocdb.domain.crm import pipeline_store, schema_store
from assocdb.domain.objecttypes import resolve_object_type
from assocdb.domain.owners import NewOwner, OwnerService, owner_store
from assocdb.domain.pipelines import PipelineService, StageInput
from assocdb.domain.schemas import SchemaInput, SchemaService
from assocdb.storage import open_store
from tests.conftest import Api
from tests.live import cli

ADMIN = {"Authorization": "Bearer admin-secret"}


async def _fill(url: str) -> None:
    store = open_store(url)
    await store.open()
    try:
        await store.create_portal(3, "p", 0)
        await OwnerService(owner_store(store)).create(3, NewOwner("ada@example.com"))
        schemas = SchemaService(store, schema_store(store))
        await schemas.create(3, SchemaInput(name="cars", singular="Car", plural="Cars"))
        pipelines = PipelineService(pipeline_store(store), OwnerService(owner_store(store)), store)
        extra = StageInput(label="Extra", metadata={"probability": "0.5"})
        await pipelines.create_stage(3, resolve_object_type("deals"), "default", extra)
    finally:
        await store.close()


async def _read(url: str) -> tuple[list[str], list[str], list[str]]:
    store = open_store(url)
    await store.open()
    try:
        owners = await OwnerService(owner_store(store)).list_page(3)
        schemas = await schema_store(store).list_schemas(3)
        stored = await pipeline_store(store).read_pipelines(3, "0-3") or []
        labels = [s.label for p in stored for s in p.active_stages()]
        return [o.email for o in owners.owners], [s.name for s in schemas], labels[-1:]
    finally:
        await store.close()


def test_copy_moves_owners_and_schemas(tmp_path: Path, db_url: str) -> None:
    source = str(tmp_path / "source.sqlite3")
    asyncio.run(_fill(source))
    cli("copy", "--from", source, "--to", db_url)
    assert asyncio.run(_read(db_url)) == (["ada@example.com"], ["cars"], ["Extra"])


def test_reset_clears_owners_pipelines_schemas_and_merges(make_api: Callable[..., Api]) -> None:
    api = make_api(admin=True, admin_token="admin-secret")
    api.portal(1)
    token = api.token(1)
    api.client.post("/_assocdb/portals/1/owners", json={"email": "a@example.com"}, headers=ADMIN)
    api.post(
        "/crm/v3/pipelines/deals/default/stages",
        token,
        {"label": "Extra", "displayOrder": 9, "metadata": {"probability": "0.5"}},
    )
    api.post(
        "/crm-object-schemas/v3/schemas",
        token,
        {"name": "cars", "labels": {"singular": "Car", "plural": "Cars"}},
    )
    a, b = api.objects(1, "contacts", 2)
    api.post("/crm/v3/objects/contacts/merge", token, {"primaryObjectId": a, "objectIdToMerge": b})
    assert api.client.post("/_assocdb/portals/1/reset", headers=ADMIN).status_code == 204
    assert api.get("/crm/v3/owners", token).json() == {"results": []}
    stages = api.get("/crm/v3/pipelines/deals/default/stages", token).json()["results"]
    assert len(stages) == 7
    assert api.get("/crm-object-schemas/v3/schemas", token).json() == {"results": []}
    # Ids restart after a reset: an old merge must not redirect the new records' ids.
    api.objects(1, "contacts", 2)
    api.client.delete(f"/crm/v3/objects/contacts/{b}", headers={"Authorization": f"Bearer {token}"})
    assert api.get(f"/crm/v3/objects/contacts/{b}", token).status_code == 404
