"""``LossScaleOptimizer``: dynamic loss scaling for float16 training (Keras 3's semantics).

float16 gradients underflow to zero below about 6e-8. The training step multiplies
the loss by a large scale before differentiating, so the low-precision gradients stay
representable, and this optimizer divides the (float32) gradients by the same scale
before the inner optimizer sees them. The scale adapts:

* a step whose gradients hold an inf or NaN (the scale was too large) is skipped:
  the params and the inner optimizer's state stay as they were, and the scale halves;
* after ``dynamic_growth_steps`` finite steps in a row, the scale doubles.

The scale and the step counter live in the optimizer state (:class:`LossScaleState`),
so compiled steps never retrace for them and ``model.save`` stores them.
"""

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

from lamina.optimizers.base import Optimizer

# Keras accepts the base optimizer's arguments in a config only at their defaults.
_BASE_DEFAULTS = {
    "learning_rate": None,
    "weight_decay": None,
    "clipnorm": None,
    "global_clipnorm": None,
    "clipvalue": None,
    "use_ema": False,
    "ema_momentum": 0.99,
    "ema_overwrite_frequency": None,
    "loss_scale_factor": None,
    "gradient_accumulation_steps": None,
}


class LossScaleState(NamedTuple):
    """``LossScaleOptimizer``'s state (Keras' variable names)."""

    dynamic_scale: jax.Array  # float32 scalar: the current loss scale
    step_counter: jax.Array  # int32 scalar: finite steps since the scale last changed
    inner_state: Any  # the wrapped optimizer's state


