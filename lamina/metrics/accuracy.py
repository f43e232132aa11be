"""Accuracy metrics: how often predictions match labels, as running (weighted) means.

Each function returns per-sample matches (1.0 or 0.0, ``floatx()``); each class is
the weighted running mean of its function. ``accuracy_for`` picks the variant that
Keras' ``compile(metrics=["accuracy"])`` picks from the label and prediction shapes.
"""

import jax.numpy as jnp
import numpy as np

from lamina.core import config
from lamina.metrics.base import as_array, metric_function, squeeze_or_expand_to_same_rank
from lamina.metrics.reduction import MeanMetricWrapper


def _matches(a, b):
    return (a == b).astype(config.floatx())


@metric_function
def accuracy(y_true, y_pred):
    """``y_true == y_pred`` elementwise (after rank alignment), as floats of ``y_pred``'s shape."""
    y_pred = as_array(y_pred)
    y_true = as_array(y_true, y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return _matches(y_true, y_pred)


@metric_function
def binary_accuracy(y_true, y_pred, threshold=0.5):
    """``y_true == (y_pred > threshold)`` elementwise: ``(batch, ...)`` → ``(batch, ...)``."""
    y_pred = as_array(y_pred)
    y_true = as_array(y_true)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    y_pred = (y_pred > threshold).astype(y_true.dtype)
    return _matches(y_true, y_pred)


@metric_function
def categorical_accuracy(y_true, y_pred):
    """Whether ``argmax(y_true) == argmax(y_pred)``: ``(batch, ..., k)`` → ``(batch, ...)``.

    Labels are one-hot (or any scores); predictions may be probabilities or logits.
    """
    y_pred = as_array(y_pred)
    y_true = jnp.argmax(as_array(y_true), axis=-1).astype(y_pred.dtype)
    shape = y_true.shape
    reshape = y_true.ndim == y_pred.ndim  # labels came as (batch, ..., 1, k)
    if reshape:
        y_true = jnp.squeeze(y_true, -1)
    matches = _matches(y_true, jnp.argmax(y_pred, axis=-1).astype(y_true.dtype))
    return matches.reshape(shape) if reshape else matches


@metric_function
def sparse_categorical_accuracy(y_true, y_pred):
    """``y_true == argmax(y_pred, -1)``: labels ``(batch, ...)`` or ``(batch, ..., 1)``."""
    y_pred = as_array(y_pred)
    y_true = as_array(y_true, y_pred.dtype)
    shape = y_true.shape
    reshape = y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1
    if reshape:
        y_true = jnp.squeeze(y_true, -1)
    matches = _matches(y_true, jnp.argmax(y_pred, axis=-1).astype(y_true.dtype))
    if reshape:
        matches = matches.reshape(shape)
    if matches.ndim > 1 and matches.shape[-1] == 1:
        matches = jnp.squeeze(matches, -1)
    return matches


def _in_top_k(targets, predictions, k):
    """Whether ``predictions[i, targets[i]]`` ranks within the top ``k`` (ties count as in)."""
    at_label = jnp.take_along_axis(predictions, targets[:, None], axis=-1)
    at_label = jnp.where(jnp.isnan(at_label), -jnp.inf, at_label)
    rank = 1 + jnp.sum(predictions > at_label, axis=-1)
    return rank <= k


def _top_k_matches(y_true, y_pred, k, from_sorted_ids=False):
    shape = y_true.shape
    if y_pred.ndim > 2:
        y_pred = y_pred.reshape(-1, y_pred.shape[-1])
    if y_true.ndim > 1:
        y_true = y_true.reshape(-1)
    if from_sorted_ids:
        found = jnp.any(y_true[:, None] == y_pred[:, :k], axis=1)
    else:
        found = _in_top_k(y_true, y_pred, k)
    return found.astype(config.floatx()).reshape(shape)


@metric_function
def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """Whether ``argmax(y_true)`` is among the ``k`` largest ``y_pred`` (ties count as in).

    ``(batch, ..., classes)`` one-hot labels and scores → ``(batch, ...)`` matches.
    """
    y_pred = as_array(y_pred)
    y_true = jnp.argmax(as_array(y_true, y_pred.dtype), axis=-1).astype(jnp.int32)
    return _top_k_matches(y_true, y_pred, k)


@metric_function
def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """Whether the integer label is among the ``k`` largest ``y_pred``: ``(batch,)`` → ``(batch,)``.

    With ``from_sorted_ids=True``, ``y_pred`` holds ``(batch, n >= k)`` category ids
    sorted by decreasing score instead of scores.
    """
    y_pred = as_array(y_pred)
    y_true = as_array(y_true, y_pred.dtype if from_sorted_ids else jnp.int32)
    return _top_k_matches(y_true, y_pred, k, from_sorted_ids)


class Accuracy(MeanMetricWrapper):
    """How often ``y_pred`` equals ``y_true`` exactly (running weighted mean of ``accuracy``).

    Args: ``name`` (default ``"accuracy"``), ``dtype`` (default ``floatx()``).

    Example: ``Accuracy()([[1], [2], [3], [4]], [[0], [2], [3], [4]])`` → ``0.75``.
    """

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(accuracy, name=name, dtype=dtype)

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)


