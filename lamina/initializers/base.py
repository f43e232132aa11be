"""The ``Initializer`` base class and the helpers its subclasses share."""

import functools
import math

import jax
import jax.numpy as jnp
from jax import lax

from lamina.core import config
from lamina.core import random as core_random


def as_key(key) -> jax.Array:
    """``key`` as a typed PRNG key: typed keys pass, raw ``uint32[2]`` key data is wrapped.

    Only the dtype is inspected, so ``key`` may be a tracer under ``jit``/``vmap``.
    """
    if isinstance(key, int):
        raise TypeError(
            "Initializer.sample expects a JAX PRNG key (jax.random.key(...) or raw "
            f"uint32 key data), got the int {key!r}; use jax.random.key({key!r})."
        )
    key = jnp.asarray(key)
    if jnp.issubdtype(key.dtype, jax.dtypes.prng_key):
        return key
    return jax.random.wrap_key_data(key.astype(jnp.uint32))


def draw(kind, key, shape, dtype, loc=0.0, scale=1.0) -> jax.Array:
    """``loc + scale * X`` of ``shape``, X standard ``"normal"``, ``"uniform"`` on [0, 1)
    or ``"truncated_normal"`` (cut at ±2).

    The draw is made for a power-of-two number of values and cut to ``shape``:
    XLA compiles one random-bits program per size, about half a second on a CPU,
    so a model with many weight shapes would otherwise spend its build compiling.
    Sizes come in a few buckets; cutting and reshaping cost nothing to compile.
    """
    count = math.prod(shape)
    size = 1 << max(count - 1, 0).bit_length()
    flat = _draw_flat(key, loc, scale, kind=kind, size=size, dtype=jnp.dtype(dtype).name)
    return lax.reshape(lax.slice(flat, (0,), (count,)), tuple(shape))


@functools.partial(jax.jit, static_argnames=("kind", "size", "dtype"))
def _draw_flat(key, loc, scale, *, kind, size, dtype):
    if kind == "normal":
        values = jax.random.normal(key, (size,), dtype)
    elif kind == "uniform":
        values = jax.random.uniform(key, (size,), dtype)
    else:
        values = jax.random.truncated_normal(key, -2.0, 2.0, (size,), dtype)
    return (values * scale + loc).astype(dtype)


def standardize_shape(shape) -> tuple[int, ...]:
    """``shape`` (an int or a sequence of ints) as a tuple of Python ints."""
    if isinstance(shape, int):
        return (shape,)
    try:
        return tuple(int(dim) for dim in shape)
    except TypeError as err:
        raise ValueError(f"An initializer shape must be a tuple of ints, got {shape!r}") from err


def float_dtype(dtype, name: str) -> str:
    """``dtype`` (None → floatx) as a name, rejecting non-float dtypes for random draws."""
    dtype = config.standardize_dtype(dtype)
    if not jnp.issubdtype(dtype, jnp.floating):
        raise ValueError(f"{name} can only produce floating-point values, got dtype={dtype!r}")
    return dtype


class Initializer:
    """Base class of all initializers: ``initializer(shape, dtype=None) -> jax.Array``.

    A subclass implements ``sample(key, shape, dtype=None)``, the pure form that draws
    only from ``key`` (a typed key or raw ``uint32[2]`` key data; it may be a tracer
    under ``jax.jit``/``jax.vmap``). ``__call__`` picks the key itself (from the
    initializer's seed, else the global seed) and calls ``sample``. A Keras-style
    subclass that only overrides ``__call__`` still works: its ``sample`` falls back
    to ``__call__`` and ignores the key. Override ``get_config`` when the constructor
    takes arguments.

    Example::

        class Halves(lamina.initializers.Initializer):
            def sample(self, key, shape, dtype=None):
                return jnp.full(shape, 0.5, dtype or lamina.core.config.floatx())
    """

    def __call__(self, shape, dtype=None) -> jax.Array:
        """A ``shape``-shaped array of ``dtype`` (None → ``floatx()``)."""
        return self.sample(self._eager_key(), shape, dtype)

    def sample(self, key, shape, dtype=None) -> jax.Array:
        """The values for ``shape``/``dtype`` drawn from ``key`` alone (pure, traceable)."""
        if type(self).__call__ is not Initializer.__call__:
            return self(shape, dtype)
        raise NotImplementedError(
            f"{type(self).__name__} must implement `sample(key, shape, dtype=None)` "
            "(or `__call__(shape, dtype=None)`)."
        )

    def _eager_key(self):
        """The key ``__call__`` draws from: a fresh one from the global seed."""
        return core_random.next_global_key()

    def get_config(self) -> dict:
        """The constructor arguments, as a JSON-serializable dict."""
        return {}

    @classmethod
    def from_config(cls, config: dict):
        """A new instance from the output of ``get_config()``."""
        return cls(**config)

    def clone(self):
        """A new instance with the same configuration."""
        return self.__class__.from_config(self.get_config())

    def __repr__(self):
        try:
            args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        except Exception:  # a user subclass whose get_config needs more
            args = "..."
        return f"{type(self).__name__}({args})"


class DeterministicInitializer(Initializer):
    """An initializer whose values do not depend on the key (it never draws one)."""

    def _eager_key(self):
        return None
