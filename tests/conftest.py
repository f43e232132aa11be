"""Test-wide settings: Keras (the parity reference) runs on its JAX backend."""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")
