"""Overlap losses for segmentation: Dice and Tversky.

Both compare soft masks ``y_true``/``y_pred`` (values in ``[0, 1]``) through
sums over ``axis`` (default None: every axis, giving one number for the batch;
``axis=(1, 2)`` on ``(batch, height, width)`` gives one loss per image).
"""

import jax.numpy as jnp

from lamina.losses._common import check_broadcastable, convert_pair, epsilon
from lamina.losses.base import BuiltinLoss


def dice(y_true, y_pred, axis=None):
    """``1 - 2 * sum(y_true * y_pred) / (sum(y_true) + sum(y_pred) + 1e-7)`` over ``axis``.

    Example: ``dice([[1., 0.]], [[1., 1.]])`` is ``0.3333``.
    """
    y_true, y_pred = convert_pair(y_true, y_pred)
    check_broadcastable("dice", y_true, y_pred)
    intersection = jnp.sum(y_true * y_pred, axis=axis)
    total = jnp.sum(y_true, axis=axis) + jnp.sum(y_pred, axis=axis) + epsilon()
    return 1 - 2.0 * intersection / total


def tversky(y_true, y_pred, alpha=0.5, beta=0.5, axis=None):
    """``1 - tp / (tp + alpha * a + beta * b + 1e-7)``, soft counts summed over ``axis``.

    ``tp = sum(y_true * y_pred)``, ``a = sum(y_true * (1 - y_pred))`` and
    ``b = sum((1 - y_true) * y_pred)``, exactly as Keras computes them (Keras
    calls ``a`` the false positives). ``alpha = beta = 0.5`` (the defaults)
    gives the Dice loss.

    Example: ``tversky([[1., 0.]], [[1., 1.]], alpha=0.7, beta=0.3)`` is ``0.2308``.
    """
    y_true, y_pred = convert_pair(y_true, y_pred)
    check_broadcastable("tversky", y_true, y_pred)
    intersection = jnp.sum(y_true * y_pred, axis=axis)
    fp = jnp.sum((1 - y_pred) * y_true, axis=axis)
    fn = jnp.sum(y_pred * (1 - y_true), axis=axis)
    return 1 - intersection / (intersection + fp * alpha + fn * beta + epsilon())


class Dice(BuiltinLoss):
    """The Dice loss over ``axis`` (default None: all axes), reduced.

    Args:
      reduction: as ``Loss`` (default ``"sum_over_batch_size"``).
      name: default ``"dice"``.
      axis: the axes summed over (default None).
      dtype: computation dtype (default floatx, float32).

    Example: ``Dice(axis=(1,))([[1., 0.]], [[1., 1.]])`` is 0.3333.
    """

    def __init__(self, reduction="sum_over_batch_size", name="dice", axis=None, dtype=None):
        super().__init__(dice, reduction=reduction, name=name, dtype=dtype, axis=axis)
        self.axis = axis


class Tversky(BuiltinLoss):
    """The Tversky loss over ``axis`` (default None: all axes), reduced.

    Args:
      alpha: the weight of ``sum(y_true * (1 - y_pred))`` (default ``0.5``).
      beta: the weight of ``sum((1 - y_true) * y_pred)`` (default ``0.5``).
      reduction: as ``Loss`` (default ``"sum_over_batch_size"``).
      name: default ``"tversky"``.
      axis: the axes summed over (default None).
      dtype: computation dtype (default floatx, float32).

    Example: ``Tversky(alpha=0.7, beta=0.3)([[1., 0.]], [[1., 1.]])`` is 0.2308.
    """

    def __init__(
        self,
        alpha=0.5,
        beta=0.5,
        reduction="sum_over_batch_size",
        name="tversky",
        axis=None,
        dtype=None,
    ):
        super().__init__(
            tversky, reduction=reduction, name=name, dtype=dtype, alpha=alpha, beta=beta, axis=axis
        )
        self.alpha = alpha
        self.beta = beta
        self.axis = axis
