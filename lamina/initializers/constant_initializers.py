"""Initializers whose values do not depend on a key: Zeros, Ones, Constant, Identity."""

import jax.numpy as jnp
import numpy as np

from lamina.core import config
from lamina.initializers.base import DeterministicInitializer, standardize_shape


def _plain(value):
    """NumPy/JAX scalars as Python numbers, so configs stay JSON-serializable."""
    if isinstance(value, np.generic) or (hasattr(value, "shape") and value.shape == ()):
        return np.asarray(value).item()
    return value


class Zeros(DeterministicInitializer):
    """Fills with 0.

    Args: none. Any numeric or boolean dtype is allowed (None → ``floatx()``).

    Example: ``lamina.initializers.Zeros()((2, 2))`` → a 2x2 array of zeros.
    """

    def sample(self, key, shape, dtype=None):
        return jnp.zeros(standardize_shape(shape), config.standardize_dtype(dtype))


class Ones(DeterministicInitializer):
    """Fills with 1.

    Args: none. Any numeric or boolean dtype is allowed (None → ``floatx()``).

    Example: ``lamina.initializers.Ones()((2, 2))`` → a 2x2 array of ones.
    """

    def sample(self, key, shape, dtype=None):
        return jnp.ones(standardize_shape(shape), config.standardize_dtype(dtype))


class Constant(DeterministicInitializer):
    """Fills with a constant scalar ``value`` cast to the requested dtype.

    Args:
      value: a Python scalar (default ``0.0``).

    Example: ``lamina.initializers.Constant(10.0)((2, 2))`` → a 2x2 array of 10s.
    """

    def __init__(self, value=0.0):
        self.value = _plain(value)

    def sample(self, key, shape, dtype=None):
        dtype = config.standardize_dtype(dtype)
        return jnp.asarray(self.value).astype(dtype) * jnp.ones(standardize_shape(shape), dtype)

    def get_config(self):
        return {"value": self.value}


class Identity(DeterministicInitializer):
    """``gain`` times the identity matrix (ones on the main diagonal); 2D shapes only.

    Non-square shapes get ``eye(rows, cols)``.

    Args:
      gain: multiplicative factor (default ``1.0``).

    Example: ``lamina.initializers.Identity(gain=2.0)((3, 3))`` → ``2 * eye(3)``.
    """

    def __init__(self, gain=1.0):
        self.gain = _plain(gain)

    def sample(self, key, shape, dtype=None):
        shape = standardize_shape(shape)
        if len(shape) != 2:
            raise ValueError(
                "Identity matrix initializer can only be used for 2D matrices. "
                f"Received: shape={shape} of rank {len(shape)}."
            )
        dtype = config.standardize_dtype(dtype)
        return (self.gain * jnp.eye(*shape, dtype=dtype)).astype(dtype)

    def get_config(self):
        return {"gain": self.gain}
