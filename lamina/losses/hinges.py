"""Hinge losses for maximum-margin classification: hinge, squared hinge, categorical.

``hinge`` and ``squared_hinge`` expect labels in {-1, 1}; labels that are all 0/1
are mapped to -1/1 first (decided on the values, inside the trace). Each function
returns per-sample losses with the last axis reduced away; each class wraps its
function with a reduction (see :class:`lamina.losses.Loss`).
"""

import jax.numpy as jnp

from lamina.losses._common import check_broadcastable, convert_pair
from lamina.losses.base import BuiltinLoss


def convert_binary_labels_to_hinge(y_true):
    """``2 * y_true - 1`` when every label is 0 or 1, else ``y_true`` unchanged."""
    is_binary = jnp.all(jnp.logical_or(y_true == 0, y_true == 1))
    return jnp.where(is_binary, 2.0 * y_true - 1.0, y_true)


def _margins(fn_name, y_true, y_pred):
    y_true, y_pred = convert_pair(y_true, y_pred)
    check_broadcastable(fn_name, y_true, y_pred)
    return jnp.maximum(1.0 - convert_binary_labels_to_hinge(y_true) * y_pred, 0.0)


def hinge(y_true, y_pred):
    """``mean(maximum(1 - y_true * y_pred, 0), axis=-1)``; shape ``(batch, d0, ..., dN-1)``.

    Example: ``hinge([[0., 1.]], [[-0.5, 2.]])`` is ``[0.25]``.
    """
    return jnp.mean(_margins("hinge", y_true, y_pred), axis=-1)


def squared_hinge(y_true, y_pred):
    """``mean(square(maximum(1 - y_true * y_pred, 0)), axis=-1)``.

    Example: ``squared_hinge([[0., 1.]], [[-0.5, 2.]])`` is ``[0.125]``.
    """
    return jnp.mean(jnp.square(_margins("squared_hinge", y_true, y_pred)), axis=-1)


def categorical_hinge(y_true, y_pred):
    """``maximum(neg - pos + 1, 0)``, with ``pos``/``neg`` the true/best wrong class score.

    ``pos = sum(y_true * y_pred, -1)``, ``neg = max((1 - y_true) * y_pred, -1)``;
    ``y_true`` is one-hot (0/1 or -1/1) over the last axis, which the result drops.

    Example: ``categorical_hinge([[0., 1.]], [[0.3, 0.9]])`` is ``[0.4]``.
    """
    y_true, y_pred = convert_pair(y_true, y_pred)
    check_broadcastable("categorical_hinge", y_true, y_pred)
    pos = jnp.sum(y_true * y_pred, axis=-1)
    neg = jnp.max((1.0 - y_true) * y_pred, axis=-1)
    return jnp.maximum(neg - pos + 1.0, jnp.zeros((), y_pred.dtype))


class Hinge(BuiltinLoss):
    """Hinge loss ``maximum(1 - y_true * y_pred, 0)``, averaged per sample and reduced.

    Args:
      reduction: as ``Loss`` (default ``"sum_over_batch_size"``).
      name: default ``"hinge"``.
      dtype: computation dtype (default floatx, float32).

    Example: ``Hinge()([[0., 1.]], [[-0.5, 2.]])`` is 0.25.
    """

    def __init__(self, reduction="sum_over_batch_size", name="hinge", dtype=None):
        super().__init__(hinge, reduction=reduction, name=name, dtype=dtype)


class SquaredHinge(BuiltinLoss):
    """Squared hinge loss ``square(maximum(1 - y_true * y_pred, 0))``, averaged and reduced.

    Args:
      reduction: as ``Loss`` (default ``"sum_over_batch_size"``).
      name: default ``"squared_hinge"``.
      dtype: computation dtype (default floatx, float32).

    Example: ``SquaredHinge()([[0., 1.]], [[-0.5, 2.]])`` is 0.125.
    """

    def __init__(self, reduction="sum_over_batch_size", name="squared_hinge", dtype=None):
        super().__init__(squared_hinge, reduction=reduction, name=name, dtype=dtype)


class CategoricalHinge(BuiltinLoss):
    """Categorical hinge loss ``maximum(neg - pos + 1, 0)`` for one-hot labels, reduced.

    Args:
      reduction: as ``Loss`` (default ``"sum_over_batch_size"``).
      name: default ``"categorical_hinge"``.
      dtype: computation dtype (default floatx, float32).

    Example: ``CategoricalHinge()([[0., 1.]], [[0.3, 0.9]])`` is 0.4.
    """

    def __init__(self, reduction="sum_over_batch_size", name="categorical_hinge", dtype=None):
        super().__init__(categorical_hinge, reduction=reduction, name=name, dtype=dtype)
