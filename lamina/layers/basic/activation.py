"""``Activation``: an activation function as a layer."""

from lamina import activations
from lamina.core.layer import Layer


class Activation(Layer):
    """Apply ``activation`` elementwise (or along the last axis, for ``softmax``-like ones).

    Input: any shape. Output: the same shape. Masks pass through.

    Args:
      activation: a name from ``lamina.activations`` (``"relu"``, ``"softmax"``, ...),
        a Keras-style config dict, or a callable; None means ``linear``.

    Example::

        Activation("relu")(jnp.array([-3.0, -1.0, 0.0, 2.0]))   # [0, 0, 0, 2]
    """

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        try:
            self.activation = activations.get(activation)
        except ValueError as err:
            raise ValueError(
                f"Activation '{self.name}': `activation` must be an activation name or a"
                f" callable, received activation={activation!r}. {err}"
            ) from err
        self.supports_masking = True

    def call(self, inputs, mask=None):
        # `mask` is unused here (compute_mask passes it on). Taking it makes the engine
        # hand the input's mask over on compiled eager calls too, which it otherwise loses.
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["activation"] = activations.serialize(self.activation)
        return config
