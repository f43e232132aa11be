"""Probabilistic losses: cross-entropies, Kullback-Leibler divergence and Poisson.

Probabilities (``from_logits=False``) are clipped to ``[epsilon, 1 - epsilon]``
with ``epsilon = 1e-7``; logits go through ``log_sigmoid``/``log_softmax``. Each
function returns per-sample losses with the class/feature axis reduced away;
each class wraps its function with a reduction (see :class:`lamina.losses.Loss`).
"""

import numbers
import warnings

import jax
import jax.numpy as jnp

from lamina.core.masking import set_mask
from lamina.losses._common import (
    check_axis,
    check_broadcastable,
    check_same_shape,
    convert_pair,
    epsilon,
    to_tensor,
    validate_label_smoothing,
)
from lamina.losses.base import BuiltinLoss


def _log_probs(output, from_logits, axis):
    """Log-probabilities of ``output`` along ``axis`` (probabilities renormalized, clipped)."""
    if from_logits:
        return jax.nn.log_softmax(output, axis=axis)
    output = output / jnp.sum(output, axis, keepdims=True)
    eps = epsilon()
    return jnp.log(jnp.clip(output, eps, 1.0 - eps))


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary cross-entropy, averaged over ``axis``; shape ``(batch, d0, ..., dN-1)``.

    Args:
      y_true: 0/1 (or soft) labels, the shape of ``y_pred``.
      y_pred: probabilities, or logits when ``from_logits`` (default False).
      label_smoothing: in ``[0, 1]`` (default 0): labels become
        ``y * (1 - label_smoothing) + 0.5 * label_smoothing``.
      axis: the axis averaged over (default ``-1``).

    Example: ``binary_crossentropy([[0., 1.]], [[0.4, 0.6]])`` is ``[0.5108]``.
    """
    validate_label_smoothing(label_smoothing)
    y_true, y_pred = convert_pair(y_true, y_pred)
    check_same_shape("binary_crossentropy", y_true, y_pred)
    check_axis("binary_crossentropy", axis, max(y_pred.ndim, 1))
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        bce = -1.0 * y_true * jax.nn.log_sigmoid(y_pred) - (1.0 - y_true) * jax.nn.log_sigmoid(
            -y_pred
        )
    else:
        eps = epsilon()
        output = jnp.clip(y_pred, eps, 1.0 - eps)
        bce = -(y_true * jnp.log(output) + (1.0 - y_true) * jnp.log(1.0 - output))
    return jnp.mean(bce, axis=axis)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Cross-entropy between one-hot (or soft) labels and class scores along ``axis``.

    Args:
      y_true: one-hot labels, the shape of ``y_pred``, e.g. ``(batch, classes)``.
      y_pred: probabilities (renormalized to sum to 1), or logits when
        ``from_logits`` (default False).
      label_smoothing: in ``[0, 1]`` (default 0): labels become
        ``y * (1 - label_smoothing) + label_smoothing / classes``, ``classes``
        being the size of the last axis.
      axis: the class axis (default ``-1``); the result has it removed.

    Example: ``categorical_crossentropy([[0., 1.]], [[0.4, 0.6]])`` is ``[0.5108]``.
    """
    validate_label_smoothing(label_smoothing)
    y_true, y_pred = convert_pair(y_true, y_pred)
    check_same_shape("categorical_crossentropy", y_true, y_pred)
    if y_pred.ndim < 1:
        raise ValueError(
            "categorical_crossentropy: `y_true` and `y_pred` must be at least rank 1. "
            f"Received: y_pred.shape={tuple(y_pred.shape)}"
        )
    check_axis("categorical_crossentropy", axis, y_pred.ndim)
    if y_pred.shape[-1] == 1:
        warnings.warn(
            "categorical_crossentropy: expected y_pred.shape to be (batch_size, num_classes) "
            f"with num_classes > 1. Received: y_pred.shape={tuple(y_pred.shape)}. "
            "Consider using 'binary_crossentropy' if you only have 2 classes.",
            stacklevel=2,
        )
    if label_smoothing:
        num_classes = jnp.asarray(y_true.shape[-1], y_pred.dtype)
        y_true = y_true * (1.0 - label_smoothing) + (label_smoothing / num_classes)
    return -jnp.sum(y_true * _log_probs(y_pred, from_logits, axis), axis=axis)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """Cross-entropy between integer labels and class scores.

    Args:
      y_true: class indices of shape ``y_pred.shape[:-1]`` (or with a trailing 1).
      y_pred: probabilities or logits (``from_logits``, default False) of shape
        ``(batch, d0, ..., classes)``.
      ignore_class: a label (e.g. -1 or 255) whose entries give loss 0 and, in a
        ``Loss``, do not count in the mean (default None: every label counts).
      axis: the class axis (default ``-1``; only the last axis is supported, as Keras).

    Returns per-entry losses of shape ``y_pred.shape[:-1]``.

    Example: ``sparse_categorical_crossentropy([1], [[0.4, 0.6]])`` is ``[0.5108]``.
    """
    if ignore_class is not None and (
        isinstance(ignore_class, bool) or not isinstance(ignore_class, numbers.Integral)
    ):
        raise ValueError(
            "Invalid value for argument `ignore_class`: expected an int or None. "
            f"Received: ignore_class={ignore_class!r}"
        )
    y_pred = to_tensor(y_pred)
    y_true = jnp.asarray(y_true)
    if y_pred.ndim < 1:
        raise ValueError(
            "sparse_categorical_crossentropy: `y_pred` must be at least rank 1. "
            f"Received: y_pred.shape={tuple(y_pred.shape)}"
        )
    check_axis("sparse_categorical_crossentropy", axis, y_pred.ndim)
    if y_true.ndim == y_pred.ndim and y_true.shape[axis] == 1:
        y_true = jnp.squeeze(y_true, axis=axis)
    if y_true.shape != y_pred.shape[:-1]:
        raise ValueError(
            "sparse_categorical_crossentropy: `y_true` must have the shape of `y_pred` "
            "without its last (class) axis, optionally with a trailing 1. Received: "
            f"y_true.shape={tuple(y_true.shape)}, y_pred.shape={tuple(y_pred.shape)}"
        )
    if ignore_class is not None:
        valid_mask = y_true != jnp.asarray(ignore_class, y_pred.dtype)
        y_true = jnp.where(valid_mask, y_true, 0)
        y_pred = jnp.where(jnp.expand_dims(valid_mask, axis), y_pred, 0)
    log_prob = _log_probs(y_pred, from_logits, axis)
    labels = jax.nn.one_hot(y_true.astype(jnp.int32), y_pred.shape[axis], axis=axis)
    res = -jnp.sum(labels * log_prob, axis=axis)
    if ignore_class is not None:
        res = jnp.where(valid_mask, res, 0.0)
        set_mask(res, valid_mask)
    return res


def kl_divergence(y_true, y_pred):
    """``sum(y_true * log(y_true / y_pred), axis=-1)``, both clipped to ``[1e-7, 1]``.

    Example: ``kl_divergence([[0.5, 0.5]], [[0.25, 0.75]])`` is ``[0.1438]``.
    """
    y_true, y_pred = convert_pair(y_true, y_pred)
    check_broadcastable("kl_divergence", y_true, y_pred)
    y_true = jnp.clip(y_true, epsilon(), 1)
    y_pred = jnp.clip(y_pred, epsilon(), 1)
    return jnp.sum(y_true * jnp.log(y_true / y_pred), axis=-1)


def poisson(y_true, y_pred):
    """``mean(y_pred - y_true * log(y_pred + 1e-7), axis=-1)`` (the Poisson NLL up to a constant).

    Example: ``poisson([[1.]], [[1.]])`` is ``[1.]``.
    """
    y_true, y_pred = convert_pair(y_true, y_pred)
    check_broadcastable("poisson", y_true, y_pred)
    eps = jnp.asarray(epsilon(), y_pred.dtype)
    return jnp.mean(y_pred - y_true * jnp.log(y_pred + eps), axis=-1)


class BinaryCrossentropy(BuiltinLoss):
    """Binary cross-entropy for 0/1 labels, averaged over ``axis`` and reduced.

    Args:
      from_logits: whether ``y_pred`` holds logits (default False: probabilities).
      label_smoothing: in ``[0, 1]`` (default 0), squeezing labels towards 0.5.
      axis: the axis averaged over (default ``-1``).
      reduction: as ``Loss`` (default ``"sum_over_batch_size"``).
      name: default ``"binary_crossentropy"``.
      dtype: computation dtype (default floatx, float32).

    Example: ``BinaryCrossentropy(from_logits=True)([[0., 1.]], [[-2., 2.]])`` is 0.1269.
    """

    def __init__(
        self,
        from_logits=False,
        label_smoothing=0.0,
        axis=-1,
        reduction="sum_over_batch_size",
        name="binary_crossentropy",
        dtype=None,
    ):
        super().__init__(
            binary_crossentropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=validate_label_smoothing(label_smoothing),
            axis=axis,
        )
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis


