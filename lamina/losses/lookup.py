"""Losses by name and by config: ``get``, ``serialize``, ``deserialize`` (Keras' rules).

A string is looked up exactly as Keras 3 does: a class name (``"Huber"``) gives a
default instance, a function name (``"huber"``) or alias (``"mse"``, ``"MSE"``,
``"bce"``, ``"kld"``, ``"mae"``, ``"mape"``, ``"msle"``) gives the function.
"""

import inspect

from lamina.core import registry as _registry
from lamina.losses import focal as _focal
from lamina.losses import hinges as _hinge
from lamina.losses import probabilistic as _prob
from lamina.losses import regression as _reg
from lamina.losses import segmentation as _seg
from lamina.losses import sequence as _sequence
from lamina.losses import similarity as _sim
from lamina.losses.base import Loss, LossFunctionWrapper, serialize_function

_CLASSES = (
    Loss,
    LossFunctionWrapper,
    _prob.KLDivergence,
    _prob.Poisson,
    _prob.BinaryCrossentropy,
    _prob.CategoricalCrossentropy,
    _prob.SparseCategoricalCrossentropy,
    _reg.MeanSquaredError,
    _reg.MeanAbsoluteError,
    _reg.MeanAbsolutePercentageError,
    _reg.MeanSquaredLogarithmicError,
    _reg.CosineSimilarity,
    _reg.LogCosh,
    _reg.Huber,
    _hinge.Hinge,
    _hinge.SquaredHinge,
    _hinge.CategoricalHinge,
    _focal.BinaryFocalCrossentropy,
    _focal.CategoricalFocalCrossentropy,
    _seg.Dice,
    _seg.Tversky,
    _sim.Circle,
    _sequence.CTC,
)
_FUNCTIONS = (
    _prob.kl_divergence,
    _prob.poisson,
    _prob.binary_crossentropy,
    _prob.categorical_crossentropy,
    _prob.sparse_categorical_crossentropy,
    _reg.mean_squared_error,
    _reg.mean_absolute_error,
    _reg.mean_absolute_percentage_error,
    _reg.mean_squared_logarithmic_error,
    _reg.cosine_similarity,
    _reg.log_cosh,
    _reg.huber,
    _hinge.hinge,
    _hinge.squared_hinge,
    _hinge.categorical_hinge,
    _focal.binary_focal_crossentropy,
    _focal.categorical_focal_crossentropy,
    _seg.dice,
    _seg.tversky,
    _sim.circle,
    _sequence.ctc,
)

#: Every name ``get``/``deserialize`` accepts (case-sensitive, as Keras).
ALL_OBJECTS_DICT = {obj.__name__: obj for obj in _CLASSES + _FUNCTIONS}
ALL_OBJECTS_DICT.update(
    {
        "bce": _prob.binary_crossentropy,
        "BCE": _prob.binary_crossentropy,
        "kld": _prob.kl_divergence,
        "KLD": _prob.kl_divergence,
        "mae": _reg.mean_absolute_error,
        "MAE": _reg.mean_absolute_error,
        "mse": _reg.mean_squared_error,
        "MSE": _reg.mean_squared_error,
        "mape": _reg.mean_absolute_percentage_error,
        "MAPE": _reg.mean_absolute_percentage_error,
        "msle": _reg.mean_squared_logarithmic_error,
        "MSLE": _reg.mean_squared_logarithmic_error,
    }
)


def _unknown(identifier) -> ValueError:
    return ValueError(
        f"Could not interpret loss identifier: {identifier!r}. Expected a `Loss`, a "
        "callable, a serialized dict, or one of these names: "
        f"{', '.join(sorted(ALL_OBJECTS_DICT))}"
    )


def _lookup(name, custom_objects=None):
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    return ALL_OBJECTS_DICT.get(name)


def serialize(loss):
    """``loss`` (a ``Loss`` or a named function) as Keras' serialized dict; None stays None.

    Example: ``serialize(MeanSquaredError())["class_name"] == "MeanSquaredError"``.
    """
    if loss is None:
        return None
    if isinstance(loss, Loss):
        cls = type(loss)
        builtin = ALL_OBJECTS_DICT.get(cls.__name__) is cls
        return {
            "module": "lamina.losses" if builtin else cls.__module__,
            "class_name": cls.__name__,
            "config": loss.get_config(),
            "registered_name": None if builtin else cls.__name__,
        }
    if callable(loss) and not inspect.isclass(loss):
        return serialize_function(loss)
    raise ValueError(
        f"Cannot serialize loss {loss!r}: expected a `lamina.losses.Loss` or a named function."
    )


def deserialize_function(config, custom_objects=None):
    """The function a name or a function dict (``class_name == "function"``) refers to."""
    name = config["config"] if isinstance(config, dict) else config
    fn = _lookup(name, custom_objects) if isinstance(name, str) else None
    if fn is None or inspect.isclass(fn):
        raise ValueError(
            f"Could not deserialize loss function {config!r}: unknown function name. "
            "Pass custom functions in `custom_objects`."
        )
    return fn


def deserialize(config, custom_objects=None):
    """A ``Loss`` instance or a loss function from ``serialize``'s output (or a name).

    ``custom_objects`` (name → class or function) is searched before the built-ins.

    Example: ``deserialize({"class_name": "Huber", "config": {"delta": 2.0}})``.
    """
    if isinstance(config, str):
        obj = _lookup(config, custom_objects)
        if obj is None:
            raise _unknown(config)
        return obj() if inspect.isclass(obj) else obj
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            f"Could not deserialize loss {config!r}: expected a name or a dict with "
            "'class_name' and 'config'."
        )
    if config["class_name"] == "function":
        return deserialize_function(config, custom_objects)
    cls = _lookup(config["class_name"], custom_objects)
    if cls is None and config.get("registered_name"):
        cls = _lookup(config["registered_name"], custom_objects)
    if cls is None or not inspect.isclass(cls):
        raise _unknown(config["class_name"])
    inner = dict(config.get("config") or {})
    if issubclass(cls, LossFunctionWrapper) and isinstance(inner.get("fn"), dict | str):
        inner["fn"] = deserialize_function(inner["fn"], custom_objects)
    return cls.from_config(inner)


def get(identifier):
    """A loss from ``identifier``, as ``keras.losses.get``.

    None → None; a name → the function or a default class instance (see the
    module docstring); a serialized dict → its instance (or function); a class →
    a default instance; a ``Loss`` or any other callable → itself. Anything else
    is a ValueError listing the valid names.

    Example: ``get("mse") is mean_squared_error``; ``get("Huber")`` is ``Huber()``.
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = ALL_OBJECTS_DICT.get(identifier)
        if obj is None:
            raise _unknown(identifier)
    else:
        obj = identifier
    if not callable(obj):
        raise _unknown(identifier)
    return obj() if inspect.isclass(obj) else obj


_registry.register_resolver("loss", get)
