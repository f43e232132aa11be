"""Global pooling: one value per channel over every spatial position.

``GlobalAveragePooling1D`` is the one mask-aware layer here, as in Keras 3: masked
steps are left out of the mean, and the output carries no mask.
"""

import jax.numpy as jnp

from lamina.layers.pooling._base import GlobalPooling, masked_mean


class GlobalAveragePooling1D(GlobalPooling):
    """The mean over the steps of each channel.

    Input ``(batch, steps, features)`` (``data_format="channels_last"``) or
    ``(batch, features, steps)`` (``"channels_first"``). Output ``(batch, features)``, or with
    ``keepdims=True`` the input's rank with the steps axis of size 1.

    Masking: a ``mask`` of shape ``(batch, steps)`` (passed, or attached to the input
    by ``Embedding(mask_zero=True)``/``Masking``) excludes the masked steps from the
    mean. Where every step of a sequence is masked the output is 0 (Keras gives NaN).

    Args:
      data_format: ``"channels_last"`` or ``"channels_first"`` (default None: the
        global ``image_data_format``).
      keepdims: keep the reduced axes with size 1 (default False).

    Example::

        y = GlobalAveragePooling1D()(jnp.ones((4, 10, 8)))   # shape (4, 8)
    """

    dims = 1
    reduce = staticmethod(jnp.mean)

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(data_format, keepdims, **kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return super().call(inputs)
        return masked_mean(self, inputs, mask, 1 if self.data_format == "channels_last" else 2)

    def compute_mask(self, inputs, previous_mask=None):
        return None


class GlobalAveragePooling2D(GlobalPooling):
    """The mean over the rows and cols of each channel.

    Input ``(batch, rows, cols, channels)`` (``data_format="channels_last"``) or
    ``(batch, channels, rows, cols)`` (``"channels_first"``). Output ``(batch, channels)``, or with
    ``keepdims=True`` the input's rank with each spatial axis of size 1.

    Args:
      data_format: ``"channels_last"`` or ``"channels_first"`` (default None: the
        global ``image_data_format``).
      keepdims: keep the reduced axes with size 1 (default False).

    Example::

        y = GlobalAveragePooling2D()(jnp.ones((4, 6, 6, 8)))   # shape (4, 8)
    """

    dims = 2
    reduce = staticmethod(jnp.mean)


class GlobalAveragePooling3D(GlobalPooling):
    """The mean over the three spatial axes of each channel.

    Input ``(batch, dim1, dim2, dim3, channels)`` (``data_format="channels_last"``) or
    ``(batch, channels, dim1, dim2, dim3)`` (``"channels_first"``). Output
    ``(batch, channels)``, or with ``keepdims=True`` the input's rank with each
    spatial axis of size 1.

    Args:
      data_format: ``"channels_last"`` or ``"channels_first"`` (default None: the
        global ``image_data_format``).
      keepdims: keep the reduced axes with size 1 (default False).

    Example::

        y = GlobalAveragePooling3D()(jnp.ones((4, 3, 3, 3, 8)))   # shape (4, 8)
    """

    dims = 3
    reduce = staticmethod(jnp.mean)


class GlobalMaxPooling1D(GlobalPooling):
    """The max over the steps of each channel.

    Input ``(batch, steps, features)`` (``data_format="channels_last"``) or
    ``(batch, features, steps)`` (``"channels_first"``). Output ``(batch, channels)``, or with
    ``keepdims=True`` the input's rank with the steps axis of size 1.

    Args:
      data_format: ``"channels_last"`` or ``"channels_first"`` (default None: the
        global ``image_data_format``).
      keepdims: keep the reduced axes with size 1 (default False).

    Example::

        y = GlobalMaxPooling1D()(jnp.ones((4, 10, 8)))   # shape (4, 8)
    """

    dims = 1
    reduce = staticmethod(jnp.max)


class GlobalMaxPooling2D(GlobalPooling):
    """The max over the rows and cols of each channel.

    Input ``(batch, rows, cols, channels)`` (``data_format="channels_last"``) or
    ``(batch, channels, rows, cols)`` (``"channels_first"``). Output ``(batch, channels)``, or with
    ``keepdims=True`` the input's rank with each spatial axis of size 1.

    Args:
      data_format: ``"channels_last"`` or ``"channels_first"`` (default None: the
        global ``image_data_format``).
      keepdims: keep the reduced axes with size 1 (default False).

    Example::

        y = GlobalMaxPooling2D()(jnp.ones((4, 6, 6, 8)))   # shape (4, 8)
    """

    dims = 2
    reduce = staticmethod(jnp.max)


class GlobalMaxPooling3D(GlobalPooling):
    """The max over the three spatial axes of each channel.

    Input ``(batch, dim1, dim2, dim3, channels)`` (``data_format="channels_last"``) or
    ``(batch, channels, dim1, dim2, dim3)`` (``"channels_first"``). Output
    ``(batch, channels)``, or with ``keepdims=True`` the input's rank with each
    spatial axis of size 1.

    Args:
      data_format: ``"channels_last"`` or ``"channels_first"`` (default None: the
        global ``image_data_format``).
      keepdims: keep the reduced axes with size 1 (default False).

    Example::

        y = GlobalMaxPooling3D()(jnp.ones((4, 3, 3, 3, 8)))   # shape (4, 8)
    """

    dims = 3
    reduce = staticmethod(jnp.max)
