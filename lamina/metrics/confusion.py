"""Metrics from thresholded confusion counts: ``Precision``, ``Recall`` and ``AUC``.

The state holds weighted true/false positive/negative counts per threshold (see
:mod:`lamina.metrics.confusion_matrix`); the result is computed from them at the end,
so a running metric equals the metric of all batches at once.
"""

import jax
import jax.numpy as jnp
import numpy as np

from lamina.metrics.base import Metric, as_array, divide_no_nan
from lamina.metrics.confusion_matrix import (
    EPSILON,
    NEG_INF,
    confusion_counts,
    evenly_distributed,
    parse_thresholds,
)

_NAMES = {
    "tp": "true_positives",
    "fp": "false_positives",
    "tn": "true_negatives",
    "fn": "false_negatives",
}


def _check_int(value, arg, owner, minimum):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ValueError(
            f"{owner}: `{arg}` must be None or an integer >= {minimum}, got {arg}={value!r}."
        )
    return int(value)


class _ThresholdedRate(Metric):
    """Shared body of ``Precision`` and ``Recall``: ``tp / (tp + other)`` per threshold."""

    _other = None  # "fp" or "fn"

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        owner = type(self).__name__
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.top_k = _check_int(top_k, "top_k", owner, 1)
        self.class_id = _check_int(class_id, "class_id", owner, 0)
        default = 0.5 if top_k is None else NEG_INF
        self.thresholds = parse_thresholds(thresholds, default, owner)
        self._evenly = evenly_distributed(self.thresholds)

    def init_state(self) -> dict:
        shape = (len(self.thresholds),)
        return {_NAMES[k]: jnp.zeros(shape, self.dtype) for k in ("tp", self._other)}

    def update(self, state, y_true, y_pred, sample_weight=None) -> dict:
        counts = confusion_counts(
            y_true,
            y_pred,
            self.thresholds,
            ("tp", self._other),
            dtype=self.dtype,
            sample_weight=sample_weight,
            top_k=self.top_k,
            class_id=self.class_id,
            evenly=self._evenly,
        )
        return {_NAMES[k]: state[_NAMES[k]] + v for k, v in counts.items()}

    def compute(self, state):
        tp = state["true_positives"]
        rate = divide_no_nan(tp, tp + state[_NAMES[self._other]])
        return rate[0] if len(self.thresholds) == 1 else rate

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "thresholds": self.init_thresholds,
            "top_k": self.top_k,
            "class_id": self.class_id,
        }


class Precision(_ThresholdedRate):
    """``tp / (tp + fp)``: how many predicted positives are positive.

    A prediction is positive when above a threshold (and, with ``top_k``, among the
    ``top_k`` largest of its row). Inputs: ``y_true`` and ``y_pred`` of the same shape
    (``y_true`` cast to bool); ``sample_weight`` broadcastable to them.

    Args:
      thresholds: a float or list of floats in ``[0, 1]`` (default ``0.5``, or
        "above -1e10" with ``top_k``); a list gives one result per threshold.
      top_k: count only the ``top_k`` largest predictions of the last axis.
      class_id: look only at this class index of the last axis.
      name: default ``"precision"`` made unique. dtype: default ``floatx()``.

    State: ``{"true_positives": (T,), "false_positives": (T,)}``; the result is a
    scalar for one threshold, else ``(T,)``.

    Example: ``Precision()([0, 1, 1, 1], [1, 0, 1, 1])`` → ``0.6666667``.
    """

    _other = "fp"


class Recall(_ThresholdedRate):
    """``tp / (tp + fn)``: how many positives are predicted positive.

    Arguments, inputs and state as ``Precision`` (with ``"false_negatives"``).

    Example: ``Recall()([0, 1, 1, 1], [1, 0, 1, 1])`` → ``0.6666667``.
    """

    _other = "fn"


_CURVES = {"roc": "ROC", "pr": "PR", "prgain": "PRGAIN"}
_SUMMATIONS = {"interpolation", "majoring", "minoring"}


