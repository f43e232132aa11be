"""Randomness as state: the global seed and ``SeedGenerator``.

A ``SeedGenerator`` keeps a raw PRNG key in a non-trainable variable, so inside
``apply`` its key is part of ``state``: threading ``state`` from one call to the
next gives fresh numbers, replaying a ``state`` replays them.
"""

import random as _py_random
import zlib

import jax
import jax.numpy as jnp
import numpy as np

from lamina.core import tracking
from lamina.core.variable import Variable

_global = {"seed": _py_random.SystemRandom().randrange(2**31), "count": 0}


def set_global_seed(seed: int) -> None:
    """Make every unseeded draw (initializers, ``SeedGenerator()``) reproducible."""
    _global["seed"] = int(seed)
    _global["count"] = 0


def next_global_key() -> jax.Array:
    """A fresh, concrete key from the global seed (eager, never a tracer)."""
    count = _global["count"]
    _global["count"] += 1
    with jax.ensure_compile_time_eval():
        return jax.random.fold_in(jax.random.key(_global["seed"]), count)


def next_global_seed() -> int:
    """A fresh integer seed from the global seed (for ``SeedGenerator(None)``)."""
    count = _global["count"]
    _global["count"] += 1
    return int(np.random.default_rng([_global["seed"], count]).integers(2**31))


def path_key(key, path: str):
    """``key`` folded with a stable hash of ``path``: one independent stream per variable."""
    if not jnp.issubdtype(jnp.asarray(key).dtype, jax.dtypes.prng_key):
        key = jax.random.wrap_key_data(jnp.asarray(key, jnp.uint32))
    return jax.random.fold_in(key, zlib.crc32(path.encode()))


class _SeedState:
    """Initializer of a generator's state: the key of ``seed`` (or, in ``init``, of the key)."""

    def __init__(self, seed: int):
        self.seed = seed

    def __call__(self, shape, dtype=None):
        return jax.random.key_data(jax.random.key(self.seed))

    def sample(self, key, shape, dtype=None):
        return jax.random.key_data(jax.random.fold_in(key, self.seed))


class SeedGenerator:
    """A stateful source of PRNG keys for random ops inside layers.

    Args:
      seed: an int; None draws one from the global seed
        (``lamina.utils.set_random_seed``).

    ``next()`` returns a fresh key and advances the state. The state is the
    non-trainable variable ``state`` (a raw ``uint32[2]`` key), tracked by the layer
    that holds the generator, so it lands in ``state`` as
    ``{"seed_generator": {"state": ...}}``. In ``init(key, ...)`` a generator's state
    is drawn from ``key`` and its seed, so ensemble members differ.

    Example::

        self.seed_generator = lamina.random.SeedGenerator(1337)
        ...
        noise = lamina.random.normal((2, 3), seed=self.seed_generator)
    """

    def __init__(self, seed=None, name=None):
        self._owner = None
        self.seed = next_global_seed() if seed is None else int(seed)
        self.name = name or "seed_generator"
        self.state = Variable(
            _SeedState(self.seed),
            shape=(2,),
            dtype="uint32",
            trainable=False,
            name="seed_generator_state",
        )
        self.state._owner = self
        tracking.bump()

    def _lamina_children(self):
        return (("state", self.state),)

    def next(self) -> jax.Array:
        """A fresh typed PRNG key; the state moves on (in the box, or in the scope)."""
        key = jax.random.wrap_key_data(self.state.value)
        new_state, sub = jax.random.split(key)
        self.state.assign(jax.random.key_data(new_state))
        return sub

    def get_config(self):
        return {"seed": self.seed}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<SeedGenerator seed={self.seed} path={self.state.path!r}>"
