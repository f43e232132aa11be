"""``ActivityRegularization``: pass inputs through, add an L1/L2 penalty on them."""

import jax
import jax.numpy as jnp

from lamina import regularizers
from lamina.core.layer import Layer
from lamina.layers.regularization._checks import check_non_negative


class ActivityRegularization(Layer):
    """The identity, plus the loss ``(l1 * sum|x| + l2 * sum x²) / batch_size``.

    Input: any shape (or a structure of arrays: one loss each). Output: the inputs.
    The penalty is divided by the size of the first axis, as Keras 3 does for
    activity regularizers, so its strength does not depend on the batch size; a
    scalar input is not divided. It lands in ``layer.losses`` after an eager call
    and in ``apply(..., return_losses=True)``'s losses. Masks pass through.

    Args:
      l1: L1 factor, a finite number >= 0 (default 0.0; None means 0).
      l2: L2 factor, a finite number >= 0 (default 0.0; None means 0).

    Example::

        layer = ActivityRegularization(l2=1e-3)
        y = layer(x)                 # y is x; layer.losses == [1e-3 * sum(x**2) / len(x)]
    """

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        super().__init__(**kwargs)
        # None means 0, as in Keras' L1L2; the config keeps what was given.
        for arg, value in (("l1", l1), ("l2", l2)):
            if value is not None:
                check_non_negative(self, value, arg)
        self.l1 = l1
        self.l2 = l2
        # Not the engine's `activity_regularizer`: that one adds the undivided penalty.
        self._penalty = regularizers.L1L2(l1=l1, l2=l2)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        # `mask` is unused here (compute_mask passes it on). Taking it makes the engine
        # hand the input's mask over on compiled eager calls too, which it otherwise loses.
        for x in jax.tree.leaves(inputs):
            loss = self._penalty(x)
            if jnp.ndim(x) > 0 and x.shape[0] > 0:
                loss = loss / jnp.asarray(x.shape[0], loss.dtype)
            self.add_loss(loss)
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.pop("activity_regularizer", None)
        config.update({"l1": self.l1, "l2": self.l2})
        return config
