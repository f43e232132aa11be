"""Core ops: conversion, shapes, control flow and slice/scatter updates.

These mirror ``keras.ops``' core functions on the JAX backend. Every op accepts
``lamina`` Variables wherever it accepts arrays (their current value is used) and
returns ``jax.Array``s.
"""

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from lamina.core import config
from lamina.core.variable import Variable

_REDUCTIONS = ("add", "max", "min", "mul")


def _value(x):
    """``x`` with a Variable replaced by its current value; anything else unchanged."""
    return x.value if isinstance(x, Variable) else x


def _values(tree):
    """``tree`` with every Variable leaf replaced by its current value."""
    return jax.tree_util.tree_map(_value, tree, is_leaf=lambda v: isinstance(v, Variable))


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """``x`` (array, NumPy array, list, scalar or Variable) as a ``jax.Array``.

    With ``dtype`` the result is cast to it. ``sparse`` is accepted for Keras
    compatibility and ignored (lamina tensors are dense); ``ragged=True`` raises.
    """
    if ragged:
        raise ValueError("`ragged=True` is not supported: lamina tensors are dense JAX arrays.")
    if dtype is not None:
        dtype = config.standardize_dtype(dtype)
    x = _value(x)
    if isinstance(x, jax.Array):
        return x if dtype is None or x.dtype == dtype else x.astype(dtype)
    if dtype == "bfloat16":
        # NumPy cannot build bfloat16 from Python data directly: convert, then cast.
        return jnp.asarray(x).astype(dtype)
    return jnp.asarray(x, dtype=dtype)


def convert_to_numpy(x):
    """``x`` (array or Variable) as a NumPy array (a copy)."""
    return np.array(_value(x))


def is_tensor(x):
    """Whether ``x`` is a ``jax.Array`` (tracers included; Variables are not tensors)."""
    return isinstance(x, jax.Array)


def shape(x):
    """The static shape of ``x`` as a tuple of ints."""
    dims = x.shape if hasattr(x, "shape") else np.shape(x)
    return tuple(dims)


def dtype(x):
    """The dtype of ``x`` as a standardized string, e.g. ``"float32"``."""
    return config.standardize_dtype(x.dtype if hasattr(x, "dtype") else jnp.asarray(x).dtype)


def cast(x, dtype):
    """``x`` converted to a tensor of ``dtype``."""
    return convert_to_tensor(x, dtype=config.standardize_dtype(dtype))


def stop_gradient(variable):
    """``variable``'s value, treated as a constant by differentiation."""
    return lax.stop_gradient(convert_to_tensor(variable))


def cond(pred, true_fn, false_fn):
    """``true_fn()`` if ``pred`` else ``false_fn()``; both branches are traced (``lax.cond``)."""
    return lax.cond(_value(pred), true_fn, false_fn)


def switch(index, branches, *operands):
    """``branches[index](*operands)``, with ``index`` clamped to the valid range."""
    return lax.switch(_value(index), branches, *_values(operands))


def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """``lax.scan``: loop ``carry, y = f(carry, x)`` over the leading axis of ``xs``.

    Returns ``(final_carry, stacked_ys)``.
    """
    if not isinstance(unroll, bool) and (not isinstance(unroll, int) or unroll < 1):
        raise ValueError(f"`unroll` must be a positive integer or a bool. Received: {unroll!r}")
    return lax.scan(f, _values(init), _values(xs), length=length, reverse=reverse, unroll=unroll)


def map(f, xs):  # shadows the builtin, as in Keras
    """``f`` applied to each slice of ``xs`` along its leading axis (sequentially)."""
    return lax.map(f, _values(xs))


