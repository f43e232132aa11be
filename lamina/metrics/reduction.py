"""Running reductions: ``Sum``, ``Mean``, and ``MeanMetricWrapper`` (the mean of ``fn``).

Weighting follows Keras: ``sample_weight`` is aligned to the values' rank (a trailing
1 is squeezed or added), the values are averaged down to the weight's rank, the
weight is broadcast over them, and each sample then counts with its (averaged) weight.
"""

import jax.numpy as jnp

from lamina.core import masking
from lamina.metrics.base import (
    FUNCTIONS,
    Metric,
    as_array,
    divide_no_nan,
    squeeze_or_expand_to_same_rank,
)


def reduce_to_samplewise_values(values, sample_weight, reduce_fn, dtype):
    """``(values, sample_weight)`` reduced to one value (and weight) per sample.

    ``values`` of shape ``(batch, ...)`` becomes ``(batch,)`` (a scalar stays a scalar)
    with ``reduce_fn`` over the trailing axes, after multiplying by ``sample_weight``
    broadcast as Keras does; the weight comes back reduced to ``(batch,)`` (or None).
    """
    values = as_array(values, dtype)
    if sample_weight is not None:
        weight = as_array(sample_weight, dtype)
        values, weight = squeeze_or_expand_to_same_rank(values, weight)
        if values.ndim > weight.ndim:
            values = reduce_fn(values, axis=tuple(range(weight.ndim, values.ndim)))
        try:
            weight = jnp.broadcast_to(weight, values.shape)
        except ValueError as err:
            raise ValueError(
                f"`sample_weight` of shape {tuple(jnp.shape(sample_weight))} does not "
                f"broadcast to the per-sample values of shape {values.shape}; expected a "
                "scalar, (batch,), or a prefix of the values' shape."
            ) from err
        values = values * weight
        if weight.ndim > 1:
            weight = reduce_fn(weight, axis=tuple(range(1, weight.ndim)))
        sample_weight = weight
    if values.ndim > 1:
        values = reduce_fn(values, axis=tuple(range(1, values.ndim)))
    return values, sample_weight


class Sum(Metric):
    """The (weighted) sum of all values seen: ``sum(values * sample_weight)``.

    State: ``{"total": ()}``. ``update(state, values, sample_weight=None)`` takes values
    of any shape; the result is a scalar.

    Args:
      name: default ``"sum"``.
      dtype: default ``floatx()``.

    Example: ``Sum()([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])`` → ``4.0``.
    """

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def init_state(self) -> dict:
        return {"total": jnp.zeros((), self.dtype)}

    def update(self, state, values, sample_weight=None) -> dict:
        values, _ = reduce_to_samplewise_values(values, sample_weight, jnp.sum, self.dtype)
        return {"total": state["total"] + jnp.sum(values).astype(self.dtype)}

    def compute(self, state):
        return jnp.asarray(state["total"], self.dtype)


class Mean(Metric):
    """The (weighted) mean of all values seen: ``total / count``.

    State: ``{"total": (), "count": ()}``. Each sample (leading axis) counts with its
    weight; values beyond the weight's rank are averaged first. The result is 0 before
    any update.

    Args:
      name: default ``"mean"``.
      dtype: default ``floatx()``.

    Example: ``Mean()([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])`` → ``2.0``.
    """

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def init_state(self) -> dict:
        return {"total": jnp.zeros((), self.dtype), "count": jnp.zeros((), self.dtype)}

    def update(self, state, values, sample_weight=None) -> dict:
        return self._accumulate(state, values, sample_weight)

    def _accumulate(self, state, values, sample_weight):
        values, weight = reduce_to_samplewise_values(values, sample_weight, jnp.mean, self.dtype)
        if weight is not None:
            count = jnp.sum(weight)
        else:
            count = values.shape[0] if values.ndim >= 1 else 1
        return {
            "total": state["total"] + jnp.sum(values).astype(self.dtype),
            "count": state["count"] + jnp.asarray(count, self.dtype),
        }

    def compute(self, state):
        return divide_no_nan(state["total"], state["count"]).astype(self.dtype)


class MeanMetricWrapper(Mean):
    """The running mean of ``fn(y_true, y_pred, **kwargs)``, a per-sample metric.

    ``update(state, y_true, y_pred, sample_weight=None)``: ``fn`` returns values of
    shape ``(batch, ...)``; they are averaged as in ``Mean``. A mask attached to
    ``y_pred`` (by a masking layer) multiplies ``sample_weight``.

    Args:
      fn: ``fn(y_true, y_pred, **kwargs) -> values``.
      name: default: ``"mean_metric_wrapper"`` made unique.
      dtype: default ``floatx()``.
      **kwargs: passed on to ``fn`` (and saved in the config).

    Example: ``MeanMetricWrapper(lamina.metrics.binary_accuracy, threshold=0.3)``.
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        if not callable(fn):
            raise TypeError(
                f"MeanMetricWrapper: `fn` must be a callable fn(y_true, y_pred), got {fn!r}."
            )
        super().__init__(name=name, dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update(self, state, y_true, y_pred, sample_weight=None) -> dict:
        mask = masking.get_mask(y_pred)
        values = self._fn(_plain(y_true), _plain(y_pred), **self._fn_kwargs)
        if mask is not None:
            mask = as_array(mask, self.dtype)
            if sample_weight is None:
                sample_weight = mask
            else:
                mask, weight = squeeze_or_expand_to_same_rank(
                    mask, as_array(sample_weight, self.dtype)
                )
                sample_weight = weight * mask
        return self._accumulate(state, values, sample_weight)

    def get_config(self) -> dict:
        fn = self._fn
        name = getattr(fn, "__name__", type(fn).__name__)
        serialized = {
            "module": getattr(fn, "__module__", None),
            "class_name": "function",
            "config": name,
            "registered_name": "function",
        }
        return {**super().get_config(), "fn": serialized, **self._fn_kwargs}

    @classmethod
    def from_config(cls, config: dict):
        config = dict(config)
        config["fn"] = resolve_function(config.get("fn"))
        return cls(**config)


def resolve_function(fn, custom_objects=None):
    """A metric function from itself, its name, or ``get_config()``'s ``fn`` entry."""
    if callable(fn):
        return fn
    name = fn.get("config") if isinstance(fn, dict) else fn
    found = (custom_objects or {}).get(name) or FUNCTIONS.get(name)
    if found is None:
        raise ValueError(
            f"MeanMetricWrapper.from_config: unknown metric function {name!r}. Known: "
            f"{', '.join(sorted(FUNCTIONS))}; pass custom functions to "
            "lamina.metrics.deserialize(..., custom_objects={name: fn})."
        )
    return found


def _plain(x):
    """``lamina.Variable`` → its value; anything else as given (``fn`` converts)."""
    return as_array(x) if hasattr(x, "__jax_array__") else x
