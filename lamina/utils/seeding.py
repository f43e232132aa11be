"""``set_random_seed``: one call makes a run reproducible."""

import random

import numpy as np

from lamina.core.random import set_global_seed


def set_random_seed(seed: int) -> None:
    """Seed lamina's global generator (unseeded initializers and ``SeedGenerator()``),
    Python's ``random`` and NumPy's legacy global generator, as Keras does."""
    if not isinstance(seed, int):
        raise TypeError(f"set_random_seed expects an int, got {type(seed).__name__}: {seed!r}")
    set_global_seed(seed)
    random.seed(seed)
    np.random.seed(seed % 2**32)
