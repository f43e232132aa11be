"""Nadam (Adam with Nesterov momentum), with Keras 3's momentum-cache schedule."""

from typing import NamedTuple

import jax
import jax.numpy as jnp
import optax

from lamina.core import config
from lamina.optimizers.base import Optimizer


class ScaleByKerasNadamState(NamedTuple):
    """State of ``scale_by_keras_nadam``."""

    count: jax.Array  # int32 scalar: updates applied so far
    u_product: jax.Array  # scalar: product of the momentum schedule u_1 * ... * u_t
    mu: optax.Updates  # first moment, shaped like the params
    nu: optax.Updates  # second moment, shaped like the params


def scale_by_keras_nadam(
    learning_rate, beta_1=0.9, beta_2=0.999, epsilon=1e-7
) -> optax.GradientTransformation:
    """Keras' Nadam step (Dozat, 2016), with its momentum schedule.

    The momentum at step ``t`` is ``u_t = beta_1 * (1 - 0.5 * 0.96**t)``; with
    ``P_t = u_1 * ... * u_t`` (kept in the state, as Keras keeps it),
    ``m_hat = u_{t+1} * m / (1 - P_t * u_{t+1}) + (1 - u_t) * g / (1 - P_t)`` and
    ``v_hat = v / (1 - beta_2**t)``; the step is
    ``-learning_rate * m_hat / (sqrt(v_hat) + epsilon)``. ``optax.nadam`` has no such
    schedule, so its steps differ.

    Example: ``scale_by_keras_nadam(1e-3)`` is Keras' ``Nadam(1e-3)``.
    """

    def init_fn(params):
        leaves = jax.tree.leaves(params)
        dtype = leaves[0].dtype if leaves else config.floatx()
        if not jnp.issubdtype(dtype, jnp.floating):
            dtype = config.floatx()
        return ScaleByKerasNadamState(
            count=jnp.zeros([], jnp.int32),
            u_product=jnp.ones([], dtype),
            mu=optax.tree.zeros_like(params),
            nu=optax.tree.zeros_like(params),
        )

    def update_fn(updates, state, params=None):
        del params
        count = optax.safe_increment(state.count)
        t = count.astype(state.u_product.dtype)
        u_product = state.u_product * beta_1 * (1.0 - 0.5 * jnp.power(0.96, t))

        # Keras casts the betas first, so 1 - beta is computed in the params' dtype.
        one_minus = lambda beta, g: 1 - jnp.asarray(beta, g.dtype)
        mu = jax.tree.map(lambda g, m: m + (g - m) * one_minus(beta_1, g), updates, state.mu)
        nu = jax.tree.map(
            lambda g, v: v + (jnp.square(g) - v) * one_minus(beta_2, g), updates, state.nu
        )

        def step(g, m, v):
            dtype = g.dtype
            lr = jnp.asarray(learning_rate).astype(dtype)
            b1, b2 = jnp.asarray(beta_1, dtype), jnp.asarray(beta_2, dtype)
            decay = jnp.asarray(0.96, dtype)
            u_t = b1 * (1.0 - 0.5 * jnp.power(decay, count.astype(dtype)))
            u_next = b1 * (1.0 - 0.5 * jnp.power(decay, (count + 1).astype(dtype)))
            product = u_product.astype(dtype)
            product_next = product * u_next
            m_hat = (u_next * m) / (1 - product_next) + ((1 - u_t) * g) / (1 - product)
            v_hat = v / (1 - jnp.power(b2, count.astype(dtype)))
            return -((m_hat * lr) / (jnp.sqrt(v_hat) + epsilon))

        updates = jax.tree.map(step, updates, mu, nu)
        return updates, ScaleByKerasNadamState(count=count, u_product=u_product, mu=mu, nu=nu)

    return optax.GradientTransformation(init_fn, update_fn)


class Nadam(Optimizer):
    """Nadam: Adam with Nesterov momentum and Keras' momentum-cache schedule.

    Args:
      learning_rate: float or schedule (default ``0.001``).
      beta_1: base decay of the first moment (default ``0.9``).
      beta_2: decay of the second moment (default ``0.999``).
      epsilon: added to ``sqrt(v_hat)`` (default ``1e-7``).
      **kwargs: the common arguments of ``lamina.optimizers.Optimizer``.

    State: ``ScaleByKerasNadamState`` (count, ``u_product``, ``mu``, ``nu``).

    Example: ``lamina.optimizers.Nadam(learning_rate=2e-3)``.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def update_rule(self, learning_rate):
        return scale_by_keras_nadam(learning_rate, self.beta_1, self.beta_2, self.epsilon)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
        }
