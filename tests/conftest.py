"""Shared fixtures: an app per test on a fresh store, and helpers that fill it through the
domain layer (no SQL outside the storage tests)."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from starlette.testclient import TestClient

from assocdb.config import Settings
from assocdb.domain.associations import CreateInput, SetResult
from assocdb.domain.auth import ALL_SCOPES, issue_token
from assocdb.domain.clock import now_ms
from assocdb.domain.objecttypes import resolve_object_type
from assocdb.domain.registry import Category, TypeKey
from assocdb.http.app import create_app
from assocdb.http.call import Services


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def hs(type_id: int) -> TypeKey:
    return (Category.HUBSPOT_DEFINED, type_id)


def user(type_id: int) -> TypeKey:
    return (Category.USER_DEFINED, type_id)


@dataclass
class Api:
    """A test client on a live app, plus ways to set up state through the domain."""

    client: TestClient
    services: Services

    def run(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return self.client.portal.call(lambda: fn(*args, **kwargs))  # type: ignore[union-attr]

    def portal(self, portal_id: int, name: str = "test") -> int:
        self.run(self.services.store.create_portal, portal_id, name, now_ms())
        return portal_id

    def token(self, portal_id: int, scopes: Sequence[str] = (ALL_SCOPES,)) -> str:
        token: str = self.run(
            issue_token, self.services.store, portal_id, frozenset(scopes), now_ms()
        )
        return token

    def objects(self, portal_id: int, object_type: str, count: int) -> list[int]:
        created = self.run(
            self.services.objects.create_many,
            portal_id,
            resolve_object_type(object_type),
            [{} for _ in range(count)],
        )
        return [o.object_id for o in created]

    def associate(
        self,
        portal_id: int,
        from_type: str,
        to_type: str,
        pairs: Sequence[tuple[int, int] | tuple[int, int, Sequence[TypeKey]]],
        *,
        replace: bool = False,
    ) -> list[SetResult | Exception]:
        inputs = [
            CreateInput(p[0], p[1], tuple(p[2]) if len(p) > 2 else ())  # type: ignore[misc]
            for p in pairs
        ]
        results: list[SetResult | Exception] = self.run(
            self.services.associations.set_types,
            portal_id,
            resolve_object_type(from_type),
            resolve_object_type(to_type),
            inputs,
            replace=replace,
        )
        return results

    def label(
        self,
        portal_id: int,
        from_type: str,
        to_type: str,
        name: str,
        label: str,
        inverse: str | None = None,
    ) -> list[int]:
        made = self.run(
            self.services.labels.create,
            portal_id,
            resolve_object_type(from_type),
            resolve_object_type(to_type),
            name,
            label,
            inverse,
        )
        return [t.type_id for t in made]

    def post(self, path: str, token: str | None, body: Any = None, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return self.client.post(path, json=body, headers=headers, **kwargs)

    def get(self, path: str, token: str | None, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return self.client.get(path, headers=headers, **kwargs)


POSTGRES_ENV = "ASSOCDB_TEST_POSTGRES"
POSTGRES_HOWTO = (
    "PostgreSQL tests need a server: set ASSOCDB_TEST_POSTGRES=postgresql://user@host:5432/db "
    "(each test uses a fresh schema there and drops it afterwards)"
)


def postgres_dsn() -> str:
    dsn = os.environ.get(POSTGRES_ENV)
    if not dsn:
        pytest.skip(POSTGRES_HOWTO)
    return dsn


def with_schema(dsn: str, schema: str) -> str:
    return f"{dsn}{'&' if '?' in dsn else '?'}schema={schema}"


def drop_schema(dsn: str, schema: str) -> None:
    async def drop() -> None:
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        finally:
            await conn.close()

    asyncio.run(drop())


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database of each backend: a SQLite file, or a PostgreSQL schema."""
    if request.param == "sqlite":
        yield str(tmp_path / "test.sqlite3")
        return
    dsn = postgres_dsn()
    schema = f"assocdb_test_{uuid.uuid4().hex[:16]}"
    try:
        yield with_schema(dsn, schema)
    finally:
        drop_schema(dsn, schema)


@pytest.fixture
def make_api(db_url: str) -> Iterator[Callable[..., Api]]:
    """``make_api(batch_read_page_size=3)``: an app on a fresh database (every backend)."""
    clients: list[TestClient] = []

    def make(**overrides: Any) -> Api:
        assert not clients, "one app per test: they would share the database"
        settings = replace(Settings(db=db_url), **overrides)
        app = create_app(settings)
        client = TestClient(app, raise_server_exceptions=True)
        client.__enter__()
        clients.append(client)
        return Api(client, app.state.services)

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def api(make_api: Callable[..., Api]) -> Api:
    return make_api()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """One line at the end of the run when the PostgreSQL half was skipped, so a green run
    without ``ASSOCDB_TEST_POSTGRES`` is not mistaken for a full one."""
    skipped = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if POSTGRES_ENV in str(getattr(report, "longrepr", ""))
    ]
    if skipped:
        terminalreporter.write_line(
            f"PostgreSQL tests skipped: {len(skipped)} (set {POSTGRES_ENV}="
            "postgresql://user@host:5432/db to run them)",
            yellow=True,
        )


@pytest.fixture(scope="module")
def node_modules() -> Path:
    """HubSpot's Node client (``tests/node/node_modules``), installed with ``npm ci`` on
    first use by the one installer, ``tests/node/install.py``; skips only without node."""
    from tests.node.install import ensure_node_modules

    return ensure_node_modules()
