"""The storage suite's store: every backend (``db_url``), opened, with portals 1 and 2."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from assocdb.domain.store import Store
from assocdb.storage import open_store


@pytest.fixture
async def store(db_url: str) -> AsyncIterator[Store]:
    the_store = open_store(db_url)
    await the_store.open()
    await the_store.create_portal(1, "one", 0)
    await the_store.create_portal(2, "two", 0)
    yield the_store
    await the_store.close()
