"""SGD with optional (Nesterov) momentum, as Keras 3 computes it."""

import optax

from lamina.optimizers.base import Optimizer


class SGD(Optimizer):
    """Gradient descent, with optional momentum and Nesterov momentum.

    Without momentum, ``w -= learning_rate * g``. With momentum, Keras keeps the
    velocity with the learning rate folded in, ``v = momentum * v - learning_rate * g``,
    and applies ``w += v`` (or ``w += momentum * v - learning_rate * g`` with
    ``nesterov=True``); a changing learning rate therefore affects only new gradients.

    Args:
      learning_rate: float or schedule (default ``0.01``).
      momentum: float in ``[0, 1]`` (default ``0.0``, no momentum state).
      nesterov: whether to use Nesterov momentum (default False).
      **kwargs: the common arguments of ``lamina.optimizers.Optimizer``
        (``weight_decay``, ``clipnorm``, ``clipvalue``, ``global_clipnorm``, ``name``, ...).

    State: ``optax.TraceState`` (the velocity, shaped like the params) when
    ``momentum > 0``, else nothing per parameter.

    Example: ``lamina.optimizers.SGD(learning_rate=0.1, momentum=0.9, nesterov=True)``.
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        if (
            isinstance(momentum, bool)
            or not isinstance(momentum, int | float)
            or not (0 <= momentum <= 1)
        ):
            raise ValueError(
                f"SGD: `momentum` must be a float between [0, 1]. Received: momentum={momentum!r}"
            )
        self.momentum = momentum
        self.nesterov = nesterov

    def update_rule(self, learning_rate):
        # trace() of the already scaled step is exactly Keras' velocity update.
        step = optax.scale_by_learning_rate(learning_rate)
        if self.momentum == 0:
            return step
        return optax.chain(step, optax.trace(decay=self.momentum, nesterov=self.nesterov))

    def get_config(self) -> dict:
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}
