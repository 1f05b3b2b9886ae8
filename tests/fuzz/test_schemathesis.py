"""Schemathesis against our own /openapi.json on a live server: every operation, a few
generated requests each (valid and invalid), no 5xx, and every response that our document
describes must match its schema and content type.

Bounded: ``FUZZ_EXAMPLES`` valid and as many invalid examples per operation (default 3)
and no per-example deadline; ``scripts/fuzz.sh`` runs the same check much longer.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from tests.conftest import drop_schema, postgres_dsn, with_schema
from tests.live import LiveServer, cli, live_server

pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "3"))


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def fuzz_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """One live server per backend: a SQLite file, or a fresh PostgreSQL schema."""
    directory = tmp_path_factory.mktemp("fuzz")
    schema = f"assocdb_fuzz_{uuid.uuid4().hex[:16]}"
    dsn = postgres_dsn() if request.param == "postgres" else ""
    db = with_schema(dsn, schema) if dsn else str(directory / "fuzz.sqlite3")
    try:
        cli("portal", "create", "--db", db, "--id", "1")
        with live_server(db, log_path=directory / "server.log") as server:
            yield server
    finally:
        if dsn:
            drop_schema(dsn, schema)


@pytest.fixture(scope="module")
def fuzz_token(fuzz_server: LiveServer) -> str:
    return fuzz_server.token(1)


def _fuzzer(
    strategy: Any, base_url: str, headers: dict[str, str], calls: list[int], *, positive: bool
) -> Any:
    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        calls.append(1)
        response = case.call(base_url=base_url, headers=headers, timeout=30)
        assert response.status_code < 500, response.text[:500]
        assert "Traceback" not in response.text
        checks = [not_a_server_error, content_type_conformance]
        if positive or response.status_code < 400:
            checks.append(response_schema_conformance)
        case.validate_response(response, checks=checks)

    return run


def test_api_holds_up(fuzz_server: LiveServer, fuzz_token: str) -> None:
    schema = schemathesis.openapi.from_url(fuzz_server.base_url + "/openapi.json")
    headers = {"Authorization": f"Bearer {fuzz_token}"}
    failures: list[str] = []
    skipped: list[str] = []
    operations = 0
    calls: list[int] = []

    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                strategy = operation.as_strategy(generation_mode=mode)
            except Exception as exc:  # nothing to negate in this operation
                skipped.append(f"{operation.label} {mode}: {exc!r}"[:200])
                continue

            run = _fuzzer(strategy, fuzz_server.base_url, headers, calls, positive=mode.is_positive)
            try:
                run()
            except Unsatisfiable as exc:
                skipped.append(f"{operation.label} {mode}: {exc!r}"[:200])
            except Exception as exc:
                failures.append(f"{operation.label} ({mode}): {str(exc)[:1500]}")

    assert operations >= 60
    assert len(calls) >= operations
    print(f"\nschemathesis: {operations} operations, {len(calls)} requests, {len(skipped)} skipped")
    assert not failures, "\n\n".join(failures)
