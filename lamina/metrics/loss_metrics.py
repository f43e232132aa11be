"""Metrics that are running means of a loss function: Keras' probabilistic, hinge
and extra regression metrics (``"binary_crossentropy"``, ``"kl_divergence"``, ...).

Each class is the weighted running mean of the matching per-sample function in
``lamina.losses`` (so ``compile(metrics=["sparse_categorical_crossentropy"])``
reports the loss value without regularization terms); their configs carry the
function's arguments under Keras' keys.
"""

from lamina.losses import hinges, probabilistic, regression
from lamina.metrics.reduction import MeanMetricWrapper


class _LossMean(MeanMetricWrapper):
    """The running mean of ``_function(y_true, y_pred, **arguments)``."""

    _function = None

    def __init__(self, name, dtype=None, **arguments):
        super().__init__(type(self)._function, name=name, dtype=dtype, **arguments)
        self._arguments = arguments

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype, **self._arguments}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)


class BinaryCrossentropy(_LossMean):
    """Running mean of ``binary_crossentropy``; ``y_pred`` probabilities (or logits
    with ``from_logits=True``), shape ``(batch, ..., d)``.

    Example: ``BinaryCrossentropy()([[0, 1]], [[0.4, 0.6]])`` → ``0.511``.
    """

    _function = staticmethod(probabilistic.binary_crossentropy)

    def __init__(
        self, name="binary_crossentropy", dtype=None, from_logits=False, label_smoothing=0
    ):
        super().__init__(name, dtype, from_logits=from_logits, label_smoothing=label_smoothing)


class CategoricalCrossentropy(_LossMean):
    """Running mean of ``categorical_crossentropy`` over one-hot ``y_true``.

    Example: ``CategoricalCrossentropy()([[0, 1]], [[0.4, 0.6]])`` → ``0.511``.
    """

    _function = staticmethod(probabilistic.categorical_crossentropy)

    def __init__(
        self,
        name="categorical_crossentropy",
        dtype=None,
        from_logits=False,
        label_smoothing=0,
        axis=-1,
    ):
        super().__init__(
            name, dtype, from_logits=from_logits, label_smoothing=label_smoothing, axis=axis
        )


class SparseCategoricalCrossentropy(_LossMean):
    """Running mean of ``sparse_categorical_crossentropy`` over integer ``y_true``.

    Example: ``SparseCategoricalCrossentropy()([1], [[0.4, 0.6]])`` → ``0.511``.
    """

    _function = staticmethod(probabilistic.sparse_categorical_crossentropy)

    def __init__(
        self,
        name="sparse_categorical_crossentropy",
        dtype=None,
        from_logits=False,
        ignore_class=None,
        axis=-1,
    ):
        super().__init__(name, dtype, from_logits=from_logits, ignore_class=ignore_class, axis=axis)


class KLDivergence(_LossMean):
    """Running mean of ``kl_divergence(y_true, y_pred)``.

    Example: ``KLDivergence()([[0.5, 0.5]], [[0.5, 0.5]])`` → ``0.0``.
    """

    _function = staticmethod(probabilistic.kl_divergence)

    def __init__(self, name="kl_divergence", dtype=None):
        super().__init__(name, dtype)


class Poisson(_LossMean):
    """Running mean of ``poisson(y_true, y_pred)``.

    Example: ``Poisson()([[1.0]], [[1.0]])`` → ``1.0``.
    """

    _function = staticmethod(probabilistic.poisson)

    def __init__(self, name="poisson", dtype=None):
        super().__init__(name, dtype)


class Hinge(_LossMean):
    """Running mean of ``hinge`` (labels in {-1, 1} or {0, 1}).

    Example: ``Hinge()([[1.0]], [[0.5]])`` → ``0.5``.
    """

    _function = staticmethod(hinges.hinge)

    def __init__(self, name="hinge", dtype=None):
        super().__init__(name, dtype)


class SquaredHinge(_LossMean):
    """Running mean of ``squared_hinge``.

    Example: ``SquaredHinge()([[1.0]], [[0.5]])`` → ``0.25``.
    """

    _function = staticmethod(hinges.squared_hinge)

    def __init__(self, name="squared_hinge", dtype=None):
        super().__init__(name, dtype)


class CategoricalHinge(_LossMean):
    """Running mean of ``categorical_hinge`` over one-hot ``y_true``.

    Example: ``CategoricalHinge()([[0, 1]], [[0.0, 1.0]])`` → ``0.0``.
    """

    _function = staticmethod(hinges.categorical_hinge)

    def __init__(self, name="categorical_hinge", dtype=None):
        super().__init__(name, dtype)


class LogCoshError(_LossMean):
    """Running mean of ``log_cosh(y_pred - y_true)`` over the last axis.

    Example: ``LogCoshError()([[0.0]], [[1.0]])`` → ``0.434``.
    """

    _function = staticmethod(regression.log_cosh)

    def __init__(self, name="logcosh", dtype=None):
        super().__init__(name, dtype)


def cosine_similarity(y_true, y_pred, axis=-1):
    """The cosine similarity of ``y_true`` and ``y_pred`` along ``axis`` (1: aligned)."""
    return -regression.cosine_similarity(y_true, y_pred, axis=axis)


class CosineSimilarity(_LossMean):
    """Running mean of the cosine similarity along ``axis`` (not its negative, as the
    loss is: higher is more similar).

    Example: ``CosineSimilarity()([[1.0, 1.0]], [[2.0, 2.0]])`` → ``1.0``.
    """

    _function = staticmethod(cosine_similarity)

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(name, dtype, axis=axis)


LOSS_METRICS = (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    SparseCategoricalCrossentropy,
    KLDivergence,
    Poisson,
    Hinge,
    SquaredHinge,
    CategoricalHinge,
    LogCoshError,
    CosineSimilarity,
)
