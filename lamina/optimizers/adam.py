"""Adam (optionally AMSGrad), with Keras 3's "epsilon hat" arithmetic."""

from typing import NamedTuple

import jax
import jax.numpy as jnp
import optax

from lamina.optimizers.base import Optimizer


class ScaleByKerasAdamState(NamedTuple):
    """State of ``scale_by_keras_adam``: the step count and the moment estimates."""

    count: jax.Array  # int32 scalar: updates applied so far
    mu: optax.Updates  # first moment, shaped like the params
    nu: optax.Updates  # second moment, shaped like the params
    nu_max: optax.Updates | None  # running max of nu (AMSGrad only, else None)


def scale_by_keras_adam(
    learning_rate, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False
) -> optax.GradientTransformation:
    """Keras' Adam step, learning rate included: ``-alpha_t * m / (sqrt(v) + epsilon)``.

    ``m += (g - m) * (1 - beta_1)``, ``v += (g**2 - v) * (1 - beta_2)`` and
    ``alpha_t = learning_rate * sqrt(1 - beta_2**t) / (1 - beta_1**t)``. Unlike
    ``optax.scale_by_adam`` the bias correction is folded into the step size, so
    ``epsilon`` is added to the uncorrected ``sqrt(v)`` (Kingma & Ba's "epsilon hat").
    With ``amsgrad`` the denominator uses the running maximum of ``v``.

    Example: ``optax.chain(scale_by_keras_adam(1e-3))`` is Keras' ``Adam(1e-3)``.
    """

    def init_fn(params):
        return ScaleByKerasAdamState(
            count=jnp.zeros([], jnp.int32),
            mu=optax.tree.zeros_like(params),
            nu=optax.tree.zeros_like(params),
            nu_max=optax.tree.zeros_like(params) if amsgrad else None,
        )

    def update_fn(updates, state, params=None):
        del params
        count = optax.safe_increment(state.count)
        mu = jax.tree.map(lambda g, m: m + (g - m) * (1 - beta_1), updates, state.mu)
        nu = jax.tree.map(lambda g, v: v + (jnp.square(g) - v) * (1 - beta_2), updates, state.nu)
        nu_max = jax.tree.map(jnp.maximum, state.nu_max, nu) if amsgrad else None

        def step(m, v):
            t = count.astype(m.dtype)
            lr = jnp.asarray(learning_rate).astype(m.dtype)
            beta_1_power = jnp.power(jnp.asarray(beta_1, m.dtype), t)
            beta_2_power = jnp.power(jnp.asarray(beta_2, m.dtype), t)
            alpha = lr * jnp.sqrt(1 - beta_2_power) / (1 - beta_1_power)
            return -((m * alpha) / (jnp.sqrt(v) + epsilon))

        updates = jax.tree.map(step, mu, nu_max if amsgrad else nu)
        return updates, ScaleByKerasAdamState(count=count, mu=mu, nu=nu, nu_max=nu_max)

    return optax.GradientTransformation(init_fn, update_fn)


class Adam(Optimizer):
    """Adam: steps from bias-corrected first and second moment estimates.

    Computes Keras' arithmetic exactly (see ``scale_by_keras_adam``): epsilon is added
    to ``sqrt(v)`` before bias correction, which differs slightly from ``optax.adam``.

    Args:
      learning_rate: float or schedule (default ``0.001``).
      beta_1: decay of the first moment (default ``0.9``).
      beta_2: decay of the second moment (default ``0.999``).
      epsilon: the "epsilon hat" added to ``sqrt(v)`` (default ``1e-7``; optax uses 1e-8).
      amsgrad: use the running maximum of ``v`` (default False).
      **kwargs: the common arguments of ``lamina.optimizers.Optimizer``.

    State: ``ScaleByKerasAdamState`` (count, ``mu``, ``nu`` and, with AMSGrad, ``nu_max``).

    Example: ``lamina.optimizers.Adam(learning_rate=1e-3, amsgrad=True)``.
    """

    def __init__(
        self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False, **kwargs
    ):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.amsgrad = amsgrad

    def update_rule(self, learning_rate):
        return scale_by_keras_adam(
            learning_rate, self.beta_1, self.beta_2, self.epsilon, self.amsgrad
        )

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
            "amsgrad": self.amsgrad,
        }
