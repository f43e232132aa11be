"""Regression losses: squared, absolute, percentage, log, Huber, log-cosh and cosine.

Each function takes ``y_true`` and ``y_pred`` of shape ``(batch, d0, ..., dN)``
(ranks that differ by a trailing size-1 axis are aligned; other shapes must
broadcast) and returns per-sample losses of shape ``(batch, d0, ..., dN-1)``,
reduced over the last axis. Each class wraps its function with a reduction
(see :class:`lamina.losses.Loss`).
"""

import jax
import jax.numpy as jnp

from lamina.losses._common import (
    check_broadcastable,
    convert_pair,
    epsilon,
    l2_normalize,
    squeeze_or_expand_to_same_rank,
)
from lamina.losses.base import BuiltinLoss


def _prepare(fn_name, y_true, y_pred):
    y_true, y_pred = convert_pair(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    check_broadcastable(fn_name, y_true, y_pred)
    return y_true, y_pred


def mean_squared_error(y_true, y_pred):
    """``mean(square(y_true - y_pred), axis=-1)``; shape ``(batch, d0, ..., dN-1)``.

    Example: ``mean_squared_error([[0., 1.]], [[1., 1.]])`` is ``[0.5]``.
    """
    y_true, y_pred = _prepare("mean_squared_error", y_true, y_pred)
    return jnp.mean(jnp.square(y_true - y_pred), axis=-1)


def mean_absolute_error(y_true, y_pred):
    """``mean(abs(y_true - y_pred), axis=-1)``; shape ``(batch, d0, ..., dN-1)``.

    Example: ``mean_absolute_error([[0., 1.]], [[1., 1.]])`` is ``[0.5]``.
    """
    y_true, y_pred = _prepare("mean_absolute_error", y_true, y_pred)
    return jnp.mean(jnp.abs(y_true - y_pred), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    """``100 * mean(abs((y_true - y_pred) / max(abs(y_true), epsilon)), axis=-1)``.

    ``epsilon`` is ``1e-7``. Shape ``(batch, d0, ..., dN-1)``.

    Example: ``mean_absolute_percentage_error([[2., 4.]], [[1., 4.]])`` is ``[25.]``.
    """
    y_true, y_pred = _prepare("mean_absolute_percentage_error", y_true, y_pred)
    eps = jnp.asarray(epsilon(), y_pred.dtype)
    diff = jnp.abs((y_true - y_pred) / jnp.maximum(jnp.abs(y_true), eps))
    return 100.0 * jnp.mean(diff, axis=-1)


def mean_squared_logarithmic_error(y_true, y_pred):
    """``mean(square(log(y_pred + 1) - log(y_true + 1)), axis=-1)``.

    Values below ``epsilon`` (``1e-7``) count as ``epsilon``. Shape
    ``(batch, d0, ..., dN-1)``.

    Example: ``mean_squared_logarithmic_error([[0., 1.]], [[1., 1.]])`` is ``[0.24]``.
    """
    y_true, y_pred = _prepare("mean_squared_logarithmic_error", y_true, y_pred)
    eps = jnp.asarray(epsilon(), y_pred.dtype)
    first_log = jnp.log(jnp.maximum(y_pred, eps) + 1.0)
    second_log = jnp.log(jnp.maximum(y_true, eps) + 1.0)
    return jnp.mean(jnp.square(first_log - second_log), axis=-1)


def cosine_similarity(y_true, y_pred, axis=-1):
    """``-sum(l2_normalize(y_true) * l2_normalize(y_pred), axis=axis)``, in ``[-1, 1]``.

    -1 means the same direction (so minimizing it aligns the vectors); a zero
    vector gives 0. The result has ``axis`` removed.

    Example: ``cosine_similarity([[1., 1.]], [[2., 2.]])`` is ``[-1.]``.
    """
    y_true, y_pred = _prepare("cosine_similarity", y_true, y_pred)
    y_pred = l2_normalize(y_pred, axis=axis)
    y_true = l2_normalize(y_true, axis=axis)
    return -jnp.sum(y_true * y_pred, axis=axis)


def huber(y_true, y_pred, delta=1.0):
    """Huber loss, averaged over the last axis; shape ``(batch, d0, ..., dN-1)``.

    With ``x = y_pred - y_true``: ``0.5 * x**2`` where ``|x| <= delta``, else
    ``delta * |x| - 0.5 * delta**2``. ``delta`` defaults to ``1.0``.

    Example: ``huber([[0., 0.]], [[0.5, 3.]])`` is ``[(0.125 + 2.5) / 2]``.
    """
    y_true, y_pred = _prepare("huber", y_true, y_pred)
    delta = jnp.asarray(delta, y_pred.dtype)
    error = y_pred - y_true
    abs_error = jnp.abs(error)
    half = jnp.asarray(0.5, abs_error.dtype)
    return jnp.mean(
        jnp.where(
            abs_error <= delta,
            half * jnp.square(error),
            delta * abs_error - half * jnp.square(delta),
        ),
        axis=-1,
    )


def log_cosh(y_true, y_pred):
    """``mean(log(cosh(y_pred - y_true)), axis=-1)``, computed without overflow.

    About ``x**2 / 2`` for small errors and ``|x| - log(2)`` for large ones.

    Example: ``log_cosh([[0.]], [[1.]])`` is ``[0.4338]``.
    """
    y_true, y_pred = _prepare("log_cosh", y_true, y_pred)
    log2 = jnp.asarray(jnp.log(2.0), y_pred.dtype)
    x = y_pred - y_true
    return jnp.mean(x + jax.nn.softplus(x * -2.0) - log2, axis=-1)


class MeanSquaredError(BuiltinLoss):
    """The mean of squared errors: ``mean(square(y_true - y_pred))``, reduced.

    Args:
      reduction: as ``Loss`` (default ``"sum_over_batch_size"``).
      name: default ``"mean_squared_error"``.
      dtype: computation dtype (default floatx, float32).

    Example: ``MeanSquaredError()([[0., 1.], [0., 0.]], [[1., 1.], [1., 0.]])`` is 0.5.
    """

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, reduction=reduction, name=name, dtype=dtype)


class MeanAbsoluteError(BuiltinLoss):
    """The mean of absolute errors: ``mean(abs(y_true - y_pred))``, reduced.

    Args:
      reduction: as ``Loss`` (default ``"sum_over_batch_size"``).
      name: default ``"mean_absolute_error"``.
      dtype: computation dtype (default floatx, float32).

    Example: ``MeanAbsoluteError()([[0., 1.]], [[1., 1.]])`` is 0.5.
    """

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, reduction=reduction, name=name, dtype=dtype)


