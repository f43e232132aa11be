"""Creating variables directly with their sharding.

A sharded variable is drawn by a computation compiled with ``out_shardings``: each
device computes only its own block, so no device ever holds the whole array (the
point for a model that does not fit on one chip). Compiling costs time (the random
draw is compiled again for every shape), so compiled samplers are cached by
initializer configuration, shape, dtype and sharding. Replicated variables, which
every device holds whole anyway, are drawn as usual and copied to every device.
"""

import functools
import json

import jax

from lamina import initializers
from lamina.distribution import context


def initial_value(initializer, shape, dtype, where):
    """The engine's ``"initial_value"`` hook: ``initializer`` wrapped to place its value
    per the active distribution's layout for the path ``where``."""
    active = context.distribution()
    if active is None:
        return initializer
    base = initializers.get(initializer)
    return ShardedInitializer(base, active.sharding_for(where, shape))


class ShardedInitializer(initializers.Initializer):
    """``base``'s values, created with ``sharding``.

    ``initializer(shape, dtype)`` (what a new variable calls) gives a
    ``jax.Array`` laid out by ``sharding``; ``sample(key, shape, dtype)`` (what the
    pure ``init`` calls, possibly under ``jit`` or ``vmap``) is ``base``'s, constrained
    to ``sharding``.
    """

    def __init__(self, base, sharding):
        self.base = base
        self.sharding = sharding

    def __call__(self, shape, dtype=None):
        static = _Static.of(self.base)
        if self.sharding.is_fully_replicated or static is None:
            return jax.device_put(self.base(shape, dtype), self.sharding)
        key = self.base._eager_key()
        return _sampler(self.sharding)(static, key, tuple(shape), dtype)

    def sample(self, key, shape, dtype=None):
        value = self.base.sample(key, shape, dtype) if hasattr(self.base, "sample") else None
        if value is None:
            value = self.base(shape, dtype)
        # Under ``jax.jit(model.init)`` each device computes only its block.
        return jax.lax.with_sharding_constraint(value, self.sharding)

    def get_config(self):
        return self.base.get_config()


class _Static:
    """An initializer as a static ``jit`` argument: equal when class and config are."""

    def __init__(self, base, token):
        self.base, self.token = base, token

    @classmethod
    def of(cls, base):
        if not isinstance(base, initializers.Initializer):
            return None  # a plain callable: no config to key a cache by
        try:
            config = json.dumps(base.get_config(), sort_keys=True)
        except (TypeError, ValueError, NotImplementedError):
            return None
        return cls(base, (type(base), config))

    def __hash__(self):
        return hash(self.token)

    def __eq__(self, other):
        return isinstance(other, _Static) and self.token == other.token


@functools.lru_cache(maxsize=64)
def _sampler(sharding):
    def sample(static, key, shape, dtype):
        return static.base.sample(key, shape, dtype)

    return jax.jit(sample, static_argnums=(0, 2, 3), out_shardings=sharding)
