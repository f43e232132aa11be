"""Initializers that draw from a distribution: normal, uniform, truncated normal, orthogonal."""

import jax
import jax.numpy as jnp
import numpy as np

from lamina.initializers.base import Initializer, as_key, draw, float_dtype, standardize_shape


def truncated_normal(key, shape, dtype, mean, stddev):
    """Normal(mean, stddev) samples re-drawn outside ``mean ± 2 stddev`` (as Keras)."""
    return draw("truncated_normal", key, shape, dtype, mean, stddev)


class RandomInitializer(Initializer):
    """Base of the seeded initializers.

    Args:
      seed: an int makes every call return the same values (its key is
        ``jax.random.key(seed)``); None (default) draws a fresh key from the global
        seed on each call (``lamina.utils.set_random_seed`` makes that reproducible).
        ``sample(key, ...)`` ignores the seed and draws from ``key``.
    """

    def __init__(self, seed=None):
        if isinstance(seed, np.integer):
            seed = int(seed)
        if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
            raise ValueError(
                f"`seed` argument should be an integer or None. Received: seed={seed!r}"
            )
        self.seed = seed

    def _eager_key(self):
        if self.seed is None:
            return super()._eager_key()
        return jax.random.key(self.seed)

    def get_config(self):
        return {"seed": self.seed}


class RandomNormal(RandomInitializer):
    """Samples from a normal distribution ``N(mean, stddev**2)``.

    Args:
      mean: mean of the distribution (default ``0.0``).
      stddev: standard deviation (default ``0.05``).
      seed: int or None (default); see ``RandomInitializer``.

    Example: ``lamina.initializers.RandomNormal(stddev=1.0, seed=0)((2, 2))``.
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed=seed)

    def sample(self, key, shape, dtype=None):
        dtype = float_dtype(dtype, type(self).__name__)
        shape = standardize_shape(shape)
        return draw("normal", as_key(key), shape, dtype, self.mean, self.stddev)

    def get_config(self):
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


class RandomUniform(RandomInitializer):
    """Samples uniformly from ``[minval, maxval)``.

    Args:
      minval: lower bound (default ``-0.05``).
      maxval: upper bound, excluded (default ``0.05``).
      seed: int or None (default); see ``RandomInitializer``.

    Example: ``lamina.initializers.RandomUniform(-1.0, 1.0, seed=0)((2, 2))``.
    """

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval = minval
        self.maxval = maxval
        super().__init__(seed=seed)

    def sample(self, key, shape, dtype=None):
        dtype = float_dtype(dtype, type(self).__name__)
        shape = standardize_shape(shape)
        span = self.maxval - self.minval
        return draw("uniform", as_key(key), shape, dtype, self.minval, span)

    def get_config(self):
        return {**super().get_config(), "minval": self.minval, "maxval": self.maxval}


class TruncatedNormal(RandomInitializer):
    """Samples from ``N(mean, stddev**2)`` truncated to ``mean ± 2 * stddev``.

    Values beyond two standard deviations are re-drawn, so the result's standard
    deviation is about ``0.88 * stddev``.

    Args:
      mean: mean of the distribution before truncation (default ``0.0``).
      stddev: standard deviation before truncation (default ``0.05``).
      seed: int or None (default); see ``RandomInitializer``.

    Example: ``lamina.initializers.TruncatedNormal(stddev=1.0, seed=0)((2, 2))``.
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed=seed)

    def sample(self, key, shape, dtype=None):
        dtype = float_dtype(dtype, type(self).__name__)
        shape = standardize_shape(shape)
        return truncated_normal(as_key(key), shape, dtype, self.mean, self.stddev)

    def get_config(self):
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


class Orthogonal(RandomInitializer):
    """A random orthogonal matrix times ``gain`` (shape flattened to ``(prod(shape[:-1]), n)``).

    The QR decomposition of a standard normal matrix, with columns sign-corrected by
    ``sign(diag(R))``: the rows are orthonormal when there are fewer rows than
    columns, the columns otherwise. Needs a shape of rank 2 or more.

    Args:
      gain: multiplicative factor (default ``1.0``).
      seed: int or None (default); see ``RandomInitializer``.

    Example: ``lamina.initializers.Orthogonal(seed=0)((4, 4))`` → ``q`` with ``q @ q.T == I``.
    """

    def __init__(self, gain=1.0, seed=None):
        self.gain = gain
        super().__init__(seed=seed)

    def sample(self, key, shape, dtype=None):
        dtype = float_dtype(dtype, type(self).__name__)
        shape = standardize_shape(shape)
        if len(shape) < 2:
            raise ValueError(
                "The tensor to initialize must be at least two-dimensional. "
                f"Received: shape={shape} of rank {len(shape)}."
            )
        num_rows = int(np.prod(shape[:-1]))
        num_cols = shape[-1]
        flat_shape = (max(num_rows, num_cols), min(num_rows, num_cols))
        a = jax.random.normal(as_key(key), flat_shape, dtype)
        if jnp.finfo(dtype).bits < 32:  # QR is not implemented for half precision
            a = a.astype(jnp.float32)
        q, r = jnp.linalg.qr(a)
        q = q * jnp.sign(jnp.diagonal(r))
        if num_rows < num_cols:
            q = q.T
        return (self.gain * q.reshape(shape)).astype(dtype)

    def get_config(self):
        return {**super().get_config(), "gain": self.gain}
