"""lamina: Keras' subclassing API on JAX, where every layer is also a pure function.

``import lamina as keras`` runs Keras subclassing code; every layer also offers
``init`` / ``apply`` / ``split`` / ``merge`` for plain JAX.
"""

__version__ = "0.1.0"

# Importing these registers their string lookups with the engine (lamina.core.registry).
from lamina import (
    activations,
    callbacks,
    config,
    constraints,
    datasets,
    distribution,
    dtype_policies,
    initializers,
    layers,
    losses,
    metrics,
    mixed_precision,
    models,
    ops,
    optimizers,
    random,
    regularizers,
    saving,
    utils,
)
from lamina.core.dtype_policy import DTypePolicy
from lamina.core.input_spec import InputSpec
from lamina.core.layer import Layer
from lamina.core.naming import reset_names
from lamina.core.variable import Variable
from lamina.models import Functional, Input, Model, Sequential
