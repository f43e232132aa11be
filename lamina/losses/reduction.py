"""How per-sample losses become the number a ``Loss`` returns (Keras 3's rules).

``reduce_weighted_values(values, sample_weight, mask, reduction)``:

1. A mask (from ``y_pred``'s producing layer, or from the loss itself, as with
   ``ignore_class``) is merged into ``sample_weight``. For ``"sum_over_batch_size"``
   and ``"mean"`` valid entries weigh ``total / valid``, so the final division by
   the element count becomes a division by the number of valid entries.
2. ``sample_weight`` is aligned to ``values`` (a trailing size-1 axis squeezed, a
   rank-1 weight expanded) and multiplied in, with NumPy broadcasting: weights of
   shape ``(batch,)`` fit losses of shape ``(batch,)``; for losses of shape
   ``(batch, steps)`` give ``(batch, steps)`` or ``(batch, 1)``.
3. ``"sum"`` sums; ``"sum_over_batch_size"`` and ``"mean"`` sum and divide by the
   number of loss elements; ``"mean_with_sample_weight"`` divides by the sum of
   the weights instead (by the element count without weights); ``"none"``/None
   return the weighted values. A divisor of 0 gives 0. Scalars and empty
   ``(0,)`` values come back unreduced.
"""

import jax.numpy as jnp

from lamina.losses._common import divide_no_nan, squeeze_or_expand_to_same_rank

#: The accepted values of ``reduction``.
REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)


def standardize_reduction(reduction):
    """``reduction`` itself; a ValueError naming the valid values otherwise.

    Example: ``standardize_reduction("sum") == "sum"``.
    """
    if not (reduction is None or (isinstance(reduction, str) and reduction in REDUCTIONS)):
        raise ValueError(
            "Invalid value for argument `reduction`. Expected one of "
            f"{list(REDUCTIONS)}. Received: reduction={reduction!r}"
        )
    return reduction


def _check_weight_shape(values, sample_weight):
    try:
        jnp.broadcast_shapes(values.shape, sample_weight.shape)
    except ValueError:
        pass
    else:
        return
    raise ValueError(
        "`sample_weight` must broadcast against the per-sample losses after aligning a "
        "trailing size-1 axis: use shape (batch,) for losses of shape (batch,), and the "
        "losses' shape or (batch, 1, ...) for losses with more axes. Received: "
        f"sample_weight.shape={tuple(sample_weight.shape)}, "
        f"losses.shape={tuple(values.shape)}"
    )


def apply_mask(sample_weight, mask, dtype, reduction):
    """``sample_weight`` with the boolean-like ``mask`` merged in (None if both are None)."""
    if mask is None:
        return sample_weight
    if reduction in ("mean", "sum_over_batch_size"):
        total = jnp.asarray(mask.size, dtype)
        valid = jnp.sum(mask.astype(dtype))
        float_mask = jnp.where(mask.astype(bool), divide_no_nan(total, valid), 0).astype(dtype)
    else:
        float_mask = mask.astype(dtype)
    if sample_weight is None:
        return float_mask
    float_mask, sample_weight = squeeze_or_expand_to_same_rank(float_mask, sample_weight)
    _check_weight_shape(float_mask, sample_weight)
    return sample_weight.astype(dtype) * float_mask


def reduce_values(values, sample_weight=None, reduction="sum_over_batch_size"):
    """``values`` (already weighted) reduced by ``reduction``; see the module docstring."""
    if reduction is None or reduction == "none" or values.shape in ((), (0,)):
        return values
    loss = jnp.sum(values)
    if reduction in ("sum_over_batch_size", "mean", "mean_with_sample_weight"):
        if reduction == "mean_with_sample_weight" and sample_weight is not None:
            divisor = jnp.sum(sample_weight).astype(loss.dtype)
        else:
            divisor = jnp.asarray(values.size, loss.dtype)
        loss = divide_no_nan(loss, divisor)
    return loss


def reduce_weighted_values(
    values, sample_weight=None, mask=None, reduction="sum_over_batch_size", dtype=None
):
    """Weight ``values`` by ``sample_weight`` and ``mask``, then reduce them.

    Args:
      values: per-sample losses, e.g. shape ``(batch,)`` or ``(batch, steps)``.
      sample_weight: optional weights broadcastable to ``values`` (see above).
      mask: optional boolean mask of ``values``' shape (True = counts).
      reduction: one of ``REDUCTIONS`` (default ``"sum_over_batch_size"``).
      dtype: the computation dtype (default: ``values``' own).

    Returns a scalar, or the weighted ``values`` for ``"none"``/None.

    Example: ``reduce_weighted_values(jnp.array([1., 3.]), jnp.array([1., 0.]))`` is 0.5.
    """
    reduction = standardize_reduction(reduction)
    values = jnp.asarray(values, dtype=dtype)
    dtype = values.dtype
    if sample_weight is not None:
        sample_weight = jnp.asarray(sample_weight, dtype=dtype)
    if mask is not None:
        mask = jnp.asarray(mask)
    sample_weight = apply_mask(sample_weight, mask, dtype=dtype, reduction=reduction)
    if sample_weight is not None:
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        _check_weight_shape(values, sample_weight)
        values = values * sample_weight
    return reduce_values(values, sample_weight, reduction)
