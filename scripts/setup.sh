#!/usr/bin/env bash
# Creates ./.venv (if missing) and installs lamina with its test and orbax extras, pinned by
# constraints.txt. Sourced by scripts/main.sh and scripts/test.sh; safe to rerun.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.lamina-installed
want=$(cat pyproject.toml constraints.txt | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -c constraints.txt -e ".[test,orbax]"
  echo "$want" > "$stamp"
fi
export KERAS_BACKEND=jax
