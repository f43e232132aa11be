"""Regression metrics: running means of squared, absolute, percentage and log errors.

Each function maps ``y_true``/``y_pred`` of shape ``(batch, ..., d)`` to per-sample
values of shape ``(batch, ...)`` (the mean over the last axis, after Keras' rank
alignment: a trailing 1 is squeezed or added when the ranks differ by one). Each class
is the weighted running mean of its function (``RootMeanSquaredError`` takes the square
root of the mean squared error at the end).
"""

import jax.numpy as jnp

from lamina.metrics.base import as_array, metric_function, squeeze_or_expand_to_same_rank
from lamina.metrics.reduction import Mean, MeanMetricWrapper

_EPSILON = 1e-7  # Keras' backend.epsilon()


def _pair(y_true, y_pred):
    y_pred = as_array(y_pred)
    y_true = as_array(y_true, y_pred.dtype)
    return squeeze_or_expand_to_same_rank(y_true, y_pred)


@metric_function
def mean_squared_error(y_true, y_pred):
    """``mean(square(y_true - y_pred), axis=-1)``: ``(batch, ..., d)`` → ``(batch, ...)``."""
    y_true, y_pred = _pair(y_true, y_pred)
    return jnp.mean(jnp.square(y_true - y_pred), axis=-1)


@metric_function
def mean_absolute_error(y_true, y_pred):
    """``mean(abs(y_true - y_pred), axis=-1)``: ``(batch, ..., d)`` → ``(batch, ...)``."""
    y_true, y_pred = _pair(y_true, y_pred)
    return jnp.mean(jnp.abs(y_true - y_pred), axis=-1)


@metric_function
def mean_absolute_percentage_error(y_true, y_pred):
    """``100 * mean(abs((y_true - y_pred) / max(abs(y_true), 1e-7)), axis=-1)``."""
    y_true, y_pred = _pair(y_true, y_pred)
    diff = jnp.abs((y_true - y_pred) / jnp.maximum(jnp.abs(y_true), _EPSILON))
    return 100.0 * jnp.mean(diff, axis=-1)


@metric_function
def mean_squared_logarithmic_error(y_true, y_pred):
    """``mean(square(log1p(max(y_pred, 1e-7)) - log1p(max(y_true, 1e-7))), axis=-1)``."""
    y_true, y_pred = _pair(y_true, y_pred)
    first = jnp.log(jnp.maximum(y_pred, _EPSILON) + 1.0)
    second = jnp.log(jnp.maximum(y_true, _EPSILON) + 1.0)
    return jnp.mean(jnp.square(first - second), axis=-1)


class _Named(MeanMetricWrapper):
    """A wrapper whose config is only ``name`` and ``dtype`` (its ``fn`` is fixed)."""

    _function = None

    def __init__(self, name=None, dtype=None):
        super().__init__(type(self)._function, name=name, dtype=dtype)

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)


class MeanSquaredError(_Named):
    """Running mean of ``mean_squared_error``.

    Args: ``name`` (default ``"mean_squared_error"``), ``dtype`` (default ``floatx()``).

    Example: ``MeanSquaredError()([[0, 1], [0, 0]], [[1, 1], [0, 0]])`` → ``0.25``.
    """

    _function = staticmethod(mean_squared_error)

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)


class MeanAbsoluteError(_Named):
    """Running mean of ``mean_absolute_error``.

    Args: ``name`` (default ``"mean_absolute_error"``), ``dtype`` (default ``floatx()``).

    Example: ``MeanAbsoluteError()([[0, 1], [0, 0]], [[1, 1], [0, 0]])`` → ``0.25``.
    """

    _function = staticmethod(mean_absolute_error)

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(name=name, dtype=dtype)


class MeanAbsolutePercentageError(_Named):
    """Running mean of ``mean_absolute_percentage_error`` (in percent).

    Args: ``name`` (default ``"mean_absolute_percentage_error"``), ``dtype``.

    Example: ``MeanAbsolutePercentageError()([[1.0]], [[1.5]])`` → ``50.0``.
    """

    _function = staticmethod(mean_absolute_percentage_error)

    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(name=name, dtype=dtype)


class MeanSquaredLogarithmicError(_Named):
    """Running mean of ``mean_squared_logarithmic_error``.

    Args: ``name`` (default ``"mean_squared_logarithmic_error"``), ``dtype``.

    Example: ``MeanSquaredLogarithmicError()([[0.0]], [[1.0]])`` → ``log(2)**2``.
    """

    _function = staticmethod(mean_squared_logarithmic_error)

    def __init__(self, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(name=name, dtype=dtype)


class RootMeanSquaredError(Mean):
    """``sqrt`` of the running mean of ``square(y_pred - y_true)`` over all elements seen.

    ``update(state, y_true, y_pred, sample_weight=None)``; the squared errors of a
    sample are averaged (over the weight's trailing axes) before weighting, as in Keras.

    Args: ``name`` (default ``"root_mean_squared_error"``), ``dtype``.

    Example: ``RootMeanSquaredError()([[0, 1], [0, 0]], [[1, 1], [0, 0]])`` → ``0.5``.
    """

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update(self, state, y_true, y_pred, sample_weight=None) -> dict:
        y_true = as_array(y_true, self.dtype)
        y_pred = as_array(y_pred, self.dtype)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return self._accumulate(state, jnp.square(y_pred - y_true), sample_weight)

    def compute(self, state):
        return jnp.sqrt(super().compute(state))
