"""Focal cross-entropies (Lin et al., 2018): cross-entropy scaled down on easy examples.

The focal factor ``(1 - p_t) ** gamma``, with ``p_t`` the probability given to
the true class, shrinks the loss of well-classified entries; ``alpha`` weighs
the classes. ``gamma = 0`` (and no ``alpha``) gives back plain cross-entropy.
"""

import jax
import jax.numpy as jnp

from lamina.losses._common import (
    check_axis,
    check_same_shape,
    convert_pair,
    epsilon,
    validate_label_smoothing,
)
from lamina.losses.base import BuiltinLoss


def binary_focal_crossentropy(
    y_true,
    y_pred,
    apply_class_balancing=False,
    alpha=0.25,
    gamma=2.0,
    from_logits=False,
    label_smoothing=0.0,
    axis=-1,
):
    """Binary focal cross-entropy, averaged over ``axis``; shape ``(batch, d0, ..., dN-1)``.

    Args:
      y_true: 0/1 labels, the shape of ``y_pred``.
      y_pred: probabilities, or logits when ``from_logits`` (default False).
      apply_class_balancing: weigh class 1 by ``alpha`` and class 0 by
        ``1 - alpha`` (default False).
      alpha: the class-1 weight when balancing (default ``0.25``).
      gamma: the focusing exponent (default ``2.0``).
      label_smoothing: in ``[0, 1]`` (default 0), squeezing labels towards 0.5.
      axis: the axis averaged over (default ``-1``).

    Example: ``binary_focal_crossentropy([[0., 1.]], [[0.4, 0.6]])`` is ``[0.0817]``.
    """
    validate_label_smoothing(label_smoothing)
    y_true, y_pred = convert_pair(y_true, y_pred)
    check_same_shape("binary_focal_crossentropy", y_true, y_pred)
    check_axis("binary_focal_crossentropy", axis, max(y_pred.ndim, 1))
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        y_pred = jax.nn.sigmoid(y_pred)
    eps = epsilon()
    output = jnp.clip(y_pred, eps, 1.0 - eps)
    bce = -(y_true * jnp.log(output) + (1.0 - y_true) * jnp.log(1.0 - output))
    p_t = y_true * y_pred + (1 - y_true) * (1 - y_pred)
    focal_bce = jnp.power(1.0 - p_t, gamma) * bce
    if apply_class_balancing:
        focal_bce = (y_true * alpha + (1 - y_true) * (1 - alpha)) * focal_bce
    return jnp.mean(focal_bce, axis=axis)


def categorical_focal_crossentropy(
    y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1
):
    """Categorical focal cross-entropy over the class ``axis``, which the result drops.

    Args:
      y_true: one-hot labels, the shape of ``y_pred``.
      y_pred: probabilities (renormalized), or logits when ``from_logits``.
      alpha: a class weight, a float or one per class (default ``0.25``).
      gamma: the focusing exponent (default ``2.0``).
      label_smoothing: in ``[0, 1]`` (default 0), mixing labels with the uniform
        distribution over the last axis.
      axis: the class axis (default ``-1``).

    Example: ``categorical_focal_crossentropy([[0., 1.]], [[0.4, 0.6]])`` is ``[0.0204]``.
    """
    validate_label_smoothing(label_smoothing)
    y_true, y_pred = convert_pair(y_true, y_pred)
    check_same_shape("categorical_focal_crossentropy", y_true, y_pred)
    check_axis("categorical_focal_crossentropy", axis, max(y_pred.ndim, 1))
    if label_smoothing:
        num_classes = jnp.asarray(y_true.shape[-1], y_pred.dtype)
        y_true = y_true * (1.0 - label_smoothing) + (label_smoothing / num_classes)
    if from_logits:
        y_pred = jax.nn.softmax(y_pred, axis=axis)
    output = y_pred / jnp.sum(y_pred, axis=axis, keepdims=True)
    output = jnp.clip(output, epsilon(), 1.0 - epsilon())
    cce = -y_true * jnp.log(output)
    weighting = jnp.power(1.0 - output, gamma) * jnp.asarray(alpha, output.dtype)
    return jnp.sum(weighting * cce, axis=axis)


class BinaryFocalCrossentropy(BuiltinLoss):
    """Binary focal cross-entropy, averaged over ``axis`` and reduced.

    Args: as ``binary_focal_crossentropy`` (``apply_class_balancing=False``,
    ``alpha=0.25``, ``gamma=2.0``, ``from_logits=False``, ``label_smoothing=0.0``,
    ``axis=-1``), plus ``reduction``, ``name`` (default
    ``"binary_focal_crossentropy"``) and ``dtype`` as ``Loss``.

    Example: ``BinaryFocalCrossentropy(gamma=2.0)([[0., 1.]], [[0.4, 0.6]])`` is 0.0817.
    """

    def __init__(
        self,
        apply_class_balancing=False,
        alpha=0.25,
        gamma=2.0,
        from_logits=False,
        label_smoothing=0.0,
        axis=-1,
        reduction="sum_over_batch_size",
        name="binary_focal_crossentropy",
        dtype=None,
    ):
        super().__init__(
            binary_focal_crossentropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            apply_class_balancing=apply_class_balancing,
            alpha=alpha,
            gamma=gamma,
            from_logits=from_logits,
            label_smoothing=validate_label_smoothing(label_smoothing),
            axis=axis,
        )
        self.apply_class_balancing = apply_class_balancing
        self.alpha = alpha
        self.gamma = gamma
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis


class CategoricalFocalCrossentropy(BuiltinLoss):
    """Categorical focal cross-entropy over the class ``axis``, reduced.

    Args: as ``categorical_focal_crossentropy`` (``alpha=0.25``, ``gamma=2.0``,
    ``from_logits=False``, ``label_smoothing=0.0``, ``axis=-1``), plus
    ``reduction``, ``name`` (default ``"categorical_focal_crossentropy"``) and
    ``dtype`` as ``Loss``.

    Example: ``CategoricalFocalCrossentropy()([[0., 1.]], [[0.4, 0.6]])`` is 0.0204.
    """

    def __init__(
        self,
        alpha=0.25,
        gamma=2.0,
        from_logits=False,
        label_smoothing=0.0,
        axis=-1,
        reduction="sum_over_batch_size",
        name="categorical_focal_crossentropy",
        dtype=None,
    ):
        super().__init__(
            categorical_focal_crossentropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            alpha=alpha,
            gamma=gamma,
            from_logits=from_logits,
            label_smoothing=validate_label_smoothing(label_smoothing),
            axis=axis,
        )
        self.alpha = alpha
        self.gamma = gamma
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis
