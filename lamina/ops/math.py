"""NumPy-style ops, part 2: elementwise arithmetic and math functions.

Transcendental functions (trig, exp, log, sqrt, ...) return floats: integer and
boolean inputs are cast to ``floatx()`` first, as in Keras. Binary ops broadcast
and follow JAX's type promotion (Python scalars are weakly typed).
"""

import jax.numpy as jnp

from lamina.core import config
from lamina.ops.core import _value
from lamina.ops.core import convert_to_tensor as _t


def _float(x):
    """``x`` as a tensor, cast to ``floatx()`` unless it is already floating or complex."""
    x = _t(x)
    if not jnp.issubdtype(x.dtype, jnp.inexact):
        x = x.astype(config.floatx())
    return x


def _float_pair(x1, x2):
    """``x1`` and ``x2`` cast to their common floating dtype."""
    x1, x2 = _t(x1), _t(x2)
    dtype = jnp.result_type(x1, x2, float)
    return x1.astype(dtype), x2.astype(dtype)


# ------------------------------------------------------------------ binary
def add(x1, x2):
    """``x1 + x2``, elementwise with broadcasting."""
    return jnp.add(_t(x1), _t(x2))


def subtract(x1, x2):
    """``x1 - x2``, elementwise with broadcasting."""
    return jnp.subtract(_t(x1), _t(x2))


def multiply(x1, x2):
    """``x1 * x2``, elementwise with broadcasting."""
    return jnp.multiply(_t(x1), _t(x2))


def divide(x1, x2):
    """``x1 / x2`` (true division; integers give floats)."""
    return jnp.divide(_t(x1), _t(x2))


def true_divide(x1, x2):
    """Alias of :func:`divide`."""
    return divide(x1, x2)


def floor_divide(x1, x2):
    """``x1 // x2``, elementwise."""
    return jnp.floor_divide(_t(x1), _t(x2))


def mod(x1, x2):
    """``x1 % x2`` (result has the sign of ``x2``)."""
    return jnp.mod(_t(x1), _t(x2))


def power(x1, x2):
    """``x1 ** x2``, elementwise."""
    return jnp.power(_t(x1), _t(x2))


def maximum(x1, x2):
    """Elementwise maximum (NaN-propagating)."""
    return jnp.maximum(_t(x1), _t(x2))


def minimum(x1, x2):
    """Elementwise minimum (NaN-propagating)."""
    return jnp.minimum(_t(x1), _t(x2))


def arctan2(x1, x2):
    """Elementwise arc tangent of ``x1 / x2``, using both signs for the quadrant."""
    return jnp.arctan2(*_float_pair(x1, x2))


def logaddexp(x1, x2):
    """``log(exp(x1) + exp(x2))``, computed stably."""
    return jnp.logaddexp(*_float_pair(x1, x2))


# ------------------------------------------------------------------- unary
def abs(x):  # shadows the builtin, as in Keras
    """Elementwise absolute value."""
    return jnp.absolute(_t(x))


def absolute(x):
    """Elementwise absolute value."""
    return jnp.absolute(_t(x))


def negative(x):
    """``-x``, elementwise."""
    return jnp.negative(_t(x))


def sign(x):
    """Elementwise sign: -1, 0 or 1."""
    return jnp.sign(_t(x))


def square(x):
    """``x * x``, elementwise."""
    return jnp.square(_t(x))


def sqrt(x):
    """Elementwise square root (float output)."""
    return jnp.sqrt(_float(x))


def reciprocal(x):
    """``1 / x``, elementwise."""
    return jnp.reciprocal(_t(x))


def exp(x):
    """Elementwise ``e ** x`` (float output)."""
    return jnp.exp(_float(x))


def expm1(x):
    """Elementwise ``exp(x) - 1``, accurate near 0 (float output)."""
    return jnp.expm1(_float(x))


def log(x):
    """Elementwise natural logarithm (float output)."""
    return jnp.log(_float(x))


def log10(x):
    """Elementwise base-10 logarithm (float output)."""
    return jnp.log10(_float(x))


def log1p(x):
    """Elementwise ``log(1 + x)``, accurate near 0 (float output)."""
    return jnp.log1p(_float(x))


def log2(x):
    """Elementwise base-2 logarithm (float output)."""
    return jnp.log2(_float(x))


def sin(x):
    """Elementwise sine (float output)."""
    return jnp.sin(_float(x))


def cos(x):
    """Elementwise cosine (float output)."""
    return jnp.cos(_float(x))


def tan(x):
    """Elementwise tangent (float output)."""
    return jnp.tan(_float(x))


def arcsin(x):
    """Elementwise inverse sine (float output)."""
    return jnp.arcsin(_float(x))


def arccos(x):
    """Elementwise inverse cosine (float output)."""
    return jnp.arccos(_float(x))


def arctan(x):
    """Elementwise inverse tangent (float output)."""
    return jnp.arctan(_float(x))


def sinh(x):
    """Elementwise hyperbolic sine (float output)."""
    return jnp.sinh(_float(x))


def cosh(x):
    """Elementwise hyperbolic cosine (float output)."""
    return jnp.cosh(_float(x))


def tanh(x):
    """Elementwise hyperbolic tangent (float output)."""
    return jnp.tanh(_float(x))


def ceil(x):
    """Elementwise ceiling (float output)."""
    return jnp.ceil(_float(x))


def floor(x):
    """Elementwise floor (float output)."""
    return jnp.floor(_float(x))


def round(x, decimals=0):  # shadows the builtin, as in Keras
    """``x`` rounded half-to-even to ``decimals`` places (negative: tens, hundreds, ...)."""
    x = _t(x)
    if jnp.issubdtype(x.dtype, jnp.integer) and decimals < 0:
        # jnp.round cannot round integers to negative decimals: go through floats.
        factor = 10.0**decimals
        rounded = jnp.round(x.astype(config.floatx()) * factor) / factor
        return rounded.astype(x.dtype)
    return jnp.round(x, decimals=decimals)


def clip(x, x_min, x_max):
    """``x`` limited to ``[x_min, x_max]`` elementwise (booleans are clipped as int32)."""
    x = _t(x)
    if x.dtype == jnp.bool_:
        x = x.astype("int32")
    return jnp.clip(x, min=_value(x_min), max=_value(x_max))


def conj(x):
    """Elementwise complex conjugate."""
    return jnp.conjugate(_t(x))


def real(x):
    """Elementwise real part."""
    return jnp.real(_t(x))
