"""``Conv1D``, ``Conv2D``, ``Conv3D``: (grouped, strided or dilated) convolutions."""

import jax.numpy as jnp

from lamina import constraints, initializers, ops, regularizers
from lamina.layers.convolution import _arguments as args
from lamina.layers.convolution._base import ConvLayerBase

_SHARED_ARGS = """
    Args:
      filters: positive int, the number of output channels.
      kernel_size: int or tuple of ``rank`` ints, the window size.
      strides: int or tuple (default 1); ``strides > 1`` excludes ``dilation_rate > 1``.
      padding: ``"valid"`` (default, no padding) or ``"same"`` (output size
        ``ceil(size / strides)``){causal}; case-insensitive.
      data_format: ``"channels_last"`` or ``"channels_first"``; None means
        ``lamina.config.image_data_format()``.
      dilation_rate: int or tuple (default 1), the spacing between kernel taps.
      groups: positive int (default 1); input channels and ``filters`` must both be
        divisible by it; each group of channels is convolved separately.
      activation: name or callable applied last (None: linear).
      use_bias: add ``bias`` of shape ``(filters,)`` (default True).
      kernel_initializer, bias_initializer: default ``"glorot_uniform"``, ``"zeros"``.
      kernel_regularizer, bias_regularizer, activity_regularizer: penalties in ``losses``.
      kernel_constraint, bias_constraint: projections applied after optimizer updates.
"""


class BaseConv(ConvLayerBase):
    """Shared implementation of ``Conv1D``/``Conv2D``/``Conv3D`` (use those).

    ``kernel`` has shape ``(*kernel_size, input_channels // groups, filters)``,
    Keras' layout, so weights copy between the two libraries as they are.
    """

    def __init__(
        self,
        filters,
        kernel_size,
        strides=1,
        padding="valid",
        data_format=None,
        dilation_rate=1,
        groups=1,
        activation=None,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.filters = args.positive_int(self, "filters", filters)
        self.groups = args.positive_int(self, "groups", groups)
        if self.filters % self.groups:
            raise args.fail(
                self,
                "`filters` must be divisible by `groups`, received"
                f" filters={self.filters} and groups={self.groups}.",
            )
        self._setup_window(kernel_size, strides, padding, data_format, dilation_rate, activation)
        args.no_strided_dilation(self, self.strides, self.dilation_rate)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        if channels % self.groups:
            raise args.fail(
                self,
                f"the number of input channels must be divisible by `groups`, received"
                f" groups={self.groups} and {channels} input channels (input shape"
                f" {tuple(input_shape)}).",
            )
        self._conv_output_shape(input_shape, self.filters)
        self.kernel = self.add_weight(
            name="kernel",
            shape=(*self.kernel_size, channels // self.groups, self.filters),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self._build_bias(self.filters)

    def call(self, inputs):
        padding = self.padding
        if padding == "causal":
            # Left-pad the time axis by the dilated kernel's reach: output[t] sees x[:t + 1].
            pads = [(0, 0)] * 3
            pads[1 if self.data_format == "channels_last" else 2] = (
                self.dilation_rate[0] * (self.kernel_size[0] - 1),
                0,
            )
            inputs, padding = jnp.pad(inputs, pads), "valid"
        outputs = ops.conv(
            inputs,
            self.kernel.value,
            strides=self.strides,
            padding=padding,
            data_format=self.data_format,
            dilation_rate=self.dilation_rate,
        )
        return self._finish(outputs)

    def compute_output_shape(self, input_shape):
        return self._conv_output_shape(input_shape, self.filters)

    def get_config(self):
        config = self._window_config()
        config.update(
            filters=self.filters,
            groups=self.groups,
            **self._tail_config(),
            **self._weights_config("kernel", "bias"),
        )
        return config


class Conv1D(BaseConv):
    """1D convolution over steps (temporal convolution).

    Input ``(batch, steps, channels)`` (``channels_last``) or ``(batch, channels,
    steps)`` (``channels_first``) → output ``(batch, new_steps, filters)`` or
    ``(batch, filters, new_steps)``. ``kernel``: ``(kernel_size, channels // groups,
    filters)``.
    {args}
    Example::

        layer = Conv1D(16, 3, padding="causal", dilation_rate=2)
        y = layer(jnp.ones((4, 10, 8)))        # (4, 10, 16); y[:, t] sees x[:, :t + 1]
    """

    rank = 1
    allow_causal = True


class Conv2D(BaseConv):
    """2D convolution over images.

    Input ``(batch, rows, cols, channels)`` (``channels_last``) or ``(batch,
    channels, rows, cols)`` (``channels_first``) → output ``(batch, new_rows,
    new_cols, filters)`` or ``(batch, filters, new_rows, new_cols)``. ``kernel``:
    ``(kh, kw, channels // groups, filters)``.
    {args}
    Example::

        layer = Conv2D(32, 3, strides=2, padding="same", activation="relu")
        y = layer(jnp.ones((8, 28, 28, 1)))    # (8, 14, 14, 32)
    """

    rank = 2


class Conv3D(BaseConv):
    """3D convolution over volumes (or video).

    Input ``(batch, d1, d2, d3, channels)`` (``channels_last``) or ``(batch,
    channels, d1, d2, d3)`` (``channels_first``) → output ``(batch, n1, n2, n3,
    filters)`` or ``(batch, filters, n1, n2, n3)``. ``kernel``: ``(k1, k2, k3,
    channels // groups, filters)``.
    {args}
    Example::

        layer = Conv3D(8, (3, 3, 3), padding="same")
        y = layer(jnp.ones((2, 6, 6, 6, 4)))   # (2, 6, 6, 6, 8)
    """

    rank = 3


_CAUSAL = ', or ``"causal"`` (left padding only, for temporal models)'
Conv1D.__doc__ = Conv1D.__doc__.format(args=_SHARED_ARGS.format(causal=_CAUSAL))
Conv2D.__doc__ = Conv2D.__doc__.format(args=_SHARED_ARGS.format(causal=""))
Conv3D.__doc__ = Conv3D.__doc__.format(args=_SHARED_ARGS.format(causal=""))
