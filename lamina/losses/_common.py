"""Shared pieces of the loss functions: conversion, rank alignment, shape checks.

Everything here decides on static shapes only, so the losses built from it trace
under ``jax.jit``, ``jax.grad`` and ``jax.vmap`` as they are.
"""

import numbers

import jax
import jax.numpy as jnp

from lamina.core import config as _config


def epsilon() -> float:
    """The fuzz factor of the losses (Keras' ``backend.epsilon()``, ``1e-7``)."""
    get = getattr(_config, "epsilon", None)
    return get() if callable(get) else 1e-7


def to_tensor(x, dtype=None) -> jax.Array:
    """``x`` (array, NumPy array, ``lamina.Variable``, list, number) as a JAX array.

    With ``dtype=None`` a non-float ``x`` becomes ``floatx``; floats keep their dtype.
    """
    x = jnp.asarray(x, dtype=dtype)
    if dtype is None and not jnp.issubdtype(x.dtype, jnp.inexact):
        x = x.astype(_config.floatx())
    return x


def convert_pair(y_true, y_pred):
    """``(y_true, y_pred)`` as arrays of ``y_pred``'s (float) dtype, as Keras' functions."""
    y_pred = to_tensor(y_pred)
    y_true = jnp.asarray(y_true, dtype=y_pred.dtype)
    return y_true, y_pred


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Align ranks that differ by one through a trailing size-1 axis (Keras' rule).

    If one rank is one more than the other and its last axis has size 1, that
    axis is squeezed, except that a rank-1 partner is expanded instead when
    ``expand_rank_1``. Other rank differences are left as they are.

    Example: shapes ``(4,)`` and ``(4, 1)`` become ``(4, 1)`` and ``(4, 1)``.
    """
    r1, r2 = len(x1.shape), len(x2.shape)
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = jnp.expand_dims(x2, -1)
        else:
            x1 = jnp.squeeze(x1, -1)
    if r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = jnp.expand_dims(x1, -1)
        else:
            x2 = jnp.squeeze(x2, -1)
    return x1, x2


def check_broadcastable(fn_name: str, y_true, y_pred) -> None:
    """Raise a ValueError naming ``fn_name`` unless the two shapes broadcast together."""
    try:
        jnp.broadcast_shapes(y_true.shape, y_pred.shape)
    except ValueError:
        raise ValueError(
            f"{fn_name}: `y_true` and `y_pred` must have the same (or broadcastable) "
            f"shapes. Received: y_true.shape={tuple(y_true.shape)}, "
            f"y_pred.shape={tuple(y_pred.shape)}"
        ) from None


def check_same_shape(fn_name: str, y_true, y_pred) -> None:
    """Raise a ValueError naming ``fn_name`` unless the two shapes are equal."""
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"{fn_name}: `y_true` and `y_pred` must have the same shape. "
            f"Received: y_true.shape={tuple(y_true.shape)}, "
            f"y_pred.shape={tuple(y_pred.shape)}"
        )


def check_axis(fn_name: str, axis, ndim: int) -> None:
    """Raise a ValueError naming ``fn_name`` unless ``axis`` is an int in ``[-ndim, ndim)``."""
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
        raise ValueError(
            f"{fn_name}: `axis` must be an int. Received: axis={axis!r} of type {type(axis)}"
        )
    if not -ndim <= axis < ndim:
        raise ValueError(
            f"{fn_name}: `axis` must be in [{-ndim}, {ndim}) for inputs of rank {ndim}. "
            f"Received: axis={axis}"
        )


def validate_label_smoothing(label_smoothing):
    """``label_smoothing`` itself; a ValueError unless it is a number in ``[0, 1]``."""
    if isinstance(label_smoothing, bool) or not isinstance(label_smoothing, numbers.Real):
        raise ValueError(
            "Invalid value for argument `label_smoothing`: expected a float in [0, 1]. "
            f"Received: label_smoothing={label_smoothing!r}"
        )
    if not 0.0 <= float(label_smoothing) <= 1.0:
        raise ValueError(
            "Invalid value for argument `label_smoothing`: expected a float in [0, 1]. "
            f"Received: label_smoothing={label_smoothing!r}"
        )
    return label_smoothing


def l2_normalize(x, axis=-1):
    """``x`` over its L2 norm along ``axis``; norms below ``epsilon`` count as ``epsilon``."""
    if x.ndim == 0:
        x = x[None]
    inv_norm = jax.lax.rsqrt(jnp.sum(jnp.square(x), axis=axis, keepdims=True))
    return x * jnp.minimum(inv_norm, 1.0 / epsilon())


def divide_no_nan(x1, x2):
    """``x1 / x2``, and 0 where ``x2 == 0`` (with finite gradients there)."""
    safe = jnp.where(x2 == 0, jnp.ones_like(x2), x2)
    return jnp.where(x2 == 0, jnp.zeros_like(x1 / safe), x1 / safe)
