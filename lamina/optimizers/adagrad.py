"""Adagrad, as Keras 3 computes it."""

import optax

from lamina.optimizers.base import Optimizer


class Adagrad(Optimizer):
    """Per-parameter steps shrinking with the sum of all squared gradients so far.

    ``a += g**2`` (``a`` starts at ``initial_accumulator_value``) and
    ``w -= learning_rate * g / sqrt(a + epsilon)``.

    Args:
      learning_rate: float or schedule (default ``0.001``).
      initial_accumulator_value: starting value of ``a`` (default ``0.1``).
      epsilon: added under the square root (default ``1e-7``).
      **kwargs: the common arguments of ``lamina.optimizers.Optimizer``.

    State: optax's ``ScaleByRssState`` (the accumulators, shaped like the params).

    Example: ``lamina.optimizers.Adagrad(learning_rate=0.01)``.
    """

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon

    def update_rule(self, learning_rate):
        return optax.chain(
            optax.scale_by_rss(
                initial_accumulator_value=self.initial_accumulator_value, eps=self.epsilon
            ),
            optax.scale_by_learning_rate(learning_rate),
        )

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "initial_accumulator_value": self.initial_accumulator_value,
            "epsilon": self.epsilon,
        }
