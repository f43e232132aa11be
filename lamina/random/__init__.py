"""Random ops with Keras' seeding rules, and ``SeedGenerator``.

``seed`` is an int (the same numbers every call), a :class:`SeedGenerator` (fresh
numbers each call; inside ``apply`` its key is part of ``state``), a JAX key, or
None (a fresh draw from the global seed; refused inside ``call``, where it would
repeat in every compiled step).
"""

from lamina.core.random import SeedGenerator
from lamina.random.draws import (
    categorical,
    dropout,
    gamma,
    normal,
    randint,
    shuffle,
    truncated_normal,
    uniform,
)
