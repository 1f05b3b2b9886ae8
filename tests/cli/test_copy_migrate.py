"""``assocdb migrate`` and ``assocdb copy`` between every pair of backends."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest
from tests.live import cli

from assocdb.demo import ensure_demo_portal
from assocdb.domain.associations import AssociationService, Page, ReadInput
from assocdb.domain.labels import LabelService
from assocdb.domain.objects import ObjectService
from assocdb.domain.objecttypes import resolve_object_type
from assocdb.domain.paging import CursorCodec
from assocdb.storage import open_store

COMPANIES, CONTACTS = resolve_object_type("companies"), resolve_object_type("contacts")
BIG_COMPANY = 10000000001


async def _fill(url: str) -> None:
    store = open_store(url)
    await store.open()
    try:
        service = AssociationService(store, CursorCodec(await store.secret()))
        await ensure_demo_portal(store, service, LabelService(store), ObjectService(store))
    finally:
        await store.close()


async def _pages(url: str, after: str | None) -> tuple[int, list[Page | Exception], bytes]:
    store = open_store(url)
    await store.open()
    try:
        service = AssociationService(store, CursorCodec(await store.secret()))
        pages = await service.batch_read(
            12345, COMPANIES, CONTACTS, [ReadInput(BIG_COMPANY, after), ReadInput(5)]
        )
        return await store.count_edges(12345), list(pages), await store.secret()
    finally:
        await store.close()


def test_migrate_creates_the_schema_and_says_so(tmp_path: Path) -> None:
    db = str(tmp_path / "m.sqlite3")

    output = cli("migrate", "--db", db)

    assert output == f"Schema of {db} is up to date."
    assert Path(db).exists()


def test_copy_moves_everything_and_cursors_stay_valid(tmp_path: Path, db_url: str) -> None:
    source = str(tmp_path / "source.sqlite3")
    asyncio.run(_fill(source))
    before_count, before, secret = asyncio.run(_pages(source, None))
    first = before[0]
    assert isinstance(first, Page)
    assert first.next_after is not None

    output = cli("copy", "--from", source, "--to", db_url)

    assert output.splitlines()[-1] == (
        "Copied and verified: 1 meta, 1 portals, 950 objects, 2670 property_history,"
        " 2638 associations, 4 labels."
    )
    after_count, after, copied_secret = asyncio.run(_pages(db_url, first.next_after))
    assert after_count == before_count == 2638
    assert copied_secret == secret
    second = after[0]
    assert isinstance(second, Page)
    # The cursor handed out by the source continues on the destination.
    assert [t for t, _ in second.to] == list(range(10000000541, 10000000661))
    assert str(after[1]) == "No contact is associated with company 5."


def test_copy_refuses_a_destination_that_holds_data(tmp_path: Path) -> None:
    source, target = str(tmp_path / "a.sqlite3"), str(tmp_path / "b.sqlite3")
    asyncio.run(_fill(source))
    asyncio.run(_fill(target))

    done = subprocess.run(
        [sys.executable, "-m", "assocdb", "copy", "--from", source, "--to", target],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 1
    assert done.stderr.strip() == (
        "error: the destination already holds portals; copy into an empty store"
    )


@pytest.mark.parametrize("args", [["copy"], ["copy", "--from", "x.sqlite3"]])
def test_copy_needs_both_ends(args: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "assocdb", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 2
    assert done.stderr.startswith("error: Missing option")
