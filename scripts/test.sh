#!/usr/bin/env bash
# The test command: set up .venv, lint, then run the whole test suite.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/setup.sh
.venv/bin/ruff check lamina tests benchmarks
.venv/bin/python -m pytest -n "${LAMINA_TEST_WORKERS:-auto}" "$@"
