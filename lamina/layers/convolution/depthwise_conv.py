"""``DepthwiseConv1D``, ``DepthwiseConv2D``: one kernel per input channel, no
mixing across channels."""

from lamina import constraints, initializers, ops, regularizers
from lamina.layers.convolution import _arguments as args
from lamina.layers.convolution._base import ConvLayerBase

_SHARED_ARGS = """
    Args:
      kernel_size: int or tuple of ``rank`` ints, the window size.
      strides: int or tuple (default 1).
      padding: ``"valid"`` (default) or ``"same"``; case-insensitive.
      depth_multiplier: positive int (default 1), output channels per input channel.
      data_format: ``"channels_last"`` or ``"channels_first"``; None means
        ``lamina.config.image_data_format()``.
      dilation_rate: int or tuple (default 1).
      activation: name or callable applied last (None: linear).
      use_bias: add ``bias`` of shape ``(channels * depth_multiplier,)`` (default True).
      depthwise_initializer, bias_initializer: default ``"glorot_uniform"``, ``"zeros"``.
      depthwise_regularizer, bias_regularizer, activity_regularizer: penalties in
        ``losses``.
      depthwise_constraint, bias_constraint: projections applied after optimizer updates.
"""


class BaseDepthwiseConv(ConvLayerBase):
    """Shared implementation of ``DepthwiseConv1D``/``DepthwiseConv2D`` (use those).

    ``kernel`` has shape ``(*kernel_size, channels, depth_multiplier)``; output
    channel ``c * depth_multiplier + m`` is input channel ``c`` convolved with
    ``kernel[..., c, m]``.
    """

    def __init__(
        self,
        kernel_size,
        strides=1,
        padding="valid",
        depth_multiplier=1,
        data_format=None,
        dilation_rate=1,
        activation=None,
        use_bias=True,
        depthwise_initializer="glorot_uniform",
        bias_initializer="zeros",
        depthwise_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        depthwise_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.depth_multiplier = args.positive_int(self, "depth_multiplier", depth_multiplier)
        self._setup_window(kernel_size, strides, padding, data_format, dilation_rate, activation)
        self.use_bias = use_bias
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        self._conv_output_shape(input_shape, channels * self.depth_multiplier)
        self.kernel = self.add_weight(
            name="kernel",
            shape=(*self.kernel_size, channels, self.depth_multiplier),
            initializer=self.depthwise_initializer,
            regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint,
        )
        self._build_bias(channels * self.depth_multiplier)

    def call(self, inputs):
        outputs = ops.depthwise_conv(
            inputs,
            self.kernel.value,
            strides=self.strides,
            padding=self.padding,
            data_format=self.data_format,
            dilation_rate=self.dilation_rate,
        )
        return self._finish(outputs)

    def compute_output_shape(self, input_shape):
        channels = tuple(input_shape)[self._channel_axis]
        out = None if channels is None else channels * self.depth_multiplier
        return self._conv_output_shape(input_shape, out)

    def get_config(self):
        config = self._window_config()
        config.update(
            depth_multiplier=self.depth_multiplier,
            **self._tail_config(),
            **self._weights_config("depthwise", "bias"),
        )
        return config


class DepthwiseConv1D(BaseDepthwiseConv):
    """1D depthwise convolution: each channel filtered on its own along steps.

    Input ``(batch, steps, channels)`` (``channels_last``) or ``(batch, channels,
    steps)`` → output ``(batch, new_steps, channels * depth_multiplier)`` or
    ``(batch, channels * depth_multiplier, new_steps)``. ``kernel``:
    ``(kernel_size, channels, depth_multiplier)``.
    {args}
    Example::

        layer = DepthwiseConv1D(3, depth_multiplier=2, padding="same")
        y = layer(jnp.ones((4, 10, 8)))        # (4, 10, 16)
    """

    rank = 1


class DepthwiseConv2D(BaseDepthwiseConv):
    """2D depthwise convolution: each channel filtered on its own over the image.

    Input ``(batch, rows, cols, channels)`` (``channels_last``) or ``(batch,
    channels, rows, cols)`` → output ``(batch, new_rows, new_cols, channels *
    depth_multiplier)`` or ``(batch, channels * depth_multiplier, new_rows,
    new_cols)``. ``kernel``: ``(kh, kw, channels, depth_multiplier)``.
    {args}
    Example::

        layer = DepthwiseConv2D(3, strides=2, padding="same")
        y = layer(jnp.ones((8, 28, 28, 16)))   # (8, 14, 14, 16)
    """

    rank = 2


for _cls in (DepthwiseConv1D, DepthwiseConv2D):
    _cls.__doc__ = _cls.__doc__.format(args=_SHARED_ARGS)
