"""``UnitNormalization``: scale each example to unit L2 norm."""

import jax
import jax.numpy as jnp

from lamina.core.layer import Layer
from lamina.layers.normalization import _checks

# Keras' floor on the norm: an all-zero example stays zero instead of becoming NaN.
_MIN_NORM = 1e-12


class UnitNormalization(Layer):
    """Divide each example by its L2 norm over ``axis``.

    Input of any rank, output the same shape and the layer's dtype:
    ``x / max(sqrt(sum(x ** 2 over axis)), 1e-12)``. No weights. Masks pass through.

    Args:
      axis: int or list of ints, the axes whose joint norm becomes 1 (default -1).

    Example::

        y = UnitNormalization()(jnp.array([[3.0, 4.0]]))     # [[0.6, 0.8]]
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = _checks.axis_argument(self, axis)
        self.supports_masking = True

    def call(self, inputs):
        x = jnp.asarray(inputs)
        if not jnp.issubdtype(x.dtype, jnp.floating):
            x = x.astype(self.compute_dtype)
        axes = tuple(_checks.resolve_axes(self, self.axis, x.shape))
        inv_norm = jax.lax.rsqrt(jnp.sum(jnp.square(x), axis=axes, keepdims=True))
        return (x * jnp.minimum(inv_norm, 1.0 / _MIN_NORM)).astype(self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return _checks.same_shape(self, self.axis, input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"axis": self.axis})
        return config
