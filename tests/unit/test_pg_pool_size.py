"""``--pg-pool-size`` / ``ASSOCDB_PG_POOL_SIZE``: PostgreSQL connections per worker (issue 16).

The load test's tail shrinks with a smaller pool (docs/benchmarks.md, "PostgreSQL tail"),
so the size is a setting with a documented range, refused outside it."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from assocdb.cli import cli
from assocdb.config import Settings, SettingsError
from assocdb.storage import open_store


def test_the_pool_size_comes_from_the_environment_and_reaches_the_store() -> None:
    settings = Settings.from_env({"ASSOCDB_PG_POOL_SIZE": "4"})
    assert settings.pg_pool_size == 4
    assert settings.to_env()["ASSOCDB_PG_POOL_SIZE"] == "4"  # what workers are given
    store = open_store("postgresql://u@127.0.0.1:1/x", pool_size=settings.pg_pool_size)
    assert getattr(store, "_pool_size") == 4  # noqa: B009 - not part of the Store protocol


def test_the_default_is_ten() -> None:
    assert Settings.from_env({}).pg_pool_size == 10


@pytest.mark.parametrize("raw", ["0", "101", "four"])
def test_a_pool_size_out_of_range_is_refused(raw: str) -> None:
    with pytest.raises(SettingsError, match="ASSOCDB_PG_POOL_SIZE"):
        Settings.from_env({"ASSOCDB_PG_POOL_SIZE": raw})
    result = CliRunner().invoke(cli, ["serve", "--pg-pool-size", raw])
    assert result.exit_code == 2
    assert "--pg-pool-size" in result.output
