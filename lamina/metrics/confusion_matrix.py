"""Weighted confusion-matrix counts at a list of thresholds (Keras' algorithm, pure).

A prediction ``p`` counts as positive at threshold ``t`` when ``p > t``. For each
threshold this gives true/false positives/negatives, summed with the sample (and
label) weights. Thresholds spread evenly over ``[0, 1]`` take Keras' bucketed path
(``O(T + N)``: one ``segment_sum`` into buckets, then a reversed cumulative sum);
other thresholds compare every prediction with every threshold (``O(T * N)``). Both
are kept so that counts agree with Keras even for predictions that sit exactly on a
threshold.
"""

import jax
import jax.numpy as jnp
import numpy as np

from lamina.metrics.base import as_array, squeeze_or_expand_to_same_rank

NEG_INF = -1e10  # the threshold used with top_k (every kept prediction is above it)
EPSILON = 1e-7  # Keras' backend.epsilon(): AUC's end thresholds are -EPSILON, 1 + EPSILON

KINDS = ("tp", "fp", "tn", "fn")


def parse_thresholds(thresholds, default, owner: str) -> list[float]:
    """``thresholds`` (None, a number or a sequence of numbers in ``[0, 1]``) as a list."""
    if thresholds is None:
        return [float(default)]
    values = list(thresholds) if isinstance(thresholds, list | tuple | np.ndarray) else [thresholds]
    bad = [
        t
        for t in values
        if isinstance(t, bool)
        or not isinstance(t, int | float | np.integer | np.floating)
        or not 0 <= t <= 1
    ]
    if bad or not values:
        raise ValueError(
            f"{owner}: `thresholds` must be a float or a non-empty list of floats in [0, 1]; "
            f"got thresholds={thresholds!r}" + (f" (invalid: {bad})." if bad else ".")
        )
    return [float(t) for t in values]


def evenly_distributed(thresholds) -> bool:
    """Whether ``thresholds`` are ``[0, 1/(n-1), ..., 1]`` (n >= 3), enabling the fast path."""
    n = len(thresholds)
    if n < 3:
        return False
    even = np.arange(n, dtype=np.float32) / (n - 1)
    return bool(np.allclose(thresholds, even, atol=EPSILON))


def filter_top_k(x, k: int):
    """``x`` with all but the ``k`` largest entries of the last axis set to ``NEG_INF``."""
    _, idx = jax.lax.top_k(x, k)
    keep = jnp.sum(jax.nn.one_hot(idx, x.shape[-1], dtype=x.dtype), axis=-2)
    return x * keep + NEG_INF * (1 - keep)


def confusion_counts(
    y_true,
    y_pred,
    thresholds,
    kinds=KINDS,
    *,
    dtype,
    sample_weight=None,
    top_k=None,
    class_id=None,
    multi_label=False,
    label_weights=None,
    evenly=False,
):
    """``{kind: counts}`` for ``kinds`` in ``("tp", "fp", "tn", "fn")``, one batch's worth.

    Args:
      y_true: labels, cast to bool (nonzero is positive); same shape as ``y_pred`` up
        to a trailing 1.
      y_pred: scores, ideally in ``[0, 1]``, any shape ``(batch, ...)``.
      thresholds: a Python list of ``T`` floats.
      dtype: dtype of the counts.
      sample_weight: None, a scalar, or broadcastable to ``y_true`` after Keras'
        rank alignment.
      top_k: keep only the ``top_k`` largest predictions of the last axis.
      class_id: look only at this index of the last axis.
      multi_label: count each label (last axis of a ``(batch, labels)`` input)
        separately: counts of shape ``(T, labels)`` instead of ``(T,)``.
      label_weights: ``(labels,)`` weights, only without ``multi_label``.
      evenly: take the bucketed path (``thresholds`` are evenly spread, maybe with
        AUC's epsilon ends).
    """
    y_true = as_array(y_true, dtype)
    y_pred = as_array(y_pred, dtype)
    y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred, y_true)
    if sample_weight is not None:
        sample_weight = jnp.expand_dims(as_array(sample_weight, dtype), -1)
        _, sample_weight = squeeze_or_expand_to_same_rank(
            y_true, sample_weight, expand_rank_1=False
        )
    if top_k is not None:
        y_pred = filter_top_k(y_pred, top_k)
    if class_id is not None:
        if y_pred.ndim == 1:
            raise ValueError(
                "With `class_id`, `y_pred` must have shape (num_samples, num_classes); "
                f"got shape {y_pred.shape}."
            )
        y_true = y_true[..., class_id, None]
        y_pred = y_pred[..., class_id, None]
    if multi_label and y_pred.ndim != 2:
        raise ValueError(
            "With multi_label=True, `y_pred` must have shape (batch, num_labels); "
            f"got shape {y_pred.shape}."
        )
    weights = _weights(sample_weight, label_weights, y_pred, multi_label, dtype)
    if evenly:
        with_epsilon = thresholds[0] < 0.0 or thresholds[-1] > 1.0
        counts = _bucketed(y_true, y_pred, len(thresholds), weights, multi_label, with_epsilon)
    else:
        counts = _compared(y_true, y_pred, thresholds, weights, multi_label, dtype)
    return {k: counts[k].astype(dtype) for k in kinds}


