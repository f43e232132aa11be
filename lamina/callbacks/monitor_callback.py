"""``MonitorCallback``: watch one value in the logs and say when it improved."""

import operator
import warnings

from lamina.callbacks.callback import Callback

# Keras' built-in metrics and whether larger is better, for models whose metric
# objects do not say so themselves (a Keras metric carries ``_direction``).
_LARGER_IS_BETTER = {
    "accuracy", "acc", "binary_accuracy", "categorical_accuracy",
    "sparse_categorical_accuracy", "top_k_categorical_accuracy",
    "sparse_top_k_categorical_accuracy", "auc", "precision", "recall",
    "f1_score", "fbeta_score", "r2_score", "iou", "mean_iou", "binary_iou",
    "one_hot_iou", "one_hot_mean_iou", "cosine_similarity", "true_positives",
    "true_negatives", "precision_at_recall", "recall_at_precision",
    "sensitivity_at_specificity", "specificity_at_sensitivity",
}  # fmt: skip
_SMALLER_IS_BETTER = {
    "loss", "mean_squared_error", "mse", "mean_absolute_error", "mae",
    "mean_absolute_percentage_error", "mape", "mean_squared_logarithmic_error",
    "msle", "root_mean_squared_error", "binary_crossentropy",
    "categorical_crossentropy", "sparse_categorical_crossentropy",
    "binary_focal_crossentropy", "categorical_focal_crossentropy", "hinge",
    "squared_hinge", "categorical_hinge", "kl_divergence", "poisson",
    "log_cosh_error", "logcosh", "false_positives", "false_negatives",
}  # fmt: skip


def _metric_direction(model, name):
    """``"up"``/``"down"`` from a model metric named ``name`` that has ``_direction``."""
    stack = list(getattr(model, "metrics", None) or [])
    while stack:
        metric = stack.pop(0)
        inner = getattr(metric, "metrics", None)
        if isinstance(inner, list | tuple):  # A container of compiled metrics.
            stack.extend(inner)
        if getattr(metric, "name", None) == name and hasattr(metric, "_direction"):
            return metric._direction
    return None


class MonitorCallback(Callback):
    """Base of callbacks that track the best value of ``logs[monitor]``.

    ``mode`` says which way is better: ``"min"``, ``"max"``, or ``"auto"`` (default):
    the direction the model's metric of that name declares (Keras' ``_direction``),
    else that of a known Keras metric name (``accuracy``/``auc``/... larger,
    ``mse``/``*_crossentropy``/... smaller), else smaller for names ending in
    ``loss``, else a ``ValueError`` at the first epoch end asking for ``mode``.
    A value improves on ``best`` when it beats it by more than ``min_delta``.

    Example: ``MonitorCallback("val_accuracy", mode="max", min_delta=1e-3)``.
    """

    def __init__(self, monitor="val_loss", mode="auto", baseline=None, min_delta=0):
        if mode not in ("auto", "min", "max"):
            raise ValueError(
                f"{type(self).__name__}: `mode` must be 'auto', 'min' or 'max', "
                f"received mode={mode!r}."
            )
        self.monitor = monitor
        self.mode = mode
        self.best = baseline
        self.min_delta = abs(min_delta)
        self.monitor_op = None

    def _set_monitor_op(self):
        if self.mode == "min":
            self.monitor_op = operator.lt
        elif self.mode == "max":
            self.monitor_op = operator.gt
        else:
            name = self.monitor.removeprefix("val_")
            direction = _metric_direction(self.model, name)
            if direction is None and name in _LARGER_IS_BETTER:
                direction = "up"
            if direction is None and name in _SMALLER_IS_BETTER:
                direction = "down"
            if direction is None and name.endswith("loss"):
                direction = "down"
            if direction is None:
                raise ValueError(
                    f"{type(self).__name__} callback received monitor={self.monitor!r}, but "
                    "cannot tell whether that metric should be maximized or minimized. "
                    "Pass `mode='max'` to monitor the highest value, or `mode='min'` the lowest."
                )
            self.monitor_op = operator.gt if direction == "up" else operator.lt
        if self.monitor_op is operator.lt:
            self.min_delta *= -1

    def _is_improvement(self, value, reference):
        """Whether ``value`` beats ``reference`` (None: always) by more than ``min_delta``."""
        if reference is None:
            return True
        return self.monitor_op(value - self.min_delta, reference)

    def _read_monitor(self, logs, missing_message):
        """``logs[monitor]`` as a float; None, with a warning, when it is missing."""
        value = (logs or {}).get(self.monitor)
        if value is None:
            warnings.warn(
                f"{missing_message} `{self.monitor}` which is not available. "
                f"Available metrics are: {','.join(list((logs or {}).keys()))}",
                stacklevel=3,
            )
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ValueError(
                f"{type(self).__name__}: the monitored value logs[{self.monitor!r}] must be a "
                f"scalar number, received {value!r}."
            ) from None