class LossScaleOptimizer(Optimizer):
    """Wraps an optimizer with dynamic loss scaling (for ``"mixed_float16"``).

    ``model.compile`` wraps the optimizer in one by itself when the model's dtype
    policy is ``"mixed_float16"`` (``auto_scale_loss=True``); the training step
    multiplies the loss by ``scale_loss`` and this optimizer unscales the gradients.

    Args:
      inner_optimizer: the optimizer that applies the unscaled gradients (a
        ``lamina.optimizers`` object, a name such as ``"adam"``, or an optax
        transformation). Its own ``loss_scale_factor`` is switched off.
      initial_scale: the first loss scale (default ``2.0**15``). Better too large
        than too small: a too-large scale costs one skipped step per halving.
      dynamic_growth_steps: after this many finite steps in a row the scale doubles
        (default 2000).
      name: a label.

    State: :class:`LossScaleState` ``(dynamic_scale, step_counter, inner_state)``.
    ``iterations`` and ``learning_rate`` are the inner optimizer's (skipped steps do
    not count).

    Example::

        opt = lamina.optimizers.LossScaleOptimizer(lamina.optimizers.Adam(1e-3))
        model.compile(optimizer=opt, loss="mse")      # under "mixed_float16"
        # in a custom step: grads of opt.scale_loss(loss, opt_state), then
        updates, opt_state = opt.update(grads, opt_state, params)
    """

    def __init__(
        self, inner_optimizer, initial_scale=2.0**15, dynamic_growth_steps=2000, name=None, **kwargs
    ):
        from lamina.optimizers import lookup  # (it lists this class)

        if not kwargs.pop("dynamic", True):
            raise ValueError(
                "LossScaleOptimizer: `dynamic=False` is not supported; for a fixed scale set"
                " `loss_scale_factor` on the inner optimizer instead."
            )
        for arg, default in _BASE_DEFAULTS.items():
            if arg in kwargs and kwargs.pop(arg) != default:
                raise ValueError(
                    f"LossScaleOptimizer does not take `{arg}`: set it on the inner optimizer."
                )
        if kwargs:
            raise ValueError(
                f"LossScaleOptimizer: argument(s) not recognized: {sorted(kwargs)}. Accepted"
                " arguments: inner_optimizer, initial_scale, dynamic_growth_steps, name."
            )
        if isinstance(initial_scale, bool) or not (
            isinstance(initial_scale, int | float) and initial_scale > 0
        ):
            raise ValueError(
                "LossScaleOptimizer: `initial_scale` must be a positive float. Received:"
                f" initial_scale={initial_scale!r}"
            )
        if isinstance(dynamic_growth_steps, bool) or not (
            isinstance(dynamic_growth_steps, int) and dynamic_growth_steps >= 1
        ):
            raise ValueError(
                "LossScaleOptimizer: `dynamic_growth_steps` must be a positive int. Received:"
                f" dynamic_growth_steps={dynamic_growth_steps!r}"
            )
        inner = lookup.get(inner_optimizer)
        if isinstance(inner, LossScaleOptimizer):
            raise ValueError("LossScaleOptimizer: the inner optimizer is already one.")
        super().__init__(learning_rate=0.0, name=name)
        if isinstance(inner, Optimizer):
            inner.loss_scale_factor = None  # else the gradients would be unscaled twice
        self.inner_optimizer = inner
        self.initial_scale = float(initial_scale)
        self.dynamic_growth_steps = dynamic_growth_steps

    # -- the optax face -------------------------------------------------------------

    @property
    def transformation(self) -> optax.GradientTransformation:
        """This optimizer as a plain optax transformation."""
        return optax.GradientTransformation(self.init, self.update)

    def init(self, params) -> LossScaleState:
        """The initial state: ``initial_scale``, a zero counter, the inner state. Pure."""
        return LossScaleState(
            jnp.asarray(self.initial_scale, jnp.float32),
            jnp.zeros((), jnp.int32),
            self.inner_optimizer.init(params),
        )

    def update(self, grads, state, params=None):
        """``(updates, new_state)`` for gradients of the *scaled* loss. Pure, jit-able.

        Finite gradients are divided by the scale and passed to the inner optimizer;
        otherwise the updates are zeros and the inner state is kept. The scale halves
        on non-finite gradients and doubles after ``dynamic_growth_steps`` finite ones.
        """
        self._check_state(state, "update")
        scale = state.dynamic_scale
        leaves = jax.tree.leaves(grads)
        finite = jnp.all(jnp.asarray([jnp.all(jnp.isfinite(g)) for g in leaves] or [True]))
        unscaled = jax.tree.map(lambda g: (g.astype(jnp.float32) / scale).astype(g.dtype), grads)
        updates, inner = self.inner_optimizer.update(unscaled, state.inner_state, params)
        # A select, not a cond: the skipped branch is free, and NaNs never leak through.
        updates = jax.tree.map(lambda u: jnp.where(finite, u, jnp.zeros_like(u)), updates)
        inner = jax.tree.map(lambda new, old: jnp.where(finite, new, old), inner, state.inner_state)
        grow = state.step_counter >= self.dynamic_growth_steps - 1
        new_scale = jnp.where(finite, jnp.where(grow, scale * 2.0, scale), scale * 0.5)
        counter = jnp.where(finite & ~grow, state.step_counter + 1, 0).astype(jnp.int32)
        return updates, LossScaleState(new_scale.astype(jnp.float32), counter, inner)

    def scale_loss(self, loss, state=None):
        """``loss * dynamic_scale``, the scale read from ``state`` (default ``self.state``;
        ``initial_scale`` before the first ``init``). Differentiate this in a step."""
        state = self.state if state is None else state
        scale = self.initial_scale if state is None else state.dynamic_scale
        return loss * scale

    # -- the Keras face ---------------------------------------------------------------

    def _check_state(self, state, where: str):
        if not isinstance(state, LossScaleState):
            raise TypeError(
                f"LossScaleOptimizer.{where} expects the state made by its own init/update "
                f"(a LossScaleState); got {type(state).__name__}."
            )
        return state

    def _inner(self):
        """The inner optimizer, its ``state`` set to the inner part of ``self.state``."""
        inner = self.inner_optimizer
        inner.state = None if self.state is None else self.state.inner_state
        return inner

    @property
    def dynamic_scale(self) -> float:
        """The current loss scale (``initial_scale`` before the first ``init``)."""
        if self.state is None:
            return self.initial_scale
        return float(self._check_state(self.state, "dynamic_scale").dynamic_scale)

    @property
    def step_counter(self) -> int:
        """Finite steps since the scale last changed."""
        if self.state is None:
            return 0
        return int(self._check_state(self.state, "step_counter").step_counter)

    @property
    def iterations(self) -> int:
        """Updates the inner optimizer applied (skipped steps are not counted)."""
        return self._inner().iterations

    @property
    def learning_rate(self) -> float:
        """The inner optimizer's learning rate; settable."""
        return self._inner().learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        inner = self._inner()
        inner.learning_rate = value
        if self.state is not None:
            self.state = self.state._replace(inner_state=inner.state)

    def get_config(self) -> dict:
        from lamina.optimizers import lookup

        return {
            "name": self.name,
            "inner_optimizer": lookup.serialize(self.inner_optimizer),
            "initial_scale": self.initial_scale,
            "dynamic_growth_steps": self.dynamic_growth_steps,
        }

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None):
        from lamina.optimizers import lookup

        config = dict(config)
        inner = lookup.deserialize(config.pop("inner_optimizer"), custom_objects)
        return cls(inner, **config)

    def __repr__(self):
        return (
            f"<LossScaleOptimizer name={self.name!r} inner={self.inner_optimizer!r}"
            f" dynamic_scale={self.dynamic_scale!r}>"
        )
