#!/usr/bin/env bash
# The main job: set up .venv (and, as root, Debian's Fashion-MNIST), then train the
# Keras guide's VAE with fit. It prints which dataset it used.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/setup.sh
source scripts/debian_data.sh
# The guide's model, trained with the textbook ELBO weighting: the guide's own loss
# (per-pixel MSE + mean KL) collapses the posterior, and every picture would be the
# average image (lamina/examples/vae.py explains; --objective guide runs it as printed).
.venv/bin/python -m lamina.examples.vae --objective elbo "$@"