def _weights(sample_weight, label_weights, y_pred, multi_label, dtype):
    """The per-prediction weight, shaped like ``y_pred`` (flattened unless multi-label)."""
    weights = None
    try:
        if sample_weight is not None:
            weights = jnp.broadcast_to(sample_weight, y_pred.shape)
    except ValueError as err:
        raise ValueError(
            f"`sample_weight` of shape {sample_weight.shape} (after aligning its rank) does "
            f"not broadcast to `y_pred`'s shape {y_pred.shape}."
        ) from err
    if label_weights is not None:
        lw = jnp.broadcast_to(jnp.expand_dims(as_array(label_weights, dtype), 0), y_pred.shape)
        weights = lw if weights is None else weights * lw
    if weights is not None and not multi_label:
        weights = weights.reshape(-1)
    return weights


def _bucketed(y_true, y_pred, num_thresholds, weights, multi_label, with_epsilon):
    """Counts via one bucket per threshold interval and a reversed cumulative sum."""
    weights = 1.0 if weights is None else weights
    y_pred = jnp.clip(y_pred, 0.0, 1.0)
    y_true = y_true.astype(bool).astype(y_pred.dtype)
    if not multi_label:
        y_true, y_pred = y_true.reshape(-1), y_pred.reshape(-1)
    true_labels = y_true * weights
    false_labels = (1.0 - y_true) * weights
    # A prediction must be strictly above a threshold: bucket i holds (t_i, t_{i+1}].
    buckets = jnp.ceil(y_pred * (num_thresholds - 1)) - 1
    if with_epsilon:  # the first threshold is below 0: every prediction is above it
        buckets = jnp.maximum(buckets, 0)
    buckets = buckets.astype(jnp.int32)

    def per_threshold(labels, ids):
        summed = jax.ops.segment_sum(labels, ids, num_segments=num_thresholds)
        return jnp.flip(jnp.cumsum(jnp.flip(summed, -1), axis=-1), -1)

    if multi_label:  # labels along axis 0, then back to (thresholds, labels)
        true_labels, false_labels, buckets = true_labels.T, false_labels.T, buckets.T
        tp = jax.vmap(per_threshold)(true_labels, buckets).T
        fp = jax.vmap(per_threshold)(false_labels, buckets).T
        total_true, total_false = jnp.sum(true_labels, 1), jnp.sum(false_labels, 1)
    else:
        tp = per_threshold(true_labels, buckets)
        fp = per_threshold(false_labels, buckets)
        total_true, total_false = jnp.sum(true_labels), jnp.sum(false_labels)
    return {"tp": tp, "fp": fp, "tn": total_false - fp, "fn": total_true - tp}


def _compared(y_true, y_pred, thresholds, weights, multi_label, dtype):
    """Counts by comparing every prediction with every threshold."""
    thresholds = jnp.asarray(np.asarray(thresholds), dtype)
    if multi_label:  # (T, batch, labels), summed over the batch → (T, labels)
        preds, labels = y_pred[None], y_true.astype(bool)[None]
        thresholds = thresholds[:, None, None]
    else:  # (T, N) → (T,)
        preds, labels = y_pred.reshape(1, -1), y_true.astype(bool).reshape(1, -1)
        thresholds = thresholds[:, None]
    pred_pos = preds > thresholds
    weights = jnp.ones((), dtype) if weights is None else weights.astype(dtype)

    def count(label, pred):
        return jnp.sum(jnp.where(label & pred, weights, 0).astype(dtype), axis=1)

    return {
        "tp": count(labels, pred_pos),
        "fp": count(~labels, pred_pos),
        "tn": count(~labels, ~pred_pos),
        "fn": count(labels, ~pred_pos),
    }
