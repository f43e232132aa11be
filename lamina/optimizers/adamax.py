"""Adamax (Adam with the infinity norm), as Keras 3 computes it."""

from typing import NamedTuple

import jax
import jax.numpy as jnp
import optax

from lamina.optimizers.base import Optimizer


class ScaleByKerasAdamaxState(NamedTuple):
    """State of ``scale_by_keras_adamax``: the step count, first moment and norm."""

    count: jax.Array  # int32 scalar: updates applied so far
    mu: optax.Updates  # first moment, shaped like the params
    nu: optax.Updates  # exponentially weighted infinity norm, shaped like the params


def scale_by_keras_adamax(
    learning_rate, beta_1=0.9, beta_2=0.999, epsilon=1e-7
) -> optax.GradientTransformation:
    """Keras' Adamax step: ``-learning_rate * m / ((1 - beta_1**t) * (u + epsilon))``.

    ``m += (g - m) * (1 - beta_1)`` and ``u = max(beta_2 * u, |g|)``. Unlike
    ``optax.scale_by_adamax``, epsilon is added to ``u`` in the denominator rather than
    to ``|g|`` inside the maximum.

    Example: ``scale_by_keras_adamax(1e-3)`` is Keras' ``Adamax(1e-3)``.
    """

    def init_fn(params):
        return ScaleByKerasAdamaxState(
            count=jnp.zeros([], jnp.int32),
            mu=optax.tree.zeros_like(params),
            nu=optax.tree.zeros_like(params),
        )

    def update_fn(updates, state, params=None):
        del params
        count = optax.safe_increment(state.count)
        mu = jax.tree.map(lambda g, m: m + (g - m) * (1 - beta_1), updates, state.mu)
        nu = jax.tree.map(lambda g, u: jnp.maximum(beta_2 * u, jnp.abs(g)), updates, state.nu)

        def step(m, u):
            lr = jnp.asarray(learning_rate).astype(m.dtype)
            beta_1_power = jnp.power(jnp.asarray(beta_1, m.dtype), count.astype(m.dtype))
            return -((lr * m) / ((1 - beta_1_power) * (u + epsilon)))

        updates = jax.tree.map(step, mu, nu)
        return updates, ScaleByKerasAdamaxState(count=count, mu=mu, nu=nu)

    return optax.GradientTransformation(init_fn, update_fn)


class Adamax(Optimizer):
    """Adamax: Adam with the second moment replaced by an infinity norm (Kingma & Ba).

    Args:
      learning_rate: float or schedule (default ``0.001``).
      beta_1: decay of the first moment (default ``0.9``).
      beta_2: decay of the infinity norm (default ``0.999``).
      epsilon: added to the norm in the denominator (default ``1e-7``).
      **kwargs: the common arguments of ``lamina.optimizers.Optimizer``.

    State: ``ScaleByKerasAdamaxState`` (count, ``mu``, ``nu``).

    Example: ``lamina.optimizers.Adamax(learning_rate=2e-3)``.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def update_rule(self, learning_rate):
        return scale_by_keras_adamax(learning_rate, self.beta_1, self.beta_2, self.epsilon)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
        }
