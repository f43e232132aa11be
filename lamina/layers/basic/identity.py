"""``Identity``: returns its inputs; a placeholder where no operation is wanted."""

from lamina.core.layer import Layer


class Identity(Layer):
    """Return ``inputs`` unchanged (an array or any structure of arrays).

    Input: any shape. Output: the same. Masks pass through.

    Example::

        y = Identity()(x)          # y is x
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        # `mask` is unused here (compute_mask passes it on). Taking it makes the engine
        # hand the input's mask over on compiled eager calls too, which it otherwise loses.
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape
