"""``RMSNormalization``: divide by the root mean square, then scale."""

import jax
import jax.numpy as jnp

from lamina.core.input_spec import InputSpec
from lamina.core.layer import Layer
from lamina.layers.normalization import _checks


class RMSNormalization(Layer):
    """Root-mean-square normalization (Zhang & Sennrich, 2019).

    Input of any rank, output the same shape:
    ``x / sqrt(mean(x ** 2 over axis) + epsilon) * scale``, with no centering.
    The one weight, ``scale``, has the shape of the ``axis`` dimensions and starts
    at ones. As in Keras, the layer does not propagate masks.

    Args:
      axis: int or list of ints, the axes to normalize over (default -1). After
        build it is stored as a sorted list, as in Keras.
      epsilon: non-negative number added to the mean square (default 1e-6).

    Example::

        rms = RMSNormalization()
        y = rms(jnp.ones((2, 7, 16)))               # scale: (16,)
    """

    def __init__(self, axis=-1, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        self.axis = _checks.axis_argument(self, axis)
        self.epsilon = _checks.non_negative(self, "epsilon", epsilon)

    def build(self, input_shape):
        given = [self.axis] if isinstance(self.axis, int) else list(self.axis)
        self._axes = tuple(_checks.resolve_axes(self, given, input_shape))
        shape = _checks.defined_dims(self, self._axes, input_shape)
        self.scale = self.add_weight(name="scale", shape=shape, initializer="ones", autocast=False)
        self.axis = sorted(given)
        self.input_spec = InputSpec(
            min_ndim=max(a + 1 if a >= 0 else -a for a in given),
            axes={a: input_shape[a] for a in given},
        )
        # Also when build() is called directly (Keras users do), so a call never rebuilds.

    def call(self, inputs):
        dtype = jnp.result_type(inputs.dtype, jnp.float32)
        x = inputs.astype(dtype)
        axes = tuple(_checks.resolve_axes(self, self.axis, x.shape))
        mean_square = jnp.mean(jnp.square(x), axis=axes, keepdims=True)
        scale = self.scale.value.astype(dtype).reshape(_checks.broadcast_shape(axes, x.shape))
        return (x * jax.lax.rsqrt(mean_square + self.epsilon) * scale).astype(self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return _checks.same_shape(self, self.axis, input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"axis": self.axis, "epsilon": self.epsilon})
        return config
