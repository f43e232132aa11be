"""Learning-rate schedules with Keras 3's names, arguments, values and configs.

A schedule is a callable ``schedule(step) -> learning rate`` built from ``jax.numpy``,
so it works under ``jax.jit`` and is also an optax schedule: pass it as any lamina
optimizer's ``learning_rate`` or to ``optax.inject_hyperparams``. ``step`` counts the
updates already applied (0 for the first update), as in Keras.

``serialize``/``deserialize`` use Keras' dict format (``class_name`` + ``config``) and
also read the dicts Keras itself writes for its built-in schedules.

Example::

    schedule = lamina.optimizers.schedules.ExponentialDecay(0.1, 1000, 0.96)
    opt = lamina.optimizers.SGD(learning_rate=schedule)
"""

from lamina.optimizers.schedules.base import LearningRateSchedule
from lamina.optimizers.schedules.cosine import CosineDecay, CosineDecayRestarts
from lamina.optimizers.schedules.decays import (
    ExponentialDecay,
    InverseTimeDecay,
    PiecewiseConstantDecay,
    PolynomialDecay,
)

#: Every class name ``deserialize`` accepts, mapped to its class.
ALL_OBJECTS_DICT = {
    cls.__name__: cls
    for cls in (
        LearningRateSchedule,
        ExponentialDecay,
        PiecewiseConstantDecay,
        PolynomialDecay,
        InverseTimeDecay,
        CosineDecay,
        CosineDecayRestarts,
    )
}


def serialize(schedule: LearningRateSchedule) -> dict:
    """``schedule`` as Keras' serialized dict (``module``, ``class_name``, ``config``)."""
    cls = type(schedule)
    builtin = ALL_OBJECTS_DICT.get(cls.__name__) is cls
    return {
        "module": "lamina.optimizers.schedules" if builtin else cls.__module__,
        "class_name": cls.__name__,
        "config": schedule.get_config(),
        "registered_name": None if builtin else cls.__name__,
    }


def deserialize(config: dict, custom_objects: dict | None = None) -> LearningRateSchedule:
    """A schedule from ``serialize``'s dict (or the one Keras writes).

    ``custom_objects`` maps extra class names to classes.

    Example: ``deserialize({"class_name": "CosineDecay", "config": {...}})``.
    """
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            "Could not deserialize a learning rate schedule from "
            f"{config!r}: expected a dict with 'class_name' and 'config'."
        )
    objects = {**ALL_OBJECTS_DICT, **(custom_objects or {})}
    name = config["class_name"]
    cls = objects.get(name) or objects.get(config.get("registered_name") or "")
    if cls is None:
        raise ValueError(
            f"Unknown learning rate schedule {name!r}. Valid names: "
            f"{', '.join(sorted(ALL_OBJECTS_DICT))} (or pass it in `custom_objects`)."
        )
    return cls.from_config(dict(config.get("config") or {}))


__all__ = [
    "ALL_OBJECTS_DICT",
    "CosineDecay",
    "CosineDecayRestarts",
    "ExponentialDecay",
    "InverseTimeDecay",
    "LearningRateSchedule",
    "PiecewiseConstantDecay",
    "PolynomialDecay",
    "deserialize",
    "serialize",
]
