#!/usr/bin/env bash
# The main job: set up .venv, then run the Keras subclassing guide on lamina.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/setup.sh
.venv/bin/python -m lamina.examples.guide_layers "$@"
