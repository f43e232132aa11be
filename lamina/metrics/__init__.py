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

# Classes ``deserialize`` also knows (they cannot be built from a bare name).
_DESERIALIZABLE = {**ALL_OBJECTS_DICT, "Metric": Metric, "MeanMetricWrapper": MeanMetricWrapper}


def _unknown(identifier):
    return ValueError(
        f"Could not interpret metric identifier: {identifier!r}. Valid names: "
        f"{', '.join(sorted(ALL_OBJECTS_DICT))}; or pass a Metric instance or class, a "
        "serialized dict, or a function fn(y_true, y_pred) -> per-sample values."
    )


def serialize(metric) -> dict | None:
    """``metric`` as Keras' serialized dict (``module``, ``class_name``, ``config``)."""
    if metric is None:
        return None
    cls = type(metric)
    builtin = _DESERIALIZABLE.get(cls.__name__) is cls
    return {
        "module": "lamina.metrics" if builtin else cls.__module__,
        "class_name": cls.__name__,
        "config": metric.get_config(),
        "registered_name": None if builtin else cls.__name__,
    }


def deserialize(config, custom_objects=None) -> Metric:
    """A metric from ``serialize``'s dict (or Keras' ``{"class_name", "config"}``).

    ``custom_objects`` maps extra class names to classes and, for a
    ``MeanMetricWrapper``, function names to functions. A bare string is a name.
    """
    custom_objects = custom_objects or {}
    if isinstance(config, str):
        cls = custom_objects.get(config) or ALL_OBJECTS_DICT.get(config)
        if cls is None:
            raise _unknown(config)
        return cls()
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            f"Could not deserialize metric {config!r}: expected a dict with 'class_name' "
            "and 'config'."
        )
    name = config["class_name"]
    cls = custom_objects.get(name) or _DESERIALIZABLE.get(name)
    if cls is None and config.get("registered_name"):
        cls = custom_objects.get(config["registered_name"])
    if cls is None:
        raise _unknown(name)
    inner = dict(config.get("config") or {})
    if "fn" in inner:
        inner["fn"] = resolve_function(inner["fn"], custom_objects)
    return cls.from_config(inner)


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
            raise _unknown(identifier)
        return identifier()
    if callable(identifier):
        name = getattr(identifier, "name", None) or _naming.to_snake_case(
            getattr(identifier, "__name__", type(identifier).__name__)
        )
        return MeanMetricWrapper(identifier, name=name)
    raise _unknown(identifier)


_registry.register_resolver("metric", get)

__all__ = [
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
