"""Losses with Keras 3's names, arguments, defaults, reductions and configs.

Classes (``MeanSquaredError()``, ``BinaryCrossentropy(from_logits=True)``, ...) are
called as ``loss(y_true, y_pred, sample_weight=None)`` and return a reduced scalar
(see :class:`Loss` for the reductions). Functions (``mean_squared_error``, ...)
return per-sample losses with the last (class/feature) axis reduced away. All are
pure ``jax.numpy``: they work under ``jax.jit``, ``jax.grad`` and ``jax.vmap`` and
take JAX arrays, NumPy arrays and ``lamina.Variable``s.

Besides the regression, probabilistic and hinge losses, Keras' focal
cross-entropies, Dice, Tversky, Circle and CTC losses are here too, so that every
name ``keras.losses.get`` accepts works: ``get("mse")``,
``get("CategoricalCrossentropy")`` and ``get(config_dict)`` turn identifiers into
losses as Keras does.
"""

from lamina.losses.base import Loss, LossFunctionWrapper
from lamina.losses.focal import (
    BinaryFocalCrossentropy,
    CategoricalFocalCrossentropy,
    binary_focal_crossentropy,
    categorical_focal_crossentropy,
)
from lamina.losses.hinges import (
    CategoricalHinge,
    Hinge,
    SquaredHinge,
    categorical_hinge,
    hinge,
    squared_hinge,
)
from lamina.losses.lookup import ALL_OBJECTS_DICT, deserialize, get, serialize
from lamina.losses.probabilistic import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    KLDivergence,
    Poisson,
    SparseCategoricalCrossentropy,
    binary_crossentropy,
    categorical_crossentropy,
    kl_divergence,
    poisson,
    sparse_categorical_crossentropy,
)
from lamina.losses.reduction import reduce_weighted_values, standardize_reduction
from lamina.losses.regression import (
    CosineSimilarity,
    Huber,
    LogCosh,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    cosine_similarity,
    huber,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
)
from lamina.losses.segmentation import Dice, Tversky, dice, tversky
from lamina.losses.sequence import CTC, ctc
from lamina.losses.similarity import Circle, circle

__all__ = [
    "ALL_OBJECTS_DICT",
    "BinaryCrossentropy",
    "BinaryFocalCrossentropy",
    "CTC",
    "CategoricalCrossentropy",
    "CategoricalFocalCrossentropy",
    "CategoricalHinge",
    "Circle",
    "CosineSimilarity",
    "Dice",
    "Hinge",
    "Huber",
    "KLDivergence",
    "LogCosh",
    "Loss",
    "LossFunctionWrapper",
    "MeanAbsoluteError",
    "MeanAbsolutePercentageError",
    "MeanSquaredError",
    "MeanSquaredLogarithmicError",
    "Poisson",
    "SparseCategoricalCrossentropy",
    "SquaredHinge",
    "Tversky",
    "binary_crossentropy",
    "binary_focal_crossentropy",
    "categorical_crossentropy",
    "categorical_focal_crossentropy",
    "categorical_hinge",
    "circle",
    "cosine_similarity",
    "ctc",
    "deserialize",
    "dice",
    "get",
    "hinge",
    "huber",
    "kl_divergence",
    "log_cosh",
    "mean_absolute_error",
    "mean_absolute_percentage_error",
    "mean_squared_error",
    "mean_squared_logarithmic_error",
    "poisson",
    "reduce_weighted_values",
    "serialize",
    "sparse_categorical_crossentropy",
    "squared_hinge",
    "standardize_reduction",
    "tversky",
]
