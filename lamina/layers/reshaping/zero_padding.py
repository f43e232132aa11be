"""``ZeroPadding1D/2D/3D``: add rows of zeros before and after each spatial axis."""

import jax.numpy as jnp

from lamina.core.input_spec import InputSpec
from lamina.core.layer import Layer
from lamina.layers.reshaping._common import (
    int_tuple,
    pair_per_dim,
    spatial_axes,
    standardize_data_format,
)


class _ZeroPadding(Layer):
    """Shared body; subclasses set ``dims`` and keep ``padding`` in Keras' form."""

    dims = 0

    def __init__(self, padding, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(self, data_format)
        if self.dims == 1:
            self.padding = int_tuple(self, padding, 2, "padding", allow_zero=True)
        else:
            self.padding = pair_per_dim(self, padding, self.dims, "padding")
        self.input_spec = InputSpec(ndim=self.dims + 2)

    def _pairs(self):
        return (self.padding,) if self.dims == 1 else self.padding

    def call(self, inputs):
        widths = [(0, 0)] * inputs.ndim
        for axis, pair in zip(spatial_axes(self.data_format, inputs.ndim), self._pairs()):
            widths[axis] = pair
        return jnp.pad(inputs, widths)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, (before, after) in zip(spatial_axes(self.data_format, len(shape)), self._pairs()):
            if shape[axis] is not None:
                shape[axis] += before + after
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update({"padding": self.padding, "data_format": self.data_format})
        return config


class ZeroPadding1D(_ZeroPadding):
    """Pad the steps axis with zeros.

    Input ``(batch, steps, features)`` (``data_format="channels_last"``) or
    ``(batch, features, steps)`` (``"channels_first"``); output with
    ``steps + before + after`` steps.

    Args:
      padding: int (both sides) or ``(before, after)``, non-negative (default 1).
      data_format: ``"channels_last"`` or ``"channels_first"`` (default None: the
        global ``image_data_format``).

    Example::

        y = ZeroPadding1D((1, 2))(jnp.ones((8, 5, 3)))   # shape (8, 8, 3)
    """

    dims = 1

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


class ZeroPadding2D(_ZeroPadding):
    """Pad rows and columns with zeros.

    Input ``(batch, rows, cols, channels)`` (``data_format="channels_last"``) or
    ``(batch, channels, rows, cols)`` (``"channels_first"``); output with
    ``rows + top + bottom`` rows and ``cols + left + right`` columns.

    Args:
      padding: int (all sides), ``(rows_pad, cols_pad)`` (symmetric) or
        ``((top, bottom), (left, right))``; non-negative (default ``(1, 1)``). Stored
        (and in the config) as the pairs form.
      data_format: ``"channels_last"`` or ``"channels_first"`` (default None: the
        global ``image_data_format``).

    Example::

        y = ZeroPadding2D(((1, 0), (2, 2)))(jnp.ones((8, 4, 4, 3)))   # shape (8, 5, 8, 3)
    """

    dims = 2

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


class ZeroPadding3D(_ZeroPadding):
    """Pad the three spatial axes with zeros.

    Input ``(batch, dim1, dim2, dim3, channels)`` (``data_format="channels_last"``) or
    ``(batch, channels, dim1, dim2, dim3)`` (``"channels_first"``); each spatial size
    grows by its ``before + after``.

    Args:
      padding: int (all sides), 3 ints (symmetric per axis) or 3 ``(before, after)``
        pairs; non-negative (default ``((1, 1), (1, 1), (1, 1))``).
      data_format: ``"channels_last"`` or ``"channels_first"`` (default None: the
        global ``image_data_format``).

    Example::

        y = ZeroPadding3D(1)(jnp.ones((2, 3, 3, 3, 1)))   # shape (2, 5, 5, 5, 1)
    """

    dims = 3

    def __init__(self, padding=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)
