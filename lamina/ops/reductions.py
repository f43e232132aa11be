"""NumPy-style ops, part 5: reductions, statistics, sorting and cumulative ops.

``axis`` is None (all axes), an int, or a tuple/list of ints; ``keepdims=True``
keeps reduced axes with size 1.
"""

import jax.numpy as jnp

from lamina.core import config
from lamina.ops.core import _value
from lamina.ops.core import convert_to_tensor as _t


def _axis(axis):
    """A hashable axis argument: lists become tuples."""
    return tuple(axis) if isinstance(axis, list) else axis


def _float(x):
    """``x`` cast to ``floatx()`` unless it is already floating (integers give floats)."""
    return x if jnp.issubdtype(x.dtype, jnp.inexact) else x.astype(config.floatx())


def sum(x, axis=None, keepdims=False):  # shadows the builtin, as in Keras
    """Sum of the elements over ``axis``."""
    return jnp.sum(_t(x), axis=_axis(axis), keepdims=keepdims)


def prod(x, axis=None, keepdims=False, dtype=None):
    """Product of the elements over ``axis``."""
    return jnp.prod(_t(x), axis=_axis(axis), keepdims=keepdims, dtype=dtype)


def mean(x, axis=None, keepdims=False):
    """Arithmetic mean over ``axis``; integers give float32, float16 is accumulated in float32."""
    x = _t(x)
    result_dtype = _float(x).dtype
    compute_dtype = jnp.promote_types(result_dtype, jnp.float32)
    out = jnp.mean(x, axis=_axis(axis), keepdims=keepdims, dtype=compute_dtype)
    return out.astype(result_dtype)


def var(x, axis=None, keepdims=False):
    """Population variance over ``axis`` (float output, low precision accumulated in float32)."""
    x = _t(x)
    result_dtype = _float(x).dtype
    compute_dtype = jnp.promote_types(result_dtype, jnp.float32)
    out = jnp.var(x, axis=_axis(axis), keepdims=keepdims, dtype=compute_dtype)
    return out.astype(result_dtype)


def std(x, axis=None, keepdims=False):
    """Population standard deviation over ``axis`` (float output)."""
    return jnp.std(_float(_t(x)), axis=_axis(axis), keepdims=keepdims)


def average(x, axis=None, weights=None):
    """Weighted mean over ``axis``; ``weights`` matches ``x`` or is 1-D along ``axis``."""
    x = _t(x)
    if weights is None:
        dtype = jnp.result_type(x, float)
        return jnp.average(x.astype(dtype), axis=axis)
    weights = _t(weights)
    dtype = jnp.result_type(x, weights, float)
    return jnp.average(x.astype(dtype), axis=axis, weights=weights.astype(dtype))


def median(x, axis=None, keepdims=False):
    """Median over ``axis`` (float output)."""
    return jnp.median(_float(_t(x)), axis=_axis(axis), keepdims=keepdims)


def quantile(x, q, axis=None, method="linear", keepdims=False):
    """The ``q``-th quantiles (``q`` in ``[0, 1]``, scalar or 1-D) over ``axis``.

    ``method``: ``"linear"``, ``"lower"``, ``"higher"``, ``"midpoint"`` or ``"nearest"``.
    A 1-D ``q`` adds a leading axis to the result.
    """
    x = _t(x)
    if not jnp.issubdtype(x.dtype, jnp.inexact):
        x = x.astype(config.floatx())
    return jnp.quantile(x, _t(q), axis=_axis(axis), method=method, keepdims=keepdims)


def max(x, axis=None, keepdims=False, initial=None):  # shadows the builtin, as in Keras
    """Maximum over ``axis`` (``initial``: a lower bound, allowing empty reductions)."""
    return jnp.max(_t(x), axis=_axis(axis), keepdims=keepdims, initial=_value(initial))


def min(x, axis=None, keepdims=False, initial=None):  # shadows the builtin, as in Keras
    """Minimum over ``axis`` (``initial``: an upper bound, allowing empty reductions)."""
    return jnp.min(_t(x), axis=_axis(axis), keepdims=keepdims, initial=_value(initial))


def amax(x, axis=None, keepdims=False):
    """Maximum over ``axis``."""
    return jnp.amax(_t(x), axis=_axis(axis), keepdims=keepdims)


def amin(x, axis=None, keepdims=False):
    """Minimum over ``axis``."""
    return jnp.amin(_t(x), axis=_axis(axis), keepdims=keepdims)


def all(x, axis=None, keepdims=False):  # shadows the builtin, as in Keras
    """Whether all elements over ``axis`` are truthy."""
    return jnp.all(_t(x), axis=_axis(axis), keepdims=keepdims)


def any(x, axis=None, keepdims=False):  # shadows the builtin, as in Keras
    """Whether any element over ``axis`` is truthy."""
    return jnp.any(_t(x), axis=_axis(axis), keepdims=keepdims)


def count_nonzero(x, axis=None):
    """Number of non-zero elements over ``axis``, as int32."""
    return jnp.count_nonzero(_t(x), axis=_axis(axis)).astype("int32")


def _without_negative_zero(x):
    # Make -0.0 rank strictly below +0.0, so argmax/argmin break that tie as Keras does.
    if not jnp.issubdtype(x.dtype, jnp.floating) or x.ndim == 0:
        return x
    x = x.astype(jnp.promote_types(x.dtype, jnp.float32))
    return jnp.where((x == 0) & jnp.signbit(x), -jnp.finfo(x.dtype).tiny, x)


def argmax(x, axis=None, keepdims=False):
    """Index of the maximum over ``axis`` (over the flattened ``x`` when None); first wins."""
    return jnp.argmax(_without_negative_zero(_t(x)), axis=axis, keepdims=keepdims)


def argmin(x, axis=None, keepdims=False):
    """Index of the minimum over ``axis`` (over the flattened ``x`` when None); first wins."""
    return jnp.argmin(_without_negative_zero(_t(x)), axis=axis, keepdims=keepdims)


def sort(x, axis=-1):
    """``x`` sorted ascending along ``axis`` (flattened when None)."""
    return jnp.sort(_t(x), axis=axis)


def argsort(x, axis=-1):
    """Indices that sort ``x`` ascending along ``axis`` (stable; flattened when None)."""
    x = _t(x)
    return jnp.argsort(x, axis=None if x.ndim == 0 else axis)


def cumsum(x, axis=None, dtype=None):
    """Cumulative sum along ``axis`` (over the flattened ``x`` when None)."""
    dtype = None if dtype is None else config.standardize_dtype(dtype)
    return jnp.cumsum(_t(x), axis=axis, dtype=dtype)


def cumprod(x, axis=None, dtype=None):
    """Cumulative product along ``axis`` (over the flattened ``x`` when None)."""
    dtype = None if dtype is None else config.standardize_dtype(dtype)
    return jnp.cumprod(_t(x), axis=axis, dtype=dtype)


def diff(a, n=1, axis=-1):
    """The ``n``-th discrete difference along ``axis`` (``a[1:] - a[:-1]``, repeated)."""
    return jnp.diff(_t(a), n=n, axis=axis)
