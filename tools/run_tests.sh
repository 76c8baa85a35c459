#!/usr/bin/env bash
# The test command: install if needed (see tools/install.sh), then run the default suite.
# Extra arguments go to pytest, e.g. `bash tools/run_tests.sh -m slow` for the heavy tests.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="$(bash "$ROOT/tools/install.sh" | tail -n 1)"
cd "$ROOT"
exec "$PY" -m pytest "$@"
