"""``OptaxOptimizer``: any optax transformation with the optimizer object's interface."""

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

from lamina.optimizers import hyperparams


class CountedState(NamedTuple):
    """``OptaxOptimizer``'s state: an update counter around the transformation's own state."""

    count: jax.Array  # int32 scalar: updates applied so far
    inner: Any  # the wrapped transformation's state


class OptaxOptimizer:
    """A plain optax transformation made usable wherever a lamina optimizer is expected.

    ``init``/``update`` run the transformation's and add an update counter to its state,
    so ``iterations`` works for any transformation; ``state`` is where the training
    loop stores the latest state. ``learning_rate`` is only known when the
    transformation was built with ``optax.inject_hyperparams`` (and is settable only
    when it is not a schedule); otherwise reading it raises ``AttributeError``.

    Args:
      transformation: anything with optax's ``init(params)`` and
        ``update(updates, state, params=None)``.
      name: a label (default ``"optax"``).

    Example: ``lamina.optimizers.get(optax.adamw(1e-3)).init(params)``.
    """

    def __init__(self, transformation, name=None):
        if not (
            callable(getattr(transformation, "init", None))
            and callable(getattr(transformation, "update", None))
        ):
            raise TypeError(
                "OptaxOptimizer expects an optax transformation (an object with "
                f"`init` and `update`); got {transformation!r}."
            )
        self.transformation = transformation
        self.name = name or "optax"
        #: The latest optimizer state; the training loop assigns it (None before init).
        self.state = None

    def init(self, params) -> CountedState:
        """The initial state for ``params``. Pure; does not set ``state``."""
        return CountedState(jnp.zeros([], jnp.int32), self.transformation.init(params))

    def update(self, grads, state, params=None, **extra_args):
        """``(updates, new_state)``, as the wrapped transformation computes them. Pure."""
        if not isinstance(state, CountedState):
            raise TypeError(
                "OptaxOptimizer.update expects the state made by its own init/update "
                f"(a CountedState); got {type(state).__name__}."
            )
        transformation = optax.with_extra_args_support(self.transformation)
        updates, inner = transformation.update(grads, state.inner, params, **extra_args)
        return updates, CountedState(optax.safe_increment(state.count), inner)

    @property
    def iterations(self) -> int:
        """How many updates ``state`` has applied (0 before ``init``)."""
        return 0 if self.state is None else int(self.state.count)

    def _hyperparams_state(self):
        inner = None if self.state is None else self.state.inner
        if isinstance(inner, hyperparams.InjectState) and "learning_rate" in inner.hyperparams:
            return inner
        raise AttributeError(
            f"The learning rate of the optax transformation {self.transformation!r} is "
            "unknown to lamina: it is only readable when the transformation was built "
            "with optax.inject_hyperparams(...)(learning_rate=...) and initialized. Use a "
            "lamina.optimizers class (e.g. lamina.optimizers.Adam) for a settable rate."
        )

    @property
    def learning_rate(self) -> float:
        """The learning rate in the state of an ``inject_hyperparams`` transformation."""
        return hyperparams.learning_rate_in(self._hyperparams_state())

    @learning_rate.setter
    def learning_rate(self, value):
        inner = self._hyperparams_state()
        if hyperparams.is_scheduled(inner):
            raise TypeError(
                "This optax transformation computes its learning rate from a schedule, "
                "hence its learning rate is not settable."
            )
        self.state = self.state._replace(inner=hyperparams.with_learning_rate(inner, value))

    def __repr__(self):
        return f"<OptaxOptimizer name={self.name!r} transformation={self.transformation!r}>"
