"""Weight initializers with Keras 3's names, arguments, defaults and configs.

Every initializer has two faces: ``initializer(shape, dtype=None)`` (Keras' call: an
int ``seed`` gives the same values each call, ``seed=None`` fresh values from the
global seed) and the pure ``initializer.sample(key, shape, dtype=None)`` that
``model.init(key)`` uses, which draws only from ``key`` and works under
``jax.jit``/``jax.vmap``.

``get(identifier)`` turns a name (``"glorot_uniform"``), a class name
(``"GlorotUniform"``), a serialized dict, a class or an instance into an initializer.
"""

import inspect

import jax
import numpy as np

from lamina.core import config as _config
from lamina.core import registry as _registry
from lamina.initializers.base import DeterministicInitializer, Initializer, standardize_shape
from lamina.initializers.constant_initializers import Constant, Identity, Ones, Zeros
from lamina.initializers.random_initializers import (
    Orthogonal,
    RandomInitializer,
    RandomNormal,
    RandomUniform,
    TruncatedNormal,
)
from lamina.initializers.variance_scaling import (
    GlorotNormal,
    GlorotUniform,
    HeNormal,
    HeUniform,
    LecunNormal,
    LecunUniform,
    VarianceScaling,
    compute_fans,
)
from lamina.utils.object_table import ObjectTable

# Keras' lowercase names: ``keras.initializers.glorot_uniform`` is the class.
zeros = Zeros
ones = Ones
constant = Constant
identity = Identity
random_normal = RandomNormal
random_uniform = RandomUniform
truncated_normal = TruncatedNormal
variance_scaling = VarianceScaling
glorot_normal = GlorotNormal
glorot_uniform = GlorotUniform
he_normal = HeNormal
he_uniform = HeUniform
lecun_normal = LecunNormal
lecun_uniform = LecunUniform
orthogonal = Orthogonal

_CLASSES = (
    Initializer,
    Constant,
    Zeros,
    Ones,
    Identity,
    RandomNormal,
    RandomUniform,
    TruncatedNormal,
    VarianceScaling,
    GlorotNormal,
    GlorotUniform,
    HeNormal,
    HeUniform,
    LecunNormal,
    LecunUniform,
    Orthogonal,
)

_SNAKE = {
    "initializer": Initializer,
    "constant": Constant,
    "zeros": Zeros,
    "ones": Ones,
    "identity": Identity,
    "random_normal": RandomNormal,
    "random_uniform": RandomUniform,
    "truncated_normal": TruncatedNormal,
    "variance_scaling": VarianceScaling,
    "glorot_normal": GlorotNormal,
    "glorot_uniform": GlorotUniform,
    "he_normal": HeNormal,
    "he_uniform": HeUniform,
    "lecun_normal": LecunNormal,
    "lecun_uniform": LecunUniform,
    "orthogonal": Orthogonal,
}

#: Every name ``get``/``deserialize`` accepts, mapped to its class (case-sensitive, as Keras).
ALL_OBJECTS_DICT = {
    **{cls.__name__: cls for cls in _CLASSES},
    **_SNAKE,
    # Keras' extra aliases.
    "normal": RandomNormal,
    "uniform": RandomUniform,
    "one": Ones,
    "zero": Zeros,
    "IdentityInitializer": Identity,
    "OrthogonalInitializer": Orthogonal,
}
_TABLE = ObjectTable("initializer", "lamina.initializers", ALL_OBJECTS_DICT)


class _ArrayInitializer(DeterministicInitializer):
    """The values of a given array, cast to the requested dtype (``get(array)``)."""

    def __init__(self, value):
        self.value = value

    def sample(self, key, shape, dtype=None):
        if standardize_shape(shape) != tuple(self.value.shape):
            raise ValueError(
                f"Expected `shape` to be {tuple(self.value.shape)} for direct tensor as "
                f"initializer. Received shape={shape}"
            )
        return jax.numpy.asarray(self.value).astype(_config.standardize_dtype(dtype))

    def get_config(self):
        raise NotImplementedError("An initializer made from an array cannot be serialized.")


def serialize(initializer) -> dict | None:
    """``initializer`` as Keras' serialized dict (``module``, ``class_name``, ``config``)."""
    return _TABLE.serialize(initializer)


def deserialize(config, custom_objects=None) -> Initializer:
    """An initializer from ``serialize``'s dict (or Keras' ``{"class_name", "config"}``).

    ``custom_objects`` maps extra class names to classes. A bare string is a name.
    """
    return _TABLE.deserialize(config, custom_objects)


def get(identifier):
    """An initializer from ``identifier``.

    None → None; an ``Initializer`` → itself; a name (``"he_normal"``,
    ``"HeNormal"``) or a class → a new default instance; a serialized dict → its
    instance; a NumPy/JAX array → an initializer returning it (for its own shape);
    any other callable ``f(shape, dtype=None)`` → itself. Anything else is a
    ``ValueError`` listing the valid names.

    Example: ``lamina.initializers.get("glorot_uniform")`` → ``GlorotUniform()``.
    """
    if isinstance(identifier, np.ndarray | np.generic | jax.Array):
        return _ArrayInitializer(identifier)
    return _TABLE.get(identifier, Initializer)


_registry.register_resolver("initializer", get)

__all__ = [
    "ALL_OBJECTS_DICT",
    "Constant",
    "GlorotNormal",
    "GlorotUniform",
    "HeNormal",
    "HeUniform",
    "Identity",
    "Initializer",
    "LecunNormal",
    "LecunUniform",
    "Ones",
    "Orthogonal",
    "RandomInitializer",
    "RandomNormal",
    "RandomUniform",
    "TruncatedNormal",
    "VarianceScaling",
    "Zeros",
    "compute_fans",
    "constant",
    "deserialize",
    "get",
    "glorot_normal",
    "glorot_uniform",
    "he_normal",
    "he_uniform",
    "identity",
    "lecun_normal",
    "lecun_uniform",
    "ones",
    "orthogonal",
    "random_normal",
    "random_uniform",
    "serialize",
    "truncated_normal",
    "variance_scaling",
    "zeros",
]
