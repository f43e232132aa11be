"""``ActivityRegularization``: pass inputs through, add an L1/L2 penalty on them."""

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
        # The engine's activity regularization does the work (per output, divided by
        # the batch size), as in Keras; this layer only names the penalty.
        self.activity_regularizer = regularizers.L1L2(l1=l1, l2=l2)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        # `mask` is accepted (and passed on by compute_mask) so an explicit `mask=`
        # works as on the other pass-through layers.
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.pop("activity_regularizer", None)
        config.update({"l1": self.l1, "l2": self.l2})
        return config
