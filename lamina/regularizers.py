"""Weight regularizers with Keras 3's names, arguments and configs.

A regularizer maps a weight to a scalar penalty added to the loss:
``lamina.regularizers.L2(0.01)(w) == 0.01 * sum(w ** 2)``. ``get("l2")`` and friends
turn names, serialized dicts and classes into instances.
"""

import math

import jax
import jax.numpy as jnp
import numpy as np

from lamina.core import registry as _registry
from lamina.utils.object_table import ObjectTable

_EPSILON = 1e-7  # Keras' backend.epsilon(), the floor of the norm in OrthogonalRegularizer


def _validate_factor(value, name: str) -> float:
    """``value`` as a float; ValueError unless it is a finite non-negative number (as Keras)."""
    if (
        not isinstance(value, int | float | np.integer | np.floating)
        or math.isinf(value)
        or math.isnan(value)
        or value < 0
    ):
        raise ValueError(
            f"Invalid value for argument {name}: expected a non-negative float. "
            f"Received: {name}={value!r}"
        )
    return float(value)


class Regularizer:
    """Base class of regularizers: ``regularizer(x) -> scalar`` penalty (0 here).

    Subclasses implement ``__call__(x)`` and ``get_config()``; ``from_config`` passes
    the config to the constructor.

    Example::

        class L2Sum(lamina.regularizers.Regularizer):
            def __call__(self, x):
                return 1e-3 * jnp.sum(x**2)
    """

    def __call__(self, x):
        return 0.0

    def get_config(self) -> dict:
        """The constructor arguments, as a JSON-serializable dict."""
        raise NotImplementedError(f"{self} does not implement get_config()")

    @classmethod
    def from_config(cls, config: dict):
        """A new instance from the output of ``get_config()``."""
        return cls(**config)

    def __repr__(self):
        try:
            args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        except NotImplementedError:
            args = ""
        return f"{type(self).__name__}({args})"


class L1L2(Regularizer):
    """``l1 * sum(abs(x)) + l2 * sum(square(x))``.

    Args:
      l1: non-negative L1 factor (default ``0.0``; None means 0).
      l2: non-negative L2 factor (default ``0.0``; None means 0).

    Example: ``lamina.regularizers.L1L2(l1=0.01, l2=0.01)(w)``.
    """

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = _validate_factor(0.0 if l1 is None else l1, "l1")
        self.l2 = _validate_factor(0.0 if l2 is None else l2, "l2")

    def __call__(self, x):
        x = jnp.asarray(x)
        penalty = jnp.zeros((), x.dtype)
        if self.l1 != 0.0:
            penalty += jnp.asarray(self.l1, x.dtype) * jnp.sum(jnp.abs(x))
        if self.l2 != 0.0:
            penalty += jnp.asarray(self.l2, x.dtype) * jnp.sum(jnp.square(x))
        return penalty

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(Regularizer):
    """``l1 * sum(abs(x))``.

    Args:
      l1: non-negative factor (default ``0.01``; None means 0.01).

    Example: ``lamina.regularizers.L1(0.01)(w)``.
    """

    def __init__(self, l1=0.01):
        self.l1 = _validate_factor(0.01 if l1 is None else l1, "l1")

    def __call__(self, x):
        x = jnp.asarray(x)
        return jnp.asarray(self.l1, x.dtype) * jnp.sum(jnp.abs(x))

    def get_config(self):
        return {"l1": self.l1}


class L2(Regularizer):
    """``l2 * sum(square(x))`` (no factor 1/2).

    Args:
      l2: non-negative factor (default ``0.01``; None means 0.01).

    Example: ``lamina.regularizers.L2(0.01)(w)``.
    """

    def __init__(self, l2=0.01):
        self.l2 = _validate_factor(0.01 if l2 is None else l2, "l2")

    def __call__(self, x):
        x = jnp.asarray(x)
        return jnp.asarray(self.l2, x.dtype) * jnp.sum(jnp.square(x))

    def get_config(self):
        return {"l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    """Penalizes non-orthogonal rows (or columns) of a rank-2 weight.

    The rows (``mode="rows"``) or columns (``"columns"``) are L2-normalized; the
    penalty is ``factor * 0.5 * sum(|off-diagonal dot products|) / (n * (n - 1) / 2)``
    with ``n`` the number of rows (columns): ``factor / 2`` times the mean absolute
    cosine similarity between distinct pairs.

    Args:
      factor: non-negative strength (default ``0.01``).
      mode: ``"rows"`` (default) or ``"columns"``.

    Example: ``lamina.regularizers.OrthogonalRegularizer(0.01, "rows")(w)``.
    """

    def __init__(self, factor=0.01, mode="rows"):
        self.factor = _validate_factor(factor, "factor")
        if mode not in ("rows", "columns"):
            raise ValueError(
                "Invalid value for argument `mode`. Expected one of "
                f'{{"rows", "columns"}}. Received: mode={mode!r}'
            )
        self.mode = mode

    def __call__(self, x):
        x = jnp.asarray(x)
        if x.ndim != 2:
            raise ValueError(
                "Inputs to OrthogonalRegularizer must have rank 2. "
                f"Received: inputs.shape={x.shape}"
            )
        if self.mode == "columns":
            x = x.T
        inv_norm = jax.lax.rsqrt(jnp.sum(jnp.square(x), axis=1, keepdims=True))
        inv_norm = jnp.minimum(inv_norm, 1.0 / _EPSILON)
        x = x * inv_norm
        size = x.shape[0]
        off_diagonal = (x @ x.T) * (1.0 - jnp.eye(size, dtype=x.dtype))
        num_pairs = size * (size - 1.0) / 2.0
        return self.factor * 0.5 * jnp.sum(jnp.abs(off_diagonal)) / num_pairs

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}


# Keras' lowercase names are the classes themselves.
l1 = L1
l2 = L2
l1_l2 = L1L2
orthogonal_regularizer = OrthogonalRegularizer

#: Every name ``get``/``deserialize`` accepts (Keras' names, plus ``"l1_l2"``).
ALL_OBJECTS_DICT = {
    "Regularizer": Regularizer,
    "L1": L1,
    "L2": L2,
    "L1L2": L1L2,
    "OrthogonalRegularizer": OrthogonalRegularizer,
    "regularizer": Regularizer,
    "l1": L1,
    "l2": L2,
    "l1l2": L1L2,
    "l1_l2": L1L2,
    "orthogonal_regularizer": OrthogonalRegularizer,
}
_TABLE = ObjectTable("regularizer", "lamina.regularizers", ALL_OBJECTS_DICT)


def serialize(regularizer) -> dict | None:
    """``regularizer`` as Keras' serialized dict (``module``, ``class_name``, ``config``)."""
    return _TABLE.serialize(regularizer)


def deserialize(config, custom_objects=None) -> Regularizer:
    """A regularizer from ``serialize``'s dict (or ``{"class_name", "config"}``, or a name)."""
    return _TABLE.deserialize(config, custom_objects)


def get(identifier):
    """A regularizer from ``identifier``.

    None → None; a ``Regularizer`` → itself; a name (``"l2"``, ``"L2"``, ``"l1_l2"``)
    or a class → a default instance; a serialized dict → its instance; any other
    callable ``f(x) -> scalar`` → itself. Anything else is a ``ValueError`` listing
    the valid names.

    Example: ``lamina.regularizers.get({"class_name": "L2", "config": {"l2": 0.1}})``.
    """
    return _TABLE.get(identifier, Regularizer)


_registry.register_resolver("regularizer", get)
