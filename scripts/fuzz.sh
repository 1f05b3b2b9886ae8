#!/usr/bin/env bash
# A long Schemathesis run against our own /openapi.json (the suite runs 3 valid and 3 invalid
# examples per operation): N of each, default 200. Usage: scripts/fuzz.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-/work/venv/bin/python}"
FUZZ_EXAMPLES="${1:-${FUZZ_EXAMPLES:-200}}" exec "$PY" -m pytest tests/fuzz -q -s -p no:cacheprovider -x
