"""``get``, ``serialize`` and ``deserialize``: optimizers from names, dicts and optax objects."""

from lamina.optimizers.adagrad import Adagrad
from lamina.optimizers.adam import Adam
from lamina.optimizers.adamax import Adamax
from lamina.optimizers.adamw import AdamW
from lamina.optimizers.base import Optimizer
from lamina.optimizers.lion import Lion
from lamina.optimizers.loss_scale_optimizer import LossScaleOptimizer
from lamina.optimizers.nadam import Nadam
from lamina.optimizers.optax_wrapper import OptaxOptimizer
from lamina.optimizers.rmsprop import RMSprop
from lamina.optimizers.sgd import SGD

#: Every name ``get``/``deserialize`` accepts (lower case; lookups ignore case).
ALL_OBJECTS_DICT = {
    cls.__name__.lower(): cls for cls in (SGD, Adam, AdamW, RMSprop, Adagrad, Adamax, Nadam, Lion)
}
# Built-in wrappers: deserializable, but not constructible from a bare name.
_WRAPPERS = {"lossscaleoptimizer": LossScaleOptimizer}


def _unknown(identifier) -> ValueError:
    return ValueError(
        f"Could not interpret optimizer identifier: {identifier!r}. Expected one of the "
        f"names {', '.join(sorted(ALL_OBJECTS_DICT))} (any case), a "
        "lamina.optimizers.Optimizer, an optax transformation or a serialized dict."
    )


def serialize(optimizer: Optimizer) -> dict:
    """``optimizer`` as Keras' serialized dict (``module``, ``class_name``, ``config``)."""
    cls = type(optimizer)
    name = cls.__name__.lower()
    builtin = (ALL_OBJECTS_DICT.get(name) or _WRAPPERS.get(name)) is cls
    return {
        "module": "lamina.optimizers" if builtin else cls.__module__,
        "class_name": cls.__name__,
        "config": optimizer.get_config(),
        "registered_name": None if builtin else cls.__name__,
    }


def deserialize(config: dict, custom_objects: dict | None = None) -> Optimizer:
    """A new optimizer from ``serialize``'s dict (or the one Keras writes).

    ``custom_objects`` maps extra class names to classes.

    Example: ``deserialize({"class_name": "Adam", "config": {"learning_rate": 0.01}})``.
    """
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            f"Could not deserialize an optimizer from {config!r}: expected a dict with "
            "'class_name' and 'config'."
        )
    objects = {
        **ALL_OBJECTS_DICT,
        **_WRAPPERS,
        **{k.lower(): v for k, v in (custom_objects or {}).items()},
    }
    name = config["class_name"]
    cls = objects.get(name.lower()) or objects.get((config.get("registered_name") or "").lower())
    if cls is None:
        raise _unknown(name)
    return cls.from_config(dict(config.get("config") or {}), custom_objects=custom_objects)


def get(identifier):
    """An optimizer object from ``identifier``.

    A name (``"adam"``, ``"RMSprop"``; case-insensitive) → a new instance with Keras'
    defaults; an ``Optimizer`` or ``OptaxOptimizer`` → itself; a serialized dict → its
    instance; any other optax transformation (anything with ``init``/``update``) →
    wrapped in ``OptaxOptimizer``. Anything else is a ``ValueError`` listing the names.

    Example: ``lamina.optimizers.get("adam")`` → ``Adam()``.
    """
    if isinstance(identifier, Optimizer | OptaxOptimizer):
        return identifier
    if isinstance(identifier, str):
        cls = ALL_OBJECTS_DICT.get(identifier.lower())
        if cls is None:
            raise _unknown(identifier)
        return cls()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if callable(getattr(identifier, "init", None)) and callable(
        getattr(identifier, "update", None)
    ):
        return OptaxOptimizer(identifier)
    raise _unknown(identifier)
