"""``AveragePooling1D/2D/3D``: the average of each ``pool_size`` window."""

from lamina.layers.pooling._base import Pooling


class AveragePooling1D(Pooling):
    """1D average pooling: the mean of each ``pool_size`` window.

    Input ``(batch, steps, channels)`` (``data_format="channels_last"``) or
    ``(batch, channels, steps)`` (``"channels_first"``). Output: the same layout with
    each spatial size ``d`` turned into ``(d - pool) // stride + 1`` (``"valid"``) or
    ``ceil(d / stride)`` (``"same"``).

    With ``padding="same"`` each mean counts only the real entries of its window
    (the padding is neither summed nor counted), as in Keras.

    Args:
      pool_size: int (or a 1-tuple), the window size.
      strides: int (or a 1-tuple) (default None: ``pool_size``, windows do not overlap).
      padding: ``"valid"`` (only whole windows) or ``"same"`` (pad evenly so that
        ``ceil(d / stride)`` windows remain); default ``"valid"``.
      data_format: ``"channels_last"`` or ``"channels_first"`` (default None: the
        global ``image_data_format``).

    Example::

        y = AveragePooling1D(2)(jnp.arange(5.0).reshape(1, 5, 1))   # shape (1, 2, 1)
    """

    dims = 1
    mode = "average"

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling2D(Pooling):
    """2D average pooling: the mean of each ``pool_size`` window.

    Input ``(batch, rows, cols, channels)`` (``data_format="channels_last"``) or
    ``(batch, channels, rows, cols)`` (``"channels_first"``). Output: the same layout with
    each spatial size ``d`` turned into ``(d - pool) // stride + 1`` (``"valid"``) or
    ``ceil(d / stride)`` (``"same"``).

    With ``padding="same"`` each mean counts only the real entries of its window
    (the padding is neither summed nor counted), as in Keras.

    Args:
      pool_size: int or 2 ints, the window size.
      strides: int or 2 ints (default None: ``pool_size``, windows do not overlap).
      padding: ``"valid"`` (only whole windows) or ``"same"`` (pad evenly so that
        ``ceil(d / stride)`` windows remain); default ``"valid"``.
      data_format: ``"channels_last"`` or ``"channels_first"`` (default None: the
        global ``image_data_format``).

    Example::

        y = AveragePooling2D((2, 2))(jnp.ones((8, 6, 6, 3)))   # shape (8, 3, 3, 3)
    """

    dims = 2
    mode = "average"

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling3D(Pooling):
    """3D average pooling: the mean of each ``pool_size`` window.

    Input ``(batch, dim1, dim2, dim3, channels)`` (``data_format="channels_last"``) or
    ``(batch, channels, dim1, dim2, dim3)`` (``"channels_first"``). Output: the same layout with
    each spatial size ``d`` turned into ``(d - pool) // stride + 1`` (``"valid"``) or
    ``ceil(d / stride)`` (``"same"``).

    With ``padding="same"`` each mean counts only the real entries of its window
    (the padding is neither summed nor counted), as in Keras.

    Args:
      pool_size: int or 3 ints, the window size.
      strides: int or 3 ints (default None: ``pool_size``, windows do not overlap).
      padding: ``"valid"`` (only whole windows) or ``"same"`` (pad evenly so that
        ``ceil(d / stride)`` windows remain); default ``"valid"``.
      data_format: ``"channels_last"`` or ``"channels_first"`` (default None: the
        global ``image_data_format``).

    Example::

        y = AveragePooling3D((2, 2, 2))(jnp.ones((2, 4, 4, 4, 1)))   # shape (2, 2, 2, 2, 1)
    """

    dims = 3
    mode = "average"

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)