class BinaryAccuracy(Accuracy):
    """How often ``y_pred > threshold`` matches the 0/1 ``y_true``.

    Args:
      name: default ``"binary_accuracy"``.
      dtype: default ``floatx()``.
      threshold: a prediction above it counts as 1 (default ``0.5``).

    Example: ``BinaryAccuracy()([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]])`` → ``0.75``.
    """

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        if not isinstance(threshold, int | float | np.integer | np.floating):
            raise ValueError(
                f"BinaryAccuracy: `threshold` must be a number, got threshold={threshold!r}."
            )
        MeanMetricWrapper.__init__(
            self, binary_accuracy, name=name, dtype=dtype, threshold=threshold
        )
        self.threshold = threshold

    def get_config(self) -> dict:
        return {**super().get_config(), "threshold": self.threshold}


class CategoricalAccuracy(Accuracy):
    """How often ``argmax(y_pred)`` matches the one-hot ``y_true`` (``(batch, k)`` each).

    Args: ``name`` (default ``"categorical_accuracy"``), ``dtype``.

    Example: ``CategoricalAccuracy()([[0, 0, 1], [0, 1, 0]], [[.1, .9, .8], [.05, .95, 0]])`` → 0.5.
    """

    def __init__(self, name="categorical_accuracy", dtype=None):
        MeanMetricWrapper.__init__(self, categorical_accuracy, name=name, dtype=dtype)


class SparseCategoricalAccuracy(Accuracy):
    """How often ``argmax(y_pred)`` equals the integer ``y_true`` (``(batch,)`` or ``(batch, 1)``).

    Args: ``name`` (default ``"sparse_categorical_accuracy"``), ``dtype``.

    Example: ``SparseCategoricalAccuracy()([[2], [1]], [[.1, .6, .3], [.05, .95, 0]])`` → 0.5.
    """

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        MeanMetricWrapper.__init__(self, sparse_categorical_accuracy, name=name, dtype=dtype)


def _check_k(k, cls):
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise ValueError(f"{cls}: `k` must be a positive integer, got k={k!r}.")
    return int(k)


class TopKCategoricalAccuracy(Accuracy):
    """How often the one-hot target is among the ``k`` highest predictions.

    Args:
      k: how many top predictions count (default ``5``).
      name: default ``"top_k_categorical_accuracy"``.
      dtype: default ``floatx()``.

    Example: ``TopKCategoricalAccuracy(k=1)([[0, 0, 1], [0, 1, 0]], [[.1, .9, .8], [.05, .95, 0]])``
    → ``0.5``.
    """

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        k = _check_k(k, "TopKCategoricalAccuracy")
        MeanMetricWrapper.__init__(self, top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k

    def get_config(self) -> dict:
        return {**super().get_config(), "k": self.k}


class SparseTopKCategoricalAccuracy(Accuracy):
    """How often the integer target is among the ``k`` highest predictions.

    Args:
      k: how many top predictions count (default ``5``).
      name: default ``"sparse_top_k_categorical_accuracy"``.
      dtype: default ``floatx()``.
      from_sorted_ids: ``y_pred`` holds category ids sorted by score, not scores
        (default ``False``).

    Example: ``SparseTopKCategoricalAccuracy(k=1)([2, 1], [[.1, .9, .8], [.05, .95, 0]])`` → 0.5.
    """

    def __init__(
        self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None, from_sorted_ids=False
    ):
        k = _check_k(k, "SparseTopKCategoricalAccuracy")
        MeanMetricWrapper.__init__(
            self,
            sparse_top_k_categorical_accuracy,
            name=name,
            dtype=dtype,
            k=k,
            from_sorted_ids=from_sorted_ids,
        )
        self.k = k
        self.from_sorted_ids = bool(from_sorted_ids)

    def get_config(self) -> dict:
        config = {**super().get_config(), "k": self.k}
        if self.from_sorted_ids:
            config["from_sorted_ids"] = True
        return config


def _shape(x) -> tuple:
    if isinstance(x, tuple):
        return x
    if hasattr(x, "shape"):
        return tuple(x.shape)
    return tuple(np.shape(x))


def accuracy_for(y_true, y_pred, name="accuracy"):
    """The accuracy Keras' ``compile(metrics=["accuracy"])`` picks for these shapes.

    ``y_true``/``y_pred`` are arrays (or ``jax.ShapeDtypeStruct``s, or shape tuples).
    A last prediction axis of 1 → ``BinaryAccuracy``; else labels of lower rank than
    predictions, or ending in 1 → ``SparseCategoricalAccuracy``; else
    ``CategoricalAccuracy``. The metric is called ``name``.

    Example: ``accuracy_for((32,), (32, 10))`` → ``SparseCategoricalAccuracy(name="accuracy")``.
    """
    true_shape, pred_shape = _shape(y_true), _shape(y_pred)
    if not true_shape or not pred_shape:
        raise ValueError(
            "accuracy_for: `y_true` and `y_pred` need at least one axis to choose an "
            f"accuracy; got shapes y_true={true_shape}, y_pred={pred_shape}."
        )
    if pred_shape[-1] == 1:
        return BinaryAccuracy(name=name)
    if len(true_shape) < len(pred_shape) or (true_shape[-1] == 1 and pred_shape[-1] > 1):
        return SparseCategoricalAccuracy(name=name)
    return CategoricalAccuracy(name=name)
