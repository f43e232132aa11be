"""The two pooling bases: windowed (``MaxPooling2D`` ...) and global (``GlobalMaxPooling2D`` ...).

A subclass only names its number of spatial dimensions and its reduction; the
bases hold argument checks, shapes and config, so that the twelve public classes
stay a docstring and a few lines each.
"""

import jax.numpy as jnp

from lamina import ops
from lamina.core.input_spec import InputSpec
from lamina.core.layer import Layer
from lamina.layers.reshaping._common import (
    int_tuple,
    layer_error,
    spatial_axes,
    standardize_data_format,
)


class Pooling(Layer):
    """Reduce ``pool_size`` windows, moved by ``strides``, to one value each.

    Subclasses set ``dims`` (1, 2 or 3 spatial dimensions) and ``mode``
    (``"max"`` or ``"average"``).
    """

    dims = 0
    mode = ""

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.pool_size = int_tuple(self, pool_size, self.dims, "pool_size")
        # Keras' default: windows do not overlap.
        self.strides = (
            self.pool_size if strides is None else int_tuple(self, strides, self.dims, "strides")
        )
        if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
            raise layer_error(
                self, f"`padding` must be 'valid' or 'same', received padding={padding!r}."
            )
        # Kept as given (Keras' config does the same); compared case-insensitively.
        self.padding = padding
        self.data_format = standardize_data_format(self, data_format)
        self.input_spec = InputSpec(ndim=self.dims + 2)

    def call(self, inputs):
        spatial = [inputs.shape[a] for a in spatial_axes(self.data_format, inputs.ndim)]
        self._check_fits(spatial, inputs.shape)
        pool = ops.max_pool if self.mode == "max" else ops.average_pool
        return pool(inputs, self.pool_size, self.strides, self.padding.lower(), self.data_format)

    def _check_fits(self, spatial, shape):
        if self.padding.lower() == "valid" and any(
            d is not None and d < w for d, w in zip(spatial, self.pool_size)
        ):
            raise layer_error(
                self,
                f"pool_size={self.pool_size} does not fit in the spatial shape"
                f" {tuple(spatial)} of the input (shape {tuple(shape)}) with padding='valid';"
                " use a smaller pool_size or padding='same'.",
            )

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        axes = spatial_axes(self.data_format, len(shape))
        self._check_fits([shape[a] for a in axes], input_shape)
        same = self.padding.lower() == "same"
        for axis, window, stride in zip(axes, self.pool_size, self.strides):
            if shape[axis] is not None:
                reach = shape[axis] if same else shape[axis] - window + 1
                shape[axis] = (reach - 1) // stride + 1
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "pool_size": self.pool_size,
                "padding": self.padding,
                "strides": self.strides,
                "data_format": self.data_format,
            }
        )
        return config


class GlobalPooling(Layer):
    """Reduce every spatial axis to one value per channel.

    Subclasses set ``dims`` and ``reduce`` (a ``jnp`` reduction taking ``axis`` and
    ``keepdims``, as a staticmethod).
    """

    dims = 0
    reduce = staticmethod(jnp.max)

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(self, data_format)
        self.keepdims = keepdims
        self.input_spec = InputSpec(ndim=self.dims + 2)

    def call(self, inputs):
        axes = spatial_axes(self.data_format, inputs.ndim)
        return self.reduce(inputs, axis=axes, keepdims=self.keepdims)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        axes = spatial_axes(self.data_format, len(shape))
        if self.keepdims:
            return tuple(1 if i in axes else d for i, d in enumerate(shape))
        return tuple(d for i, d in enumerate(shape) if i not in axes)

    def get_config(self):
        config = super().get_config()
        config.update({"data_format": self.data_format, "keepdims": self.keepdims})
        return config


def masked_mean(layer, inputs, mask, axis):
    """Mean over ``axis`` of the steps where ``mask`` (``(batch, steps)``) is True.

    A sequence with every step masked gives 0 rather than Keras' 0/0 = NaN, which
    would poison the loss and every gradient of the batch.
    """
    mask = jnp.asarray(mask)
    expected = (inputs.shape[0], inputs.shape[axis])
    if tuple(mask.shape) != expected:
        raise layer_error(
            layer,
            f"the mask must have shape (batch, steps) = {expected} for inputs of shape"
            f" {tuple(inputs.shape)}, received a mask of shape {tuple(mask.shape)}.",
        )
    keep = jnp.expand_dims(mask.astype(bool), 2 if axis == 1 else 1)
    total = jnp.sum(jnp.where(keep, inputs, 0), axis=axis, keepdims=layer.keepdims)
    count = jnp.sum(keep, axis=axis, keepdims=layer.keepdims).astype(total.dtype)
    return total / jnp.maximum(count, 1)
