"""``Loss``, the base class of losses, and ``LossFunctionWrapper``.

A loss is called as ``loss(y_true, y_pred, sample_weight=None)``: ``call`` gives
the per-sample losses and :mod:`lamina.losses.reduction` weights and reduces them.
Calling is pure ``jax.numpy``, so a loss object can be used inside ``jax.jit`` and
``jax.grad`` as it is.
"""

import jax
import jax.numpy as jnp

from lamina.core import config as _config
from lamina.core.masking import get_mask
from lamina.core.naming import to_snake_case, unique_name
from lamina.losses._common import squeeze_or_expand_to_same_rank
from lamina.losses.reduction import reduce_weighted_values, standardize_reduction


def _standardize_dtype(dtype) -> str:
    """A dtype, a Keras dtype-policy name (``"mixed_float16"``) or policy → compute dtype."""
    if dtype is None:
        return _config.floatx()
    if hasattr(dtype, "compute_dtype"):
        dtype = dtype.compute_dtype
    if isinstance(dtype, str) and dtype.startswith("mixed_"):
        dtype = dtype[len("mixed_") :]
    return _config.standardize_dtype(dtype)


def _convert(structure, dtype):
    """Every array leaf of ``structure`` as a ``dtype`` array (None stays None).

    Dicts are structures, and so are lists/tuples holding arrays or dicts (as for
    a model with several outputs); nested lists of numbers are one array.
    """
    if structure is None:
        return None
    if isinstance(structure, dict):
        return {k: _convert(v, dtype) for k, v in structure.items()}
    if isinstance(structure, list | tuple) and any(
        isinstance(item, dict) or hasattr(item, "shape") for item in structure
    ):
        return type(structure)(_convert(item, dtype) for item in structure)
    return jnp.asarray(structure, dtype=dtype)


class Loss:
    """Base class of losses: ``loss(y_true, y_pred, sample_weight=None) -> scalar``.

    Subclasses implement ``call(y_true, y_pred)``, returning per-sample losses
    (e.g. shape ``(batch,)`` for inputs of shape ``(batch, features)``); ``__call__``
    converts both inputs to ``dtype``, weights the losses by ``sample_weight`` and
    by any mask of ``y_pred`` (or of the losses), and applies ``reduction``.

    Args:
      name: the loss's name (default: the class name in snake_case, made unique).
      reduction: ``"sum_over_batch_size"`` (default: the weighted sum over the
        number of loss elements), ``"sum"``, ``"mean"`` (as the default),
        ``"mean_with_sample_weight"`` (the weighted sum over the sum of the
        weights), or ``"none"``/None (the weighted per-sample losses).
      dtype: the computation dtype (default ``lamina.config.floatx()``, float32);
        a Keras dtype policy (or its name) gives its compute dtype.

    Example::

        class MeanSquaredError(lamina.losses.Loss):
            def call(self, y_true, y_pred):
                return jnp.mean(jnp.square(y_pred - y_true), axis=-1)
    """

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        self.name = name or unique_name(to_snake_case(type(self).__name__))
        self.reduction = standardize_reduction(reduction)
        self._dtype = _standardize_dtype(dtype)

    @property
    def dtype(self) -> str:
        """The computation dtype, as a string (``"float32"``)."""
        return self._dtype

    def __call__(self, y_true, y_pred, sample_weight=None):
        """The reduced loss (a scalar), or the weighted per-sample losses for ``"none"``."""
        in_mask = get_mask(y_pred)
        y_pred = _convert(y_pred, self.dtype)
        y_true = _convert(y_true, self.dtype)
        losses = self.call(y_true, y_pred)
        out_mask = get_mask(losses)
        if in_mask is not None and out_mask is not None:
            mask = jnp.logical_and(in_mask, out_mask)
        else:
            mask = in_mask if in_mask is not None else out_mask
        return reduce_weighted_values(
            losses,
            sample_weight=sample_weight,
            mask=mask,
            reduction=self.reduction,
            dtype=self.dtype,
        )

    def call(self, y_true, y_pred):
        """The per-sample losses; subclasses implement it."""
        raise NotImplementedError(f"{type(self).__name__} must implement `call(y_true, y_pred)`.")

    def get_config(self) -> dict:
        """The constructor arguments, as a JSON-serializable dict (Keras' keys)."""
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config: dict):
        """A new instance from the output of ``get_config()``."""
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r} reduction={self.reduction!r}>"


def serialize_function(fn) -> dict:
    """A named function as Keras' function dict (``class_name == "function"``)."""
    name = getattr(fn, "__name__", None)
    if not name or name == "<lambda>":
        raise ValueError(
            f"Cannot serialize loss function {fn!r}: only named functions serialize "
            "(define it with `def`, and pass it in `custom_objects` when loading)."
        )
    return {
        "module": "builtins",
        "class_name": "function",
        "config": name,
        "registered_name": "function",
    }


class LossFunctionWrapper(Loss):
    """A ``Loss`` around a function ``fn(y_true, y_pred, **kwargs) -> per-sample losses``.

    Before ``fn`` runs, ranks that differ by a trailing size-1 axis are aligned
    (``(batch,)`` labels against ``(batch, 1)`` predictions become both
    ``(batch, 1)``). The built-in loss classes are such wrappers.

    Args:
      fn: the loss function.
      reduction, name, dtype: as for ``Loss``.
      **kwargs: keyword arguments passed to ``fn`` on each call.

    Example: ``LossFunctionWrapper(lamina.losses.huber, delta=2.0)(y_true, y_pred)``.
    """

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        if not callable(fn):
            raise ValueError(f"LossFunctionWrapper: `fn` must be a callable. Received: fn={fn!r}")
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        if isinstance(y_true, jax.Array) and isinstance(y_pred, jax.Array):
            y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        return {**super().get_config(), "fn": serialize_function(self.fn), **self._fn_kwargs}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        fn = config.pop("fn")
        if isinstance(fn, dict | str):
            from lamina.losses.lookup import deserialize_function

            fn = deserialize_function(fn)
        return cls(fn, **config)

    def __repr__(self):
        return f"<{type(self).__name__}({self.fn.__name__}, kwargs={self._fn_kwargs})>"


class BuiltinLoss(LossFunctionWrapper):
    """A built-in loss class: its config is Keras' keys plus ``fn``'s keyword arguments."""

    def get_config(self):
        return {**Loss.get_config(self), **self._fn_kwargs}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"
