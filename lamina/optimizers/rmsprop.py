"""RMSprop (optionally centered, optionally with momentum), as Keras 3 computes it."""

import optax

from lamina.optimizers.base import Optimizer


class RMSprop(Optimizer):
    """Divide the gradient by a running root mean square of recent gradients.

    ``v = rho * v + (1 - rho) * g**2`` and the step is
    ``learning_rate * g / sqrt(v + epsilon)`` (epsilon inside the root, as in Keras).
    ``centered=True`` also tracks ``a = rho * a + (1 - rho) * g`` and divides by
    ``sqrt(v - a**2 + epsilon)``. With ``momentum > 0`` the steps are accumulated,
    ``m = momentum * m + step`` and ``w -= m``.

    Args:
      learning_rate: float or schedule (default ``0.001``).
      rho: decay of the mean square (default ``0.9``).
      momentum: momentum on the steps (default ``0.0``).
      epsilon: added under the square root (default ``1e-7``).
      centered: normalize by the estimated variance instead (default False).
      **kwargs: the common arguments of ``lamina.optimizers.Optimizer``.

    State: optax's ``ScaleByRmsState`` (or ``ScaleByRStdDevState`` when centered), plus
    a ``TraceState`` with momentum.

    Example: ``lamina.optimizers.RMSprop(learning_rate=1e-3, centered=True)``.
    """

    def __init__(
        self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False, **kwargs
    ):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered

    def update_rule(self, learning_rate):
        scale_by = optax.scale_by_stddev if self.centered else optax.scale_by_rms
        parts = [
            scale_by(decay=self.rho, eps=self.epsilon, initial_scale=0.0, eps_in_sqrt=True),
            optax.scale_by_learning_rate(learning_rate),
        ]
        if self.momentum > 0:
            parts.append(optax.trace(decay=self.momentum))
        return optax.chain(*parts)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "rho": self.rho,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "centered": self.centered,
        }
