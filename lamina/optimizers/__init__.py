"""Keras 3's optimizers as optax transformations, with Keras' names, defaults and math.

Every optimizer is configured like Keras' (``Adam(learning_rate=1e-3, clipnorm=1.0)``)
and runs like optax: ``opt.init(params)``, ``opt.update(grads, opt_state, params)``
(pure, ``jax.jit``-able) and ``optax.apply_updates``. Its updates equal Keras' on the
JAX backend step for step (up to float rounding). The learning rate lives in the
state, so ``opt.learning_rate = 0.01`` between steps needs no recompilation.
``LossScaleOptimizer`` wraps any of them with dynamic loss scaling (for float16).

``get(identifier)`` accepts a name (``"adam"``), an optimizer, a serialized dict or
any optax transformation; ``schedules`` holds Keras' learning-rate schedules.
"""

from lamina.optimizers import schedules
from lamina.optimizers.adagrad import Adagrad
from lamina.optimizers.adam import Adam, ScaleByKerasAdamState, scale_by_keras_adam
from lamina.optimizers.adamax import Adamax, ScaleByKerasAdamaxState, scale_by_keras_adamax
from lamina.optimizers.adamw import AdamW
from lamina.optimizers.base import Optimizer
from lamina.optimizers.lion import Lion
from lamina.optimizers.lookup import ALL_OBJECTS_DICT, deserialize, get, serialize
from lamina.optimizers.loss_scale_optimizer import LossScaleOptimizer, LossScaleState
from lamina.optimizers.nadam import Nadam, ScaleByKerasNadamState, scale_by_keras_nadam
from lamina.optimizers.optax_wrapper import CountedState, OptaxOptimizer
from lamina.optimizers.rmsprop import RMSprop
from lamina.optimizers.sgd import SGD
from lamina.optimizers.transforms import (
    clip_by_global_norm,
    clip_by_norm,
    decoupled_weight_decay,
    keras_clipping,
    unscale_gradients,
)

__all__ = [
    "ALL_OBJECTS_DICT",
    "SGD",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "CountedState",
    "Lion",
    "LossScaleOptimizer",
    "LossScaleState",
    "Nadam",
    "OptaxOptimizer",
    "Optimizer",
    "RMSprop",
    "ScaleByKerasAdamState",
    "ScaleByKerasAdamaxState",
    "ScaleByKerasNadamState",
    "clip_by_global_norm",
    "clip_by_norm",
    "decoupled_weight_decay",
    "deserialize",
    "get",
    "keras_clipping",
    "scale_by_keras_adam",
    "scale_by_keras_adamax",
    "scale_by_keras_nadam",
    "schedules",
    "serialize",
    "unscale_gradients",
]
