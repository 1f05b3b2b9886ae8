"""The test run says, in one line at its end, when its PostgreSQL half was skipped."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from tests.live import clean_env

ROOT = Path(__file__).resolve().parents[2]
ONE_TEST = "tests/cli/test_copy_migrate.py::test_copy_moves_everything_and_cursors_stay_valid"


def run_pytest(selection: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", ONE_TEST, "-k", selection],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.mark.slow
def test_skipped_postgres_tests_are_counted_at_the_end() -> None:
    out = run_pytest("postgres", clean_env())  # clean_env drops ASSOCDB_TEST_POSTGRES
    lines = [line for line in out.splitlines() if line.startswith("PostgreSQL tests skipped")]
    assert lines == [
        "PostgreSQL tests skipped: 1 (set ASSOCDB_TEST_POSTGRES="
        "postgresql://user@host:5432/db to run them)"
    ]


@pytest.mark.slow
def test_no_line_when_nothing_was_skipped() -> None:
    out = run_pytest("sqlite", clean_env())
    assert "PostgreSQL tests skipped" not in out
