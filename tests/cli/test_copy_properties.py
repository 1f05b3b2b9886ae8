"""``assocdb copy`` carries a portal's properties: definitions, groups and unique ones (the
destination's search index is rebuilt by its triggers as the records arrive)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from tests.live import cli

from assocdb.domain.objects import ObjectService, ObjectUpdate
from assocdb.domain.objecttypes import resolve_object_type
from assocdb.domain.properties import PropertyDef, PropertyGroup, PropertyService
from assocdb.domain.search import FilterInput, SearchInput, SearchService
from assocdb.errors import Conflict
from assocdb.storage import open_store

COMPANIES = resolve_object_type("companies")


async def _fill(url: str) -> None:
    store: Any = open_store(url)
    await store.open()
    try:
        await store.create_portal(7, "p", 0)
        props = PropertyService(store)
        await props.create_group(7, COMPANIES, PropertyGroup("erp", "ERP"))
        await props.create(
            7,
            COMPANIES,
            PropertyDef("erp_id", "ERP id", "string", "text", "erp", has_unique_value=True),
        )
        objects = ObjectService(store, properties=props)
        await objects.create_many(7, COMPANIES, [{"name": "Acme", "erp_id": "E-1"}])
    finally:
        await store.close()


async def _check(url: str) -> None:
    store: Any = open_store(url)
    await store.open()
    try:
        props = PropertyService(store)
        erp_id = await props.get(7, COMPANIES, "erp_id")
        assert (erp_id.group_name, erp_id.has_unique_value) == ("erp", True)
        assert "erp" in {g.name for g in await props.groups(7, COMPANIES)}
        found = await SearchService(store, props).search(
            7,
            COMPANIES,
            SearchInput(filter_groups=((FilterInput("erp_id", "EQ", "e-1"),),)),
        )
        assert [o.properties["name"] for o in found.records] == ["Acme"]
        objects = ObjectService(store, properties=props)
        (other,) = await objects.create_many(7, COMPANIES, [{"name": "Other"}])
        with pytest.raises(Conflict):
            await objects.update_many(
                7, COMPANIES, [ObjectUpdate(other.object_id, {"erp_id": "E-1"})]
            )
    finally:
        await store.close()


def test_copy_carries_properties(tmp_path: Path, db_url: str) -> None:
    source = str(tmp_path / "source.sqlite3")
    asyncio.run(_fill(source))
    cli("copy", "--from", source, "--to", db_url)
    asyncio.run(_check(db_url))
