"""``SpatialDropout1D/2D/3D``: drop whole feature maps (channels) instead of entries."""

from lamina import random
from lamina.core import config as core_config
from lamina.core.input_spec import InputSpec
from lamina.layers.regularization.dropout import Dropout

_FORMATS = ("channels_last", "channels_first")


class _SpatialDropout(Dropout):
    """Dropout with one draw per (sample, channel), shared over the spatial axes.

    Keras' spatial dropouts take ``name`` and ``dtype`` but no other base-layer
    arguments, and their configs hold only ``rate``, ``seed``, ``name``, ``dtype``
    (and ``data_format``); lamina writes the same config.
    """

    _rank = None  # input rank, set by each subclass

    def __init__(self, rate, seed=None, data_format="channels_last", **kwargs):
        super().__init__(rate, seed=seed, **kwargs)
        fmt = core_config.image_data_format() if data_format is None else data_format
        fmt = fmt.lower() if isinstance(fmt, str) else fmt
        if fmt not in _FORMATS:
            raise ValueError(
                f"{type(self).__name__} '{self.name}': `data_format` must be 'channels_last'"
                f" or 'channels_first', received data_format={data_format!r}."
            )
        self.data_format = fmt
        self.input_spec = InputSpec(ndim=self._rank)

    def call(self, inputs, training=False, mask=None):
        # `mask` is unused here (compute_mask passes it on). Taking it makes the engine
        # hand the input's mask over on compiled eager calls too, which it otherwise loses.
        if not training or self.rate == 0:
            return inputs
        shape = tuple(inputs.shape)
        channel = 1 if self.data_format == "channels_first" else len(shape) - 1
        noise_shape = tuple(n if i in (0, channel) else 1 for i, n in enumerate(shape))
        return random.dropout(inputs, self.rate, noise_shape=noise_shape, seed=self.seed_generator)

    def get_config(self):
        return {
            "rate": self.rate,
            "seed": self.seed,
            "name": self.name,
            "dtype": self.dtype_policy.name,
        }


class SpatialDropout1D(_SpatialDropout):
    """Drop whole channels of a sequence: one keep/drop draw per (sample, channel).

    Input ``(batch, steps, channels)``; output the same shape. Training only (see
    :class:`Dropout`); kept channels are scaled by ``1/(1-rate)``. Masks pass through.

    Args:
      rate: fraction of channels to drop, in ``[0, 1)``.
      seed: int seed of the layer's ``SeedGenerator`` (None: from the global seed).

    Example::

        y = SpatialDropout1D(0.5)(jnp.ones((2, 10, 4)), training=True)  # y[b, :, c] all 0 or 2
    """

    _rank = 3

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(rate, seed=seed, **kwargs)


class SpatialDropout2D(_SpatialDropout):
    """Drop whole 2D feature maps: one keep/drop draw per (sample, channel).

    Input ``(batch, rows, cols, channels)`` (``"channels_last"``) or
    ``(batch, channels, rows, cols)`` (``"channels_first"``); output the same shape.
    Training only (see :class:`Dropout`). Masks pass through.

    Args:
      rate: fraction of feature maps to drop, in ``[0, 1)``.
      data_format: ``"channels_last"`` or ``"channels_first"`` (default None:
        ``lamina.config.image_data_format()``).
      seed: int seed of the layer's ``SeedGenerator`` (None: from the global seed).

    Example::

        y = SpatialDropout2D(0.2, data_format="channels_first")(x, training=True)
    """

    _rank = 4

    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        super().__init__(rate, seed=seed, data_format=data_format, **kwargs)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


class SpatialDropout3D(_SpatialDropout):
    """Drop whole 3D feature maps: one keep/drop draw per (sample, channel).

    Input ``(batch, d1, d2, d3, channels)`` (``"channels_last"``) or
    ``(batch, channels, d1, d2, d3)`` (``"channels_first"``); output the same shape.
    Training only (see :class:`Dropout`). Masks pass through.

    Args:
      rate: fraction of feature maps to drop, in ``[0, 1)``.
      data_format: ``"channels_last"`` or ``"channels_first"`` (default None:
        ``lamina.config.image_data_format()``).
      seed: int seed of the layer's ``SeedGenerator`` (None: from the global seed).

    Example::

        y = SpatialDropout3D(0.2)(jnp.ones((1, 4, 4, 4, 8)), training=True)
    """

    _rank = 5

    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        super().__init__(rate, seed=seed, data_format=data_format, **kwargs)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}
