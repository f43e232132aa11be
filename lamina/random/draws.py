"""Sampling functions: ``normal``, ``uniform``, ``dropout``, ... (Keras' signatures)."""

import jax
import jax.numpy as jnp

from lamina.core import config
from lamina.core.random import SeedGenerator, next_global_key
from lamina.core.scope import current_scope


def draw_key(seed, op: str = "random op") -> jax.Array:
    """A typed PRNG key from any accepted ``seed`` (see the module docstring)."""
    if isinstance(seed, SeedGenerator):
        return seed.next()
    if seed is None:
        if current_scope() is not None:
            raise ValueError(
                f"lamina.random.{op}(seed=None) inside a layer's call(): the draw would be"
                " fixed when the call is compiled and repeat every step. Create"
                " `self.seed_generator = lamina.random.SeedGenerator(seed)` in __init__ and"
                " pass `seed=self.seed_generator`."
            )
        return next_global_key()
    if isinstance(seed, int):
        return jax.random.key(seed)
    seed = jnp.asarray(seed)
    if jnp.issubdtype(seed.dtype, jax.dtypes.prng_key):
        return seed
    if seed.shape == (2,) and seed.dtype == jnp.uint32:
        return jax.random.wrap_key_data(seed)
    raise TypeError(
        f"lamina.random.{op}: `seed` must be an int, a SeedGenerator, a JAX key or None;"
        f" got {seed!r}."
    )


def _float(dtype, op):
    dtype = config.standardize_dtype(dtype)
    if not jnp.issubdtype(dtype, jnp.floating):
        raise ValueError(f"lamina.random.{op}: `dtype` must be a float dtype, got {dtype}.")
    return dtype


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Samples of shape ``shape`` from N(mean, stddev²)."""
    key = draw_key(seed, "normal")
    return mean + stddev * jax.random.normal(key, tuple(shape), _float(dtype, "normal"))


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Samples of shape ``shape`` from U[minval, maxval)."""
    key = draw_key(seed, "uniform")
    return jax.random.uniform(key, tuple(shape), _float(dtype, "uniform"), minval, maxval)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """N(mean, stddev²) samples redrawn outside two standard deviations."""
    key = draw_key(seed, "truncated_normal")
    dtype = _float(dtype, "truncated_normal")
    return mean + stddev * jax.random.truncated_normal(key, -2.0, 2.0, tuple(shape), dtype)


def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Integers of shape ``shape`` uniform in [minval, maxval)."""
    key = draw_key(seed, "randint")
    return jax.random.randint(key, tuple(shape), minval, maxval, jnp.dtype(dtype))


def categorical(logits, num_samples, dtype="int32", seed=None):
    """``(batch, num_samples)`` class indices drawn from ``(batch, classes)`` logits."""
    key = draw_key(seed, "categorical")
    logits = jnp.asarray(logits)
    out = jax.random.categorical(
        key, logits[:, None, :], axis=-1, shape=(logits.shape[0], int(num_samples))
    )
    return out.astype(dtype)


def gamma(shape, alpha, dtype=None, seed=None):
    """Gamma(alpha, 1) samples of shape ``shape``."""
    key = draw_key(seed, "gamma")
    return jax.random.gamma(key, alpha, tuple(shape), _float(dtype, "gamma"))


def dropout(inputs, rate, noise_shape=None, seed=None):
    """Zero each element with probability ``rate``; scale the rest by ``1/(1-rate)``.

    ``noise_shape`` (broadcastable to ``inputs.shape``) shares one draw along axes
    of size 1, as in Keras.
    """
    if not 0.0 <= float(rate) < 1.0:
        raise ValueError(f"lamina.random.dropout: `rate` must be in [0, 1), got {rate}.")
    inputs = jnp.asarray(inputs)
    key = draw_key(seed, "dropout")
    keep = 1.0 - rate
    shape = (
        inputs.shape
        if noise_shape is None
        else tuple(inputs.shape[i] if d is None else d for i, d in enumerate(noise_shape))
    )
    mask = jax.random.bernoulli(key, keep, shape)
    mask = jnp.broadcast_to(mask, inputs.shape)
    return jnp.where(mask, inputs / keep, jnp.zeros_like(inputs))


def shuffle(x, axis=0, seed=None):
    """``x`` with its slices along ``axis`` in a random order."""
    key = draw_key(seed, "shuffle")
    return jax.random.permutation(key, jnp.asarray(x), axis=axis, independent=False)
