"""``MaxPooling1D/2D/3D``: the max of each ``pool_size`` window."""

from lamina.layers.pooling._base import Pooling


class MaxPooling1D(Pooling):
    """1D max pooling: the maximum of each ``pool_size`` window.

    Input ``(batch, steps, channels)`` (``data_format="channels_last"``) or
    ``(batch, channels, steps)`` (``"channels_first"``). Output: the same layout with
    each spatial size ``d`` turned into ``(d - pool) // stride + 1`` (``"valid"``) or
    ``ceil(d / stride)`` (``"same"``).

    Args:
      pool_size: int (or a 1-tuple), the window size (default ``2``).
      strides: int (or a 1-tuple) (default None: ``pool_size``, windows do not overlap).
      padding: ``"valid"`` (only whole windows) or ``"same"`` (pad evenly so that
        ``ceil(d / stride)`` windows remain); default ``"valid"``.
      data_format: ``"channels_last"`` or ``"channels_first"`` (default None: the
        global ``image_data_format``).

    Example::

        y = MaxPooling1D(2)(jnp.arange(5.0).reshape(1, 5, 1))   # shape (1, 2, 1)
    """

    dims = 1
    mode = "max"

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class MaxPooling2D(Pooling):
    """2D max pooling: the maximum of each ``pool_size`` window.

    Input ``(batch, rows, cols, channels)`` (``data_format="channels_last"``) or
    ``(batch, channels, rows, cols)`` (``"channels_first"``). Output: the same layout with
    each spatial size ``d`` turned into ``(d - pool) // stride + 1`` (``"valid"``) or
    ``ceil(d / stride)`` (``"same"``).

    Args:
      pool_size: int or 2 ints, the window size (default ``(2, 2)``).
      strides: int or 2 ints (default None: ``pool_size``, windows do not overlap).
      padding: ``"valid"`` (only whole windows) or ``"same"`` (pad evenly so that
        ``ceil(d / stride)`` windows remain); default ``"valid"``.
      data_format: ``"channels_last"`` or ``"channels_first"`` (default None: the
        global ``image_data_format``).

    Example::

        y = MaxPooling2D((2, 2))(jnp.ones((8, 6, 6, 3)))   # shape (8, 3, 3, 3)
    """

    dims = 2
    mode = "max"

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class MaxPooling3D(Pooling):
    """3D max pooling: the maximum of each ``pool_size`` window.

    Input ``(batch, dim1, dim2, dim3, channels)`` (``data_format="channels_last"``) or
    ``(batch, channels, dim1, dim2, dim3)`` (``"channels_first"``). Output: the same layout with
    each spatial size ``d`` turned into ``(d - pool) // stride + 1`` (``"valid"``) or
    ``ceil(d / stride)`` (``"same"``).

    Args:
      pool_size: int or 3 ints, the window size (default ``(2, 2, 2)``).
      strides: int or 3 ints (default None: ``pool_size``, windows do not overlap).
      padding: ``"valid"`` (only whole windows) or ``"same"`` (pad evenly so that
        ``ceil(d / stride)`` windows remain); default ``"valid"``.
      data_format: ``"channels_last"`` or ``"channels_first"`` (default None: the
        global ``image_data_format``).

    Example::

        y = MaxPooling3D((2, 2, 2))(jnp.ones((2, 4, 4, 4, 1)))   # shape (2, 2, 2, 2, 1)
    """

    dims = 3
    mode = "max"

    def __init__(
        self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None, **kwargs
    ):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)
