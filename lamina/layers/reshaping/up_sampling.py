"""``UpSampling1D/2D/3D``: enlarge the spatial axes by integer factors."""

import jax
import jax.numpy as jnp

from lamina.core.input_spec import InputSpec
from lamina.core.layer import Layer
from lamina.layers.reshaping._common import (
    int_tuple,
    is_int,
    layer_error,
    spatial_axes,
    standardize_data_format,
)

# Keras' choices; all but "nearest" are jax.image.resize methods (no antialiasing).
_INTERPOLATIONS = ("nearest", "bilinear", "bicubic", "lanczos3", "lanczos5")


def _repeat(inputs, sizes, axes):
    for size, axis in zip(sizes, axes):
        inputs = jnp.repeat(inputs, size, axis=axis)
    return inputs


def _scaled(input_shape, sizes, axes):
    shape = list(input_shape)
    for size, axis in zip(sizes, axes):
        shape[axis] = None if shape[axis] is None else shape[axis] * size
    return tuple(shape)


class UpSampling1D(Layer):
    """Repeat each step ``size`` times: ``(batch, steps, features)`` →
    ``(batch, steps * size, features)``.

    Args:
      size: positive int, the repetition factor (default 2).

    Example::

        y = UpSampling1D(3)(jnp.ones((8, 5, 2)))   # shape (8, 15, 2)
    """

    def __init__(self, size=2, **kwargs):
        super().__init__(**kwargs)
        if not is_int(size) or size <= 0:
            raise layer_error(self, f"`size` must be a positive int, received size={size!r}.")
        self.size = int(size)
        self.input_spec = InputSpec(ndim=3)

    def call(self, inputs):
        return jnp.repeat(inputs, self.size, axis=1)

    def compute_output_shape(self, input_shape):
        return _scaled(input_shape, (self.size,), (1,))

    def get_config(self):
        config = super().get_config()
        config.update({"size": self.size})
        return config


class UpSampling2D(Layer):
    """Enlarge rows and columns by ``size``, by repetition or interpolation.

    Input ``(batch, rows, cols, channels)`` (``data_format="channels_last"``) or
    ``(batch, channels, rows, cols)`` (``"channels_first"``); output the same layout
    with ``rows * size[0]`` and ``cols * size[1]``.

    Args:
      size: int or 2 positive ints, the row and column factors (default ``(2, 2)``).
      data_format: ``"channels_last"`` or ``"channels_first"`` (default None: the
        global ``image_data_format``).
      interpolation: ``"nearest"`` (repeat each pixel; default), ``"bilinear"``,
        ``"bicubic"``, ``"lanczos3"`` or ``"lanczos5"`` (``jax.image.resize``, half-pixel
        centres, no antialiasing, as Keras).

    Example::

        y = UpSampling2D((2, 3), interpolation="bilinear")(jnp.ones((1, 4, 4, 3)))  # (1, 8, 12, 3)
    """

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        self.size = int_tuple(self, size, 2, "size")
        self.data_format = standardize_data_format(self, data_format)
        if not isinstance(interpolation, str) or interpolation.lower() not in _INTERPOLATIONS:
            raise layer_error(
                self,
                f"`interpolation` must be one of {_INTERPOLATIONS}, received"
                f" interpolation={interpolation!r}.",
            )
        self.interpolation = interpolation.lower()
        self.input_spec = InputSpec(ndim=4)

    def call(self, inputs):
        axes = spatial_axes(self.data_format, 4)
        if self.interpolation == "nearest":
            return _repeat(inputs, self.size, axes)
        # Only the axes whose size changes are resampled; batch and channels pass through.
        shape = _scaled(inputs.shape, self.size, axes)
        out = jax.image.resize(inputs, shape, method=self.interpolation, antialias=False)
        return out

    def compute_output_shape(self, input_shape):
        return _scaled(input_shape, self.size, spatial_axes(self.data_format, 4))

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "size": self.size,
                "data_format": self.data_format,
                "interpolation": self.interpolation,
            }
        )
        return config


class UpSampling3D(Layer):
    """Repeat each voxel ``size[0] × size[1] × size[2]`` times.

    Input ``(batch, dim1, dim2, dim3, channels)`` (``data_format="channels_last"``) or
    ``(batch, channels, dim1, dim2, dim3)`` (``"channels_first"``); output the same
    layout with each spatial size multiplied by its factor.

    Args:
      size: int or 3 positive ints (default ``(2, 2, 2)``).
      data_format: ``"channels_last"`` or ``"channels_first"`` (default None: the
        global ``image_data_format``).

    Example::

        y = UpSampling3D(2)(jnp.ones((1, 2, 3, 4, 5)))   # shape (1, 4, 6, 8, 5)
    """

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.size = int_tuple(self, size, 3, "size")
        self.data_format = standardize_data_format(self, data_format)
        self.input_spec = InputSpec(ndim=5)

    def call(self, inputs):
        return _repeat(inputs, self.size, spatial_axes(self.data_format, 5))

    def compute_output_shape(self, input_shape):
        return _scaled(input_shape, self.size, spatial_axes(self.data_format, 5))

    def get_config(self):
        config = super().get_config()
        config.update({"size": self.size, "data_format": self.data_format})
        return config
