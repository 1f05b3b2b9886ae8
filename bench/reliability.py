"""The reliability tests, run longer: load for minutes, many SIGKILL rounds, long fuzzing.

    python bench/reliability.py --seconds 120 --rounds 20 --examples 200
    python bench/reliability.py --only load --seconds 300

The same code as the suite (tests/reliability, tests/fuzz) with bigger bounds; each test
prints its figures (requests, p50/p99, kills, writes verified). PostgreSQL runs when
ASSOCDB_TEST_POSTGRES is set, as in the suite.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS = {
    "load": "tests/reliability/test_load.py",
    "crash": "tests/reliability/test_crash_safety.py",
    "fuzz": "tests/fuzz/test_schemathesis.py",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=120, help="load test duration")
    parser.add_argument("--rounds", type=int, default=20, help="SIGKILL rounds per backend")
    parser.add_argument("--examples", type=int, default=200, help="fuzz examples per operation")
    parser.add_argument("--only", choices=sorted(TESTS), action="append")
    args = parser.parse_args()
    env = {
        **os.environ,
        "LOAD_SECONDS": str(args.seconds),
        "CRASH_ROUNDS": str(args.rounds),
        "FUZZ_EXAMPLES": str(args.examples),
    }
    chosen = [TESTS[name] for name in (args.only or sorted(TESTS))]
    command = [sys.executable, "-m", "pytest", "-s", "-q", "-p", "no:cacheprovider", *chosen]
    return subprocess.call(command, cwd=ROOT, env=env)


if __name__ == "__main__":
    sys.exit(main())
