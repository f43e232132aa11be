"""Metrics with Keras 3's names, arguments, defaults, configs and numbers.

Every metric has a pure face that a compiled training step can carry::

    state = metric.init_state()
    state = jax.jit(metric.update)(state, y_true, y_pred, sample_weight)
    value = metric.compute(state)

and Keras' stateful face on ``metric.state``: ``update_state``, ``result``,
``reset_state``. ``get("mse")``, ``get("auc")``, ... turn names, serialized dicts,
classes and plain functions into metrics; ``accuracy_for(y_true, y_pred)`` picks the
accuracy that Keras' ``compile(metrics=["accuracy"])`` picks.
"""

import inspect

from lamina.core import naming as _naming
from lamina.core import registry as _registry
from lamina.metrics.accuracy import (
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    TopKCategoricalAccuracy,
    accuracy,
    accuracy_for,
    binary_accuracy,
    categorical_accuracy,
    sparse_categorical_accuracy,
    sparse_top_k_categorical_accuracy,
    top_k_categorical_accuracy,
)
from lamina.metrics.base import Metric
from lamina.metrics.confusion import AUC, Precision, Recall
from lamina.metrics.loss_metrics import (
    LOSS_METRICS,
    BinaryCrossentropy,
    CategoricalCrossentropy,
    CategoricalHinge,
    CosineSimilarity,
    Hinge,
    KLDivergence,
    LogCoshError,
    Poisson,
    SparseCategoricalCrossentropy,
    SquaredHinge,
)
from lamina.metrics.reduction import Mean, MeanMetricWrapper, Sum, resolve_function
from lamina.metrics.regression import (
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    RootMeanSquaredError,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
)
from lamina.utils.object_table import ObjectTable

# Keras' short function names.
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error

_CLASSES = (
    Mean,
    Sum,
    MeanSquaredError,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError,
    RootMeanSquaredError,
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    TopKCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    AUC,
    Precision,
    Recall,
    *LOSS_METRICS,
)

#: Every string ``get`` accepts, mapped to its class (case-sensitive, as Keras).
ALL_OBJECTS_DICT = {
    **{cls.__name__: cls for cls in _CLASSES},
    **{_naming.to_snake_case(cls.__name__): cls for cls in _CLASSES},
    "acc": Accuracy,
    "mse": MeanSquaredError,
    "MSE": MeanSquaredError,
    "mae": MeanAbsoluteError,
    "MAE": MeanAbsoluteError,
    "mape": MeanAbsolutePercentageError,
    "MAPE": MeanAbsolutePercentageError,
    "msle": MeanSquaredLogarithmicError,
    "MSLE": MeanSquaredLogarithmicError,
}


_TABLE = ObjectTable(
    "metric",
    "lamina.metrics",
    ALL_OBJECTS_DICT,
    extra_classes={"Metric": Metric, "MeanMetricWrapper": MeanMetricWrapper},
    hint="; or pass a Metric instance or class, a serialized dict, or a function"
    " fn(y_true, y_pred) -> per-sample values.",
)


def serialize(metric) -> dict | None:
    """``metric`` as Keras' serialized dict (``module``, ``class_name``, ``config``)."""
    return _TABLE.serialize(metric)


def _resolve_fn(config, custom_objects):
    if "fn" in config:
        config["fn"] = resolve_function(config["fn"], custom_objects)
    return config


def deserialize(config, custom_objects=None) -> Metric:
    """A metric from ``serialize``'s dict (or Keras' ``{"class_name", "config"}``).

    ``custom_objects`` maps extra class names to classes and, for a
    ``MeanMetricWrapper``, function names to functions. A bare string is a name.
    """
    return _TABLE.deserialize(config, custom_objects, prepare=_resolve_fn)


def get(identifier):
    """A metric from ``identifier``.

    None → None; a ``Metric`` → itself; a name (``"mse"``, ``"auc"``,
    ``"SparseCategoricalAccuracy"``, ``"sparse_categorical_accuracy"``, ...) or a class
    → a new default instance; a serialized dict → its instance; any other callable
    ``fn(y_true, y_pred) -> per-sample values`` → ``MeanMetricWrapper(fn)`` named after
    it. Anything else is a ``ValueError`` listing the valid names. ``"accuracy"`` gives
    ``Accuracy`` (exact equality); use ``accuracy_for`` for compile's shape-based choice.

    Example: ``lamina.metrics.get("mse")`` → ``MeanSquaredError()``.
    """
    if identifier is None or isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, str | dict):
        return deserialize(identifier)
    if inspect.isclass(identifier):
        if not issubclass(identifier, Metric):
            raise _TABLE.unknown(identifier)
        return identifier()
    if callable(identifier):
        name = getattr(identifier, "name", None) or _naming.to_snake_case(
            getattr(identifier, "__name__", type(identifier).__name__)
        )
        return MeanMetricWrapper(identifier, name=name)
    raise _TABLE.unknown(identifier)


_registry.register_resolver("metric", get)

__all__ = [
    "BinaryCrossentropy",
    "CategoricalCrossentropy",
    "CategoricalHinge",
    "CosineSimilarity",
    "Hinge",
    "KLDivergence",
    "LogCoshError",
    "Poisson",
    "SparseCategoricalCrossentropy",
    "SquaredHinge",
    "ALL_OBJECTS_DICT",
    "AUC",
    "Accuracy",
    "BinaryAccuracy",
    "CategoricalAccuracy",
    "MAE",
    "MAPE",
    "MSE",
    "MSLE",
    "Mean",
    "MeanAbsoluteError",
    "MeanAbsolutePercentageError",
    "MeanMetricWrapper",
    "MeanSquaredError",
    "MeanSquaredLogarithmicError",
    "Metric",
    "Precision",
    "Recall",
    "RootMeanSquaredError",
    "SparseCategoricalAccuracy",
    "SparseTopKCategoricalAccuracy",
    "Sum",
    "TopKCategoricalAccuracy",
    "accuracy",
    "accuracy_for",
    "binary_accuracy",
    "categorical_accuracy",
    "deserialize",
    "get",
    "mae",
    "mape",
    "mean_absolute_error",
    "mean_absolute_percentage_error",
    "mean_squared_error",
    "mean_squared_logarithmic_error",
    "mse",
    "msle",
    "serialize",
    "sparse_categorical_accuracy",
    "sparse_top_k_categorical_accuracy",
    "top_k_categorical_accuracy",
]
