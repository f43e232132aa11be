"""AdamW: Keras' Adam with decoupled weight decay on by default."""

from lamina.optimizers.adam import Adam


class AdamW(Adam):
    """Adam plus decoupled weight decay: each step also subtracts
    ``param * weight_decay * learning_rate`` (Loshchilov & Hutter, 2019).

    Args:
      learning_rate: float or schedule (default ``0.001``).
      weight_decay: the decay rate, required (default ``0.004``).
      beta_1, beta_2, epsilon, amsgrad: as in ``Adam`` (defaults ``0.9``, ``0.999``,
        ``1e-7``, False).
      **kwargs: the other common arguments of ``lamina.optimizers.Optimizer``.

    Example: ``lamina.optimizers.AdamW(learning_rate=1e-3, weight_decay=0.01)``.
    """

    def __init__(
        self,
        learning_rate=0.001,
        weight_decay=0.004,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-7,
        amsgrad=False,
        **kwargs,
    ):
        if weight_decay is None:
            raise ValueError(
                "AdamW: argument `weight_decay` must be a float. Received: weight_decay=None"
            )
        super().__init__(
            learning_rate=learning_rate,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            amsgrad=amsgrad,
            weight_decay=weight_decay,
            **kwargs,
        )
