#!/usr/bin/env bash
# The test command: set up .venv (and, as root, Debian's Fashion-MNIST), lint, then
# run the whole test suite on every core.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/setup.sh
source scripts/debian_data.sh
.venv/bin/ruff check lamina tests benchmarks
.venv/bin/python -m pytest -n "${LAMINA_TEST_WORKERS:-auto}" "$@"