class MeanAbsolutePercentageError(BuiltinLoss):
    """``100 * mean(abs((y_true - y_pred) / y_true))``, reduced (``|y_true|`` floored at 1e-7).

    Args:
      reduction: as ``Loss`` (default ``"sum_over_batch_size"``).
      name: default ``"mean_absolute_percentage_error"``.
      dtype: computation dtype (default floatx, float32).

    Example: ``MeanAbsolutePercentageError()([[2., 4.]], [[1., 4.]])`` is 25.
    """

    def __init__(
        self, reduction="sum_over_batch_size", name="mean_absolute_percentage_error", dtype=None
    ):
        super().__init__(
            mean_absolute_percentage_error, reduction=reduction, name=name, dtype=dtype
        )


class MeanSquaredLogarithmicError(BuiltinLoss):
    """``mean(square(log(y_true + 1) - log(y_pred + 1)))``, reduced (values floored at 1e-7).

    Args:
      reduction: as ``Loss`` (default ``"sum_over_batch_size"``).
      name: default ``"mean_squared_logarithmic_error"``.
      dtype: computation dtype (default floatx, float32).

    Example: ``MeanSquaredLogarithmicError()([[0., 1.]], [[1., 1.]])`` is 0.24.
    """

    def __init__(
        self, reduction="sum_over_batch_size", name="mean_squared_logarithmic_error", dtype=None
    ):
        super().__init__(
            mean_squared_logarithmic_error, reduction=reduction, name=name, dtype=dtype
        )


class CosineSimilarity(BuiltinLoss):
    """Negative cosine similarity along ``axis``, reduced: -1 is best, 0 orthogonal.

    Args:
      axis: the features axis (default ``-1``).
      reduction: as ``Loss`` (default ``"sum_over_batch_size"``).
      name: default ``"cosine_similarity"``.
      dtype: computation dtype (default floatx, float32).

    Its config has ``axis``, which Keras 3 leaves out (so that it round-trips).

    Example: ``CosineSimilarity()([[0., 1.], [1., 1.]], [[1., 0.], [1., 1.]])`` is -0.5.
    """

    def __init__(
        self, axis=-1, reduction="sum_over_batch_size", name="cosine_similarity", dtype=None
    ):
        super().__init__(cosine_similarity, reduction=reduction, name=name, dtype=dtype, axis=axis)
        self.axis = axis


class Huber(BuiltinLoss):
    """Huber loss, reduced: quadratic for errors up to ``delta``, linear beyond.

    Args:
      delta: where the loss turns from quadratic to linear (default ``1.0``).
      reduction: as ``Loss`` (default ``"sum_over_batch_size"``).
      name: default ``"huber_loss"``.
      dtype: computation dtype (default floatx, float32).

    Its config has ``delta``, which Keras 3 leaves out (so that it round-trips).

    Example: ``Huber(delta=1.0)([[0., 0.]], [[0.5, 3.]])`` is 1.3125.
    """

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss", dtype=None):
        super().__init__(huber, reduction=reduction, name=name, dtype=dtype, delta=delta)
        self.delta = delta


class LogCosh(BuiltinLoss):
    """``mean(log(cosh(y_pred - y_true)))``, reduced: MSE-like near 0, MAE-like far away.

    Args:
      reduction: as ``Loss`` (default ``"sum_over_batch_size"``).
      name: default ``"log_cosh"``.
      dtype: computation dtype (default floatx, float32).

    Example: ``LogCosh()([[0.]], [[1.]])`` is 0.4338.
    """

    def __init__(self, reduction="sum_over_batch_size", name="log_cosh", dtype=None):
        super().__init__(log_cosh, reduction=reduction, name=name, dtype=dtype)
