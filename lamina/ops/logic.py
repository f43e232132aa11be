"""NumPy-style ops, part 3: comparisons, logical ops and float classification.

All of these return boolean tensors and broadcast their operands.
"""

import jax.numpy as jnp

from lamina.ops.core import convert_to_tensor as _t


def equal(x1, x2):
    """``x1 == x2``, elementwise."""
    return jnp.equal(_t(x1), _t(x2))


def not_equal(x1, x2):
    """``x1 != x2``, elementwise."""
    return jnp.not_equal(_t(x1), _t(x2))


def greater(x1, x2):
    """``x1 > x2``, elementwise."""
    return jnp.greater(_t(x1), _t(x2))


def greater_equal(x1, x2):
    """``x1 >= x2``, elementwise."""
    return jnp.greater_equal(_t(x1), _t(x2))


def less(x1, x2):
    """``x1 < x2``, elementwise."""
    return jnp.less(_t(x1), _t(x2))


def less_equal(x1, x2):
    """``x1 <= x2``, elementwise."""
    return jnp.less_equal(_t(x1), _t(x2))


def isclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    """``|x1 - x2| <= atol + rtol * |x2|``, elementwise."""
    return jnp.isclose(_t(x1), _t(x2), rtol=rtol, atol=atol, equal_nan=equal_nan)


def isfinite(x):
    """Whether each element is finite (not inf and not NaN)."""
    return jnp.isfinite(_t(x))


def isinf(x):
    """Whether each element is positive or negative infinity."""
    return jnp.isinf(_t(x))


def isnan(x):
    """Whether each element is NaN."""
    return jnp.isnan(_t(x))


def logical_and(x1, x2):
    """Elementwise truth of ``x1 and x2``."""
    return jnp.logical_and(_t(x1), _t(x2))


def logical_or(x1, x2):
    """Elementwise truth of ``x1 or x2``."""
    return jnp.logical_or(_t(x1), _t(x2))


def logical_xor(x1, x2):
    """Elementwise truth of ``x1 != x2`` as booleans."""
    return jnp.logical_xor(_t(x1), _t(x2))


def logical_not(x):
    """Elementwise truth of ``not x``."""
    return jnp.logical_not(_t(x))
