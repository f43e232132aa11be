"""Lion (evolved sign momentum), as Keras 3 computes it."""

import optax

from lamina.optimizers.base import Optimizer


class Lion(Optimizer):
    """Steps of equal size per coordinate: the sign of an interpolated momentum.

    ``w -= learning_rate * sign(beta_1 * m + (1 - beta_1) * g)``, then
    ``m = beta_2 * m + (1 - beta_2) * g`` (Chen et al., 2023).

    Args:
      learning_rate: float or schedule (default ``0.001``).
      beta_1: interpolation for the step, in ``(0, 1]`` (default ``0.9``).
      beta_2: decay of the momentum (default ``0.99``).
      **kwargs: the common arguments of ``lamina.optimizers.Optimizer``.

    State: optax's ``ScaleByLionState`` (the momentum, shaped like the params).

    Example: ``lamina.optimizers.Lion(learning_rate=1e-4, weight_decay=0.1)``.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        if beta_1 <= 0 or beta_1 > 1:
            raise ValueError(
                "Lion: argument `beta_1` must be in the (0, 1] range. Otherwise, the "
                f"optimizer degenerates to SignSGD. Received: beta_1={beta_1}."
            )
        self.beta_1 = beta_1
        self.beta_2 = beta_2

    def update_rule(self, learning_rate):
        return optax.chain(
            optax.scale_by_lion(b1=self.beta_1, b2=self.beta_2),
            optax.scale_by_learning_rate(learning_rate),
        )

    def get_config(self) -> dict:
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2}
