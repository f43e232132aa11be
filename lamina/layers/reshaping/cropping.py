"""``Cropping1D/2D/3D``: remove entries from both ends of each spatial axis."""

from lamina.core.input_spec import InputSpec
from lamina.core.layer import Layer
from lamina.layers.reshaping._common import (
    int_tuple,
    layer_error,
    pair_per_dim,
    spatial_axes,
    standardize_data_format,
)


class _Cropping(Layer):
    """Shared body; subclasses set ``dims`` and keep ``cropping`` in Keras' form."""

    dims = 0

    def __init__(self, cropping, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(self, data_format)
        if self.dims == 1:
            self.cropping = int_tuple(self, cropping, 2, "cropping", allow_zero=True)
        else:
            self.cropping = pair_per_dim(self, cropping, self.dims, "cropping")
        self.input_spec = InputSpec(ndim=self.dims + 2)

    def _pairs(self):
        return (self.cropping,) if self.dims == 1 else self.cropping

    def _kept(self, shape):
        """``{axis: (start, stop)}`` for the spatial axes; refuses crops that leave nothing."""
        kept = {}
        for axis, (before, after) in zip(spatial_axes(self.data_format, len(shape)), self._pairs()):
            size = shape[axis]
            if size is not None and before + after >= size:
                raise layer_error(
                    self,
                    f"cropping={self.cropping} removes {before + after} entries from axis"
                    f" {axis} of the input of shape {tuple(shape)}, which has only {size};"
                    " the cropping must leave at least one.",
                )
            kept[axis] = (before, None if size is None else size - after)
        return kept

    def call(self, inputs):
        index = [slice(None)] * inputs.ndim
        for axis, (start, stop) in self._kept(inputs.shape).items():
            index[axis] = slice(start, stop)
        return inputs[tuple(index)]

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, (start, stop) in self._kept(shape).items():
            shape[axis] = None if stop is None else stop - start
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update({"cropping": self.cropping, "data_format": self.data_format})
        return config


class Cropping1D(_Cropping):
    """Crop the steps axis: ``(batch, steps, features)`` → ``(batch, steps - start - end,
    features)``.

    Args:
      cropping: int (both ends) or ``(start, end)``, non-negative (default ``(1, 1)``);
        at least one step must remain.

    Example::

        y = Cropping1D((1, 2))(jnp.ones((8, 10, 3)))   # shape (8, 7, 3)
    """

    dims = 1

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(cropping, "channels_last", **kwargs)

    def get_config(self):
        config = super().get_config()
        del config["data_format"]  # Keras' Cropping1D has no data_format
        return config


class Cropping2D(_Cropping):
    """Crop rows and columns.

    Input ``(batch, rows, cols, channels)`` (``data_format="channels_last"``) or
    ``(batch, channels, rows, cols)`` (``"channels_first"``); output with
    ``rows - top - bottom`` rows and ``cols - left - right`` columns.

    Args:
      cropping: int (all sides), ``(rows_crop, cols_crop)`` (symmetric) or
        ``((top, bottom), (left, right))``; non-negative (default ``((0, 0), (0, 0))``).
        Each axis must keep at least one entry.
      data_format: ``"channels_last"`` or ``"channels_first"`` (default None: the
        global ``image_data_format``).

    Example::

        y = Cropping2D(((2, 2), (4, 4)))(jnp.ones((2, 28, 28, 3)))   # shape (2, 24, 20, 3)
    """

    dims = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)


class Cropping3D(_Cropping):
    """Crop the three spatial axes.

    Input ``(batch, dim1, dim2, dim3, channels)`` (``data_format="channels_last"``) or
    ``(batch, channels, dim1, dim2, dim3)`` (``"channels_first"``); each spatial size
    shrinks by its ``start + end``.

    Args:
      cropping: int (all sides), 3 ints (symmetric per axis) or 3 ``(start, end)``
        pairs; non-negative (default ``((1, 1), (1, 1), (1, 1))``). Each axis must keep
        at least one entry.
      data_format: ``"channels_last"`` or ``"channels_first"`` (default None: the
        global ``image_data_format``).

    Example::

        y = Cropping3D(1)(jnp.ones((2, 4, 4, 4, 1)))   # shape (2, 2, 2, 2, 1)
    """

    dims = 3

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)