class CategoricalCrossentropy(BuiltinLoss):
    """Cross-entropy between one-hot labels and class scores along ``axis``, reduced.

    Args:
      from_logits: whether ``y_pred`` holds logits (default False: probabilities).
      label_smoothing: in ``[0, 1]`` (default 0), mixing labels with the uniform
        distribution over the classes.
      axis: the class axis (default ``-1``).
      reduction: as ``Loss`` (default ``"sum_over_batch_size"``).
      name: default ``"categorical_crossentropy"``.
      dtype: computation dtype (default floatx, float32).

    Example: ``CategoricalCrossentropy()([[0., 1.]], [[0.4, 0.6]])`` is 0.5108.
    """

    def __init__(
        self,
        from_logits=False,
        label_smoothing=0.0,
        axis=-1,
        reduction="sum_over_batch_size",
        name="categorical_crossentropy",
        dtype=None,
    ):
        super().__init__(
            categorical_crossentropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=validate_label_smoothing(label_smoothing),
            axis=axis,
        )
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis


class SparseCategoricalCrossentropy(BuiltinLoss):
    """Cross-entropy between integer labels and class scores (last axis), reduced.

    Args:
      from_logits: whether ``y_pred`` holds logits (default False: probabilities).
      ignore_class: a label whose entries are left out: their loss is 0 and they
        do not count in the ``"sum_over_batch_size"``/``"mean"`` denominator
        (default None).
      reduction: as ``Loss`` (default ``"sum_over_batch_size"``).
      axis: the class axis (default ``-1``).
      name: default ``"sparse_categorical_crossentropy"``.
      dtype: computation dtype (default floatx, float32).

    Its config has ``axis``, which Keras 3 leaves out (so that it round-trips).

    Example: ``SparseCategoricalCrossentropy()([1, 0], [[0.4, 0.6], [0.5, 0.5]])`` is 0.6020.
    """

    def __init__(
        self,
        from_logits=False,
        ignore_class=None,
        reduction="sum_over_batch_size",
        axis=-1,
        name="sparse_categorical_crossentropy",
        dtype=None,
    ):
        super().__init__(
            sparse_categorical_crossentropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            ignore_class=ignore_class,
            axis=axis,
        )
        self.from_logits = from_logits
        self.ignore_class = ignore_class
        self.axis = axis


class KLDivergence(BuiltinLoss):
    """Kullback-Leibler divergence ``sum(y_true * log(y_true / y_pred))``, reduced.

    Args:
      reduction: as ``Loss`` (default ``"sum_over_batch_size"``).
      name: default ``"kl_divergence"``.
      dtype: computation dtype (default floatx, float32).

    Example: ``KLDivergence()([[0.5, 0.5]], [[0.25, 0.75]])`` is 0.1438.
    """

    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, reduction=reduction, name=name, dtype=dtype)


class Poisson(BuiltinLoss):
    """Poisson loss ``mean(y_pred - y_true * log(y_pred))``, reduced.

    Args:
      reduction: as ``Loss`` (default ``"sum_over_batch_size"``).
      name: default ``"poisson"``.
      dtype: computation dtype (default floatx, float32).

    Example: ``Poisson()([[1.]], [[1.]])`` is 1.0.
    """

    def __init__(self, reduction="sum_over_batch_size", name="poisson", dtype=None):
        super().__init__(poisson, reduction=reduction, name=name, dtype=dtype)