class AUC(Metric):
    """Area under the ROC or precision-recall curve, by a Riemann sum over thresholds.

    Inputs: ``y_true`` (0/1, cast to bool) and ``y_pred`` (scores in ``[0, 1]``, or
    logits with ``from_logits``) of the same shape; ``sample_weight`` broadcastable.

    Args:
      num_thresholds: number of thresholds, evenly spread over ``[0, 1]`` (default 200,
        must be > 1); ignored when ``thresholds`` is given.
      curve: ``"ROC"`` (default), ``"PR"`` or ``"PRGAIN"``.
      summation_method: ``"interpolation"`` (default; for PR, Davis & Goadrich's
        interpolation), ``"minoring"`` or ``"majoring"``.
      name: default ``"auc"`` made unique. dtype: default ``floatx()``.
      thresholds: explicit thresholds in ``[0, 1]`` (the ends ``-1e-7`` and
        ``1 + 1e-7`` are added).
      multi_label: with ``(batch, labels)`` inputs, one curve per label and the result
        their (``label_weights``-weighted) mean; otherwise all entries are pooled.
      num_labels: the number of labels with ``multi_label`` (else taken from the first
        batch; the pure ``init_state`` needs it, or a ``build(y_pred_shape)`` call).
      label_weights: ``(labels,)`` non-negative weights of each label.
      from_logits: apply a sigmoid to ``y_pred`` first (default ``False``).

    State: ``true_positives``, ``false_positives``, ``true_negatives``,
    ``false_negatives``, each ``(num_thresholds,)`` or ``(num_thresholds, labels)``.

    Example: ``AUC(num_thresholds=3)([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])`` → ``0.75``.
    """

    def __init__(
        self,
        num_thresholds=200,
        curve="ROC",
        summation_method="interpolation",
        name=None,
        dtype=None,
        thresholds=None,
        multi_label=False,
        num_labels=None,
        label_weights=None,
        from_logits=False,
    ):
        curve_name = getattr(curve, "value", curve)
        if not isinstance(curve_name, str) or curve_name.lower() not in _CURVES:
            raise ValueError(f'AUC: invalid `curve` {curve!r}; expected "ROC", "PR" or "PRGAIN".')
        method = getattr(summation_method, "value", summation_method)
        if not isinstance(method, str) or method.lower() not in _SUMMATIONS:
            raise ValueError(
                f"AUC: invalid `summation_method` {summation_method!r}; expected "
                '"interpolation", "majoring" or "minoring".'
            )
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            inner = sorted(parse_thresholds(thresholds, 0.5, "AUC"))
            self.num_thresholds = len(inner) + 2
            self._evenly = evenly_distributed([0.0, *inner, 1.0])
        else:
            if (
                isinstance(num_thresholds, bool)
                or not isinstance(num_thresholds, int)
                or (num_thresholds <= 1)
            ):
                raise ValueError(
                    "AUC: `num_thresholds` must be an integer > 1; "
                    f"got num_thresholds={num_thresholds!r}."
                )
            self.num_thresholds = num_thresholds
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self._evenly = True
        self._thresholds = [0.0 - EPSILON, *inner, 1.0 + EPSILON]
        self.curve = _CURVES[curve_name.lower()]
        self.summation_method = method.lower()
        super().__init__(name=name, dtype=dtype)
        self.multi_label = bool(multi_label)
        if num_labels is not None and not self.multi_label:
            raise ValueError("AUC: `num_labels` is needed only when `multi_label` is True.")
        self.num_labels = _check_int(num_labels, "num_labels", "AUC", 1)
        self.label_weights = None if label_weights is None else as_array(label_weights, self.dtype)
        self._from_logits = bool(from_logits)
        self._num_labels = self.num_labels

    @property
    def thresholds(self) -> list:
        """All thresholds, including the ends ``-1e-7`` and ``1 + 1e-7``."""
        return list(self._thresholds)

    def build(self, y_pred_shape) -> None:
        """Fix the number of labels from a ``(batch, labels)`` shape (``multi_label`` only)."""
        if not self.multi_label or self._num_labels is not None:
            return
        if len(y_pred_shape) != 2:
            raise ValueError(
                "AUC(multi_label=True): `y_pred` must have rank 2 (batch, labels); got "
                f"shape {tuple(y_pred_shape)}."
            )
        self._num_labels = int(y_pred_shape[1])

    def init_state(self) -> dict:
        if self.multi_label:
            if self._num_labels is None:
                raise ValueError(
                    f"AUC {self.name!r} (multi_label=True) does not know its number of labels "
                    "yet: pass `num_labels=` to AUC(...), call `build(y_pred_shape)`, or "
                    "call `update_state` once before `init_state()`."
                )
            shape = (self.num_thresholds, self._num_labels)
        else:
            shape = (self.num_thresholds,)
        return {name: jnp.zeros(shape, self.dtype) for name in _NAMES.values()}

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        self.build(as_array(y_pred).shape)
        super().update_state(y_true, y_pred, sample_weight)

    def update(self, state, y_true, y_pred, sample_weight=None) -> dict:
        y_pred = as_array(y_pred)
        if self._from_logits:
            y_pred = jax.nn.sigmoid(y_pred)
        counts = confusion_counts(
            y_true,
            y_pred,
            self._thresholds,
            dtype=self.dtype,
            sample_weight=sample_weight,
            multi_label=self.multi_label,
            label_weights=None if self.multi_label else self.label_weights,
            evenly=self._evenly,
        )
        return {_NAMES[k]: state[_NAMES[k]] + v for k, v in counts.items()}

    def compute(self, state):
        tp, fp = state["true_positives"], state["false_positives"]
        tn, fn = state["true_negatives"], state["false_negatives"]
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self._average(_interpolated_pr_terms(tp, fp, fn))
        recall = divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = divide_no_nan(fp, fp + tn), recall
        elif self.curve == "PR":
            x, y = recall, divide_no_nan(tp, tp + fp)
        else:  # PRGAIN, with Keras' fixes for no true positives and negative gains
            scale = divide_no_nan(tp + fn, tn + fp)
            recall_gain = 1.0 - scale * divide_no_nan(fn, tp)
            precision_gain = 1.0 - scale * divide_no_nan(fp, tp)
            x = jnp.maximum(jnp.where(tp == 0, 0.0, recall_gain), 0.0)
            y = jnp.where(tp == 0, 1.0, precision_gain)
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = jnp.minimum(y[:-1], y[1:])
        else:
            heights = jnp.maximum(y[:-1], y[1:])
        return self._average((x[:-1] - x[1:]) * heights)

    def _average(self, terms):
        """The area: summed over thresholds, then averaged over labels when multi-label."""
        if not self.multi_label:
            return jnp.sum(terms).astype(self.dtype)
        by_label = jnp.sum(terms, axis=0)
        if self.label_weights is None:
            return jnp.mean(by_label).astype(self.dtype)
        weights = self.label_weights
        return divide_no_nan(jnp.sum(by_label * weights), jnp.sum(weights)).astype(self.dtype)

    def get_config(self) -> dict:
        config = {
            **super().get_config(),
            "num_thresholds": self.num_thresholds,
            "curve": self.curve,
            "summation_method": self.summation_method,
            "multi_label": self.multi_label,
            "num_labels": self.num_labels,
            "label_weights": (
                None if self.label_weights is None else np.asarray(self.label_weights).tolist()
            ),
            "from_logits": self._from_logits,
        }
        if self._init_from_thresholds:
            config["thresholds"] = self._thresholds[1:-1]
        return config


def _interpolated_pr_terms(tp, fp, fn):
    """Davis & Goadrich's PR-AUC per interval: precision interpolated through ``tp`` and ``p``.

    Within an interval, ``tp`` and ``p = tp + fp`` vary linearly, so precision is
    ``(tp_a + slope * (p - p_a)) / p`` and its integral over recall has the closed form
    ``slope * (dtp + intercept * log(p_a / p_b)) / (tp_b + fn_b)``.
    """
    dtp = tp[:-1] - tp[1:]
    p = tp + fp
    dp = p[:-1] - p[1:]
    slope = divide_no_nan(dtp, jnp.maximum(dp, 0))
    intercept = tp[1:] - slope * p[1:]
    ratio = jnp.where((p[:-1] > 0) & (p[1:] > 0), divide_no_nan(p[:-1], jnp.maximum(p[1:], 0)), 1.0)
    return divide_no_nan(
        slope * (dtp + intercept * jnp.log(ratio)), jnp.maximum(tp[1:] + fn[1:], 0)
    )