def fori_loop(lower, upper, body_fun, init_val):
    """``val = body_fun(i, val)`` for ``i`` in ``range(lower, upper)``; returns the last ``val``."""
    return lax.fori_loop(_value(lower), _value(upper), body_fun, _values(init_val))


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    """Run ``loop_vars = body(*loop_vars)`` while ``cond(*loop_vars)``.

    A tuple/list ``loop_vars`` is unpacked into ``cond`` and ``body`` (and a tuple
    is returned); a single value is passed as is. ``maximum_iterations`` caps the
    number of iterations.
    """
    is_seq = isinstance(loop_vars, tuple | list)
    state = tuple(_values(loop_vars)) if is_seq else (_values(loop_vars),)

    def as_tuple(out):
        return tuple(out) if is_seq else (out,)

    if maximum_iterations is None:
        out = lax.while_loop(lambda s: cond(*s), lambda s: as_tuple(body(*s)), state)
    else:
        out = lax.while_loop(
            lambda s: jnp.logical_and(cond(*s[0]), s[1] < maximum_iterations),
            lambda s: (as_tuple(body(*s[0])), s[1] + 1),
            (state, 0),
        )[0]
    return out if is_seq else out[0]


def vectorized_map(function, elements):
    """``function`` mapped over the leading axis of ``elements`` (``jax.vmap``)."""
    return jax.vmap(function)(_values(elements))


def slice(inputs, start_indices, shape):  # shadows the builtin, as in Keras
    """The block of ``inputs`` at ``start_indices`` of size ``shape`` (``-1``: to the end)."""
    inputs = convert_to_tensor(inputs)
    start_indices = _value(start_indices)
    sizes = tuple(inputs.shape[i] - start_indices[i] if s == -1 else s for i, s in enumerate(shape))
    return lax.dynamic_slice(inputs, start_indices, sizes)


def slice_update(inputs, start_indices, updates):
    """``inputs`` with the block at ``start_indices`` replaced by ``updates``."""
    return lax.dynamic_update_slice(
        convert_to_tensor(inputs), convert_to_tensor(updates), _value(start_indices)
    )


def scatter(indices, values, shape):
    """A zero tensor of ``shape`` with ``values`` added at ``indices`` (shape ``(n, rank)``)."""
    values = convert_to_tensor(values)
    index = tuple(jnp.moveaxis(convert_to_tensor(indices), -1, 0))
    return jnp.zeros(shape, values.dtype).at[index].add(values)


def scatter_update(inputs, indices, updates, reduction=None):
    """``inputs`` with ``updates`` written at ``indices`` (shape ``(n, k)``, ``k <= rank``).

    ``reduction`` None overwrites; ``"add"``, ``"max"``, ``"min"`` or ``"mul"``
    combine with the existing entries.
    """
    if reduction is not None:
        reduction = reduction.lower()
        if reduction not in _REDUCTIONS:
            raise ValueError(
                f"Invalid reduction: {reduction!r}. Expected None or one of {_REDUCTIONS}."
            )
    inputs = convert_to_tensor(inputs)
    updates = convert_to_tensor(updates)
    at = inputs.at[tuple(jnp.transpose(convert_to_tensor(indices)))]
    if reduction is None:
        return at.set(updates)
    method = {"add": at.add, "max": at.max, "min": at.min, "mul": at.multiply}[reduction]
    return method(updates)


def unstack(x, num=None, axis=0):
    """The slices of ``x`` along ``axis``, as a list of tensors."""
    x = convert_to_tensor(x)
    count = x.shape[axis]
    if num is not None and num != count:
        raise ValueError(f"unstack: num={num} but x.shape[{axis}]={count} (x.shape={x.shape}).")
    return [lax.index_in_dim(x, i, axis, keepdims=False) for i in range(count)]


def custom_gradient(f):
    """Decorate ``f(*args) -> (output, grad_fn)`` so that ``grad_fn(upstream)`` is its VJP.

    Variables passed to the decorated function are replaced by their values.
    """
    wrapped = jax.custom_gradient(f)

    def call(*args, **kwargs):
        args, kwargs = _values((args, kwargs))
        return wrapped(*args, **kwargs)

    call.__name__ = getattr(f, "__name__", "custom_gradient")
    call.__doc__ = getattr(f, "__doc__", None)
    return call
