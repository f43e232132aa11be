"""``SeparableConv1D``, ``SeparableConv2D``: a depthwise convolution followed by a
1x1 (pointwise) convolution that mixes the channels."""

from lamina import constraints, initializers, ops, regularizers
from lamina.layers.convolution import _arguments as args
from lamina.layers.convolution._base import ConvLayerBase

_SHARED_ARGS = """
    Args:
      filters: positive int, the number of output channels.
      kernel_size: int or tuple of ``rank`` ints, the depthwise window size.
      strides: int or tuple (default 1), of the depthwise step.
      padding: ``"valid"`` (default) or ``"same"``; case-insensitive.
      data_format: ``"channels_last"`` or ``"channels_first"``; None means
        ``lamina.config.image_data_format()``.
      dilation_rate: int or tuple (default 1), of the depthwise step.
      depth_multiplier: positive int (default 1), depthwise outputs per input channel.
      activation: name or callable applied last (None: linear).
      use_bias: add ``bias`` of shape ``(filters,)`` (default True).
      depthwise_initializer, pointwise_initializer, bias_initializer: default
        ``"glorot_uniform"``, ``"glorot_uniform"``, ``"zeros"``.
      depthwise_regularizer, pointwise_regularizer, bias_regularizer,
        activity_regularizer: penalties in ``losses``.
      depthwise_constraint, pointwise_constraint, bias_constraint: projections
        applied after optimizer updates.
"""


class BaseSeparableConv(ConvLayerBase):
    """Shared implementation of ``SeparableConv1D``/``SeparableConv2D`` (use those).

    Weights, in Keras' order: ``depthwise_kernel`` ``(*kernel_size, channels,
    depth_multiplier)``, ``pointwise_kernel`` ``(*(1,) * rank, channels *
    depth_multiplier, filters)``, ``bias`` ``(filters,)``.
    """

    def __init__(
        self,
        filters,
        kernel_size,
        strides=1,
        padding="valid",
        data_format=None,
        dilation_rate=1,
        depth_multiplier=1,
        activation=None,
        use_bias=True,
        depthwise_initializer="glorot_uniform",
        pointwise_initializer="glorot_uniform",
        bias_initializer="zeros",
        depthwise_regularizer=None,
        pointwise_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        depthwise_constraint=None,
        pointwise_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.filters = args.positive_int(self, "filters", filters)
        self.depth_multiplier = args.positive_int(self, "depth_multiplier", depth_multiplier)
        self._setup_window(kernel_size, strides, padding, data_format, dilation_rate, activation)
        self.use_bias = use_bias
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.pointwise_constraint = constraints.get(pointwise_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        self._conv_output_shape(input_shape, self.filters)
        self.depthwise_kernel = self.add_weight(
            name="depthwise_kernel",
            shape=(*self.kernel_size, channels, self.depth_multiplier),
            initializer=self.depthwise_initializer,
            regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint,
        )
        self.pointwise_kernel = self.add_weight(
            name="pointwise_kernel",
            shape=(*(1,) * self.rank, channels * self.depth_multiplier, self.filters),
            initializer=self.pointwise_initializer,
            regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint,
        )
        self._build_bias(self.filters)

    def call(self, inputs):
        depthwise = ops.depthwise_conv(
            inputs,
            self.depthwise_kernel.value,
            strides=self.strides,
            padding=self.padding,
            data_format=self.data_format,
            dilation_rate=self.dilation_rate,
        )
        outputs = ops.conv(depthwise, self.pointwise_kernel.value, data_format=self.data_format)
        return self._finish(outputs)

    def compute_output_shape(self, input_shape):
        return self._conv_output_shape(input_shape, self.filters)

    def get_config(self):
        config = self._window_config()
        config.update(
            depth_multiplier=self.depth_multiplier,
            filters=self.filters,
            **self._tail_config(),
            **self._weights_config("depthwise", "pointwise", "bias"),
        )
        return config


class SeparableConv1D(BaseSeparableConv):
    """1D depthwise-separable convolution.

    Input ``(batch, steps, channels)`` (``channels_last``) or ``(batch, channels,
    steps)`` → output ``(batch, new_steps, filters)`` or ``(batch, filters,
    new_steps)``.
    {args}
    Example::

        layer = SeparableConv1D(16, 5, depth_multiplier=2, padding="same")
        y = layer(jnp.ones((4, 20, 8)))        # (4, 20, 16)
    """

    rank = 1


class SeparableConv2D(BaseSeparableConv):
    """2D depthwise-separable convolution (as in Xception and MobileNet).

    Input ``(batch, rows, cols, channels)`` (``channels_last``) or ``(batch,
    channels, rows, cols)`` → output ``(batch, new_rows, new_cols, filters)`` or
    ``(batch, filters, new_rows, new_cols)``.
    {args}
    Example::

        layer = SeparableConv2D(32, 3, padding="same", activation="relu")
        y = layer(jnp.ones((8, 28, 28, 16)))   # (8, 28, 28, 32)
    """

    rank = 2


for _cls in (SeparableConv1D, SeparableConv2D):
    _cls.__doc__ = _cls.__doc__.format(args=_SHARED_ARGS)
