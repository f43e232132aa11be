"""Weight constraints with Keras 3's names, arguments and configs.

A constraint maps a weight to its projected value, applied after each optimizer
step: ``lamina.constraints.NonNeg()(w) == maximum(w, 0)``. ``get("max_norm")`` and
friends turn names, serialized dicts and classes into instances.
"""

import jax.numpy as jnp

from lamina.core import registry as _registry
from lamina.utils.object_table import ObjectTable

_EPSILON = 1e-7  # Keras' backend.epsilon(), added to norms before dividing


def _norms(w, axis):
    """``w`` (as an array) and its L2 norms along ``axis``, kept for broadcasting."""
    w = jnp.asarray(w)
    return w, jnp.sqrt(jnp.sum(jnp.square(w), axis=axis, keepdims=True))


def _rescale(w, norms, desired):
    return w.astype(norms.dtype) * (desired / (_EPSILON + norms))


class Constraint:
    """Base class of constraints: ``constraint(w) -> w`` projected (identity here).

    Subclasses implement ``__call__(w)`` and, when they take arguments,
    ``get_config()``.

    Example::

        class Clip(lamina.constraints.Constraint):
            def __call__(self, w):
                return jnp.clip(w, -1.0, 1.0)
    """

    def __call__(self, w):
        return w

    def get_config(self) -> dict:
        """The constructor arguments, as a JSON-serializable dict."""
        return {}

    @classmethod
    def from_config(cls, config: dict):
        """A new instance from the output of ``get_config()``."""
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class MaxNorm(Constraint):
    """Rescales slices whose L2 norm along ``axis`` exceeds ``max_value`` down to it.

    ``w * clip(norm, 0, max_value) / (1e-7 + norm)``.

    Args:
      max_value: the largest allowed norm (default ``2``).
      axis: axis or axes the norm is taken over (default ``0``: for a Dense kernel
        ``(in, out)``, each unit's incoming weight vector).

    Example: ``lamina.constraints.MaxNorm(max_value=2.0, axis=0)(w)``.
    """

    def __init__(self, max_value=2, axis=0):
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w):
        w, norms = _norms(w, self.axis)
        return _rescale(w, norms, jnp.clip(norms, 0, self.max_value))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class MinMaxNorm(Constraint):
    """Moves L2 norms along ``axis`` into ``[min_value, max_value]`` at speed ``rate``.

    The target norm is ``rate * clip(norm, min_value, max_value) + (1 - rate) * norm``
    and the slice is rescaled by ``target / (1e-7 + norm)``.

    Args:
      min_value: smallest allowed norm (default ``0.0``).
      max_value: largest allowed norm (default ``1.0``).
      rate: 1.0 (default) enforces the bounds at once; smaller values move part way.
      axis: axis or axes the norm is taken over (default ``0``).

    Example: ``lamina.constraints.MinMaxNorm(0.5, 1.0, rate=1.0, axis=0)(w)``.
    """

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def __call__(self, w):
        w, norms = _norms(w, self.axis)
        desired = (
            self.rate * jnp.clip(norms, self.min_value, self.max_value) + (1 - self.rate) * norms
        )
        return _rescale(w, norms, desired)

    def get_config(self):
        return {
            "min_value": self.min_value,
            "max_value": self.max_value,
            "rate": self.rate,
            "axis": self.axis,
        }


class NonNeg(Constraint):
    """Clamps negative entries to zero: ``maximum(w, 0)``.

    Args: none.

    Example: ``lamina.constraints.NonNeg()(w)``.
    """

    def __call__(self, w):
        return jnp.maximum(jnp.asarray(w), 0)


class UnitNorm(Constraint):
    """Rescales slices to unit L2 norm along ``axis``: ``w / (1e-7 + norm)``.

    Args:
      axis: axis or axes the norm is taken over (default ``0``).

    Example: ``lamina.constraints.UnitNorm(axis=0)(w)``.
    """

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        w, norms = _norms(w, self.axis)
        return w.astype(norms.dtype) / (_EPSILON + norms)

    def get_config(self):
        return {"axis": self.axis}


# Keras' lowercase names are the classes themselves.
max_norm = MaxNorm
min_max_norm = MinMaxNorm
non_neg = NonNeg
unit_norm = UnitNorm

#: Every name ``get``/``deserialize`` accepts, mapped to its class (case-sensitive, as Keras).
ALL_OBJECTS_DICT = {
    "Constraint": Constraint,
    "MaxNorm": MaxNorm,
    "MinMaxNorm": MinMaxNorm,
    "NonNeg": NonNeg,
    "UnitNorm": UnitNorm,
    "constraint": Constraint,
    "max_norm": MaxNorm,
    "min_max_norm": MinMaxNorm,
    "non_neg": NonNeg,
    "unit_norm": UnitNorm,
}
_TABLE = ObjectTable("constraint", "lamina.constraints", ALL_OBJECTS_DICT)


def serialize(constraint) -> dict | None:
    """``constraint`` as Keras' serialized dict (``module``, ``class_name``, ``config``)."""
    return _TABLE.serialize(constraint)


def deserialize(config, custom_objects=None) -> Constraint:
    """A constraint from ``serialize``'s dict (or ``{"class_name", "config"}``, or a name)."""
    return _TABLE.deserialize(config, custom_objects)


def get(identifier):
    """A constraint from ``identifier``.

    None → None; a ``Constraint`` → itself; a name (``"max_norm"``, ``"MaxNorm"``)
    or a class → a default instance; a serialized dict → its instance; any other
    callable ``f(w) -> w`` → itself. Anything else is a ``ValueError`` listing the
    valid names.

    Example: ``lamina.constraints.get("non_neg")`` → ``NonNeg()``.
    """
    return _TABLE.get(identifier, Constraint)


_registry.register_resolver("constraint", get)
