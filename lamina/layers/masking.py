"""``Masking``: mark timesteps whose features all equal ``mask_value`` as padding."""

import jax.numpy as jnp

from lamina.core.layer import Layer


class Masking(Layer):
    """Zero out, and mask, the timesteps whose features all equal ``mask_value``.

    Input ``(batch, steps, features)`` (any rank ≥ 2): output the same shape, with
    masked steps set to 0; mask ``(batch, steps)`` = ``any(inputs != mask_value, -1)``.

    Example::

        x = Masking(mask_value=0.0)(jnp.array([[[1.0], [0.0]]]))   # mask [[True, False]]
    """

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = mask_value
        self.supports_masking = True

    def compute_mask(self, inputs, previous_mask=None):
        return jnp.any(jnp.not_equal(inputs, self.mask_value), axis=-1)

    def call(self, inputs):
        keep = jnp.any(jnp.not_equal(inputs, self.mask_value), axis=-1, keepdims=True)
        return inputs * keep.astype(inputs.dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"mask_value": self.mask_value})
        return config
