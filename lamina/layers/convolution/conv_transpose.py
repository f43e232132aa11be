"""``Conv1DTranspose``, ``Conv2DTranspose``, ``Conv3DTranspose``: transposed
(fractionally strided) convolutions, the shape inverse of ``Conv*D``."""

from lamina import constraints, initializers, ops, regularizers
from lamina.layers.convolution import _arguments as args
from lamina.layers.convolution._base import ConvLayerBase

_SHARED_ARGS = """
    Args:
      filters: positive int, the number of output channels.
      kernel_size: int or tuple of ``rank`` ints, the window size.
      strides: int or tuple (default 1), the upsampling factor; ``strides > 1``
        excludes ``dilation_rate > 1``.
      padding: ``"valid"`` (default) or ``"same"``; case-insensitive. Without
        ``output_padding``, ``"same"`` gives ``size * strides`` and ``"valid"``
        ``(size - 1) * strides + max(reach, strides)``, where ``reach`` is
        ``(kernel_size - 1) * dilation_rate + 1``.
      output_padding: None (default) or int/tuple of ints, each ``< strides``: extra
        rows on the far side, choosing among the output sizes that map back to the
        input size (``"valid"``: ``(size - 1) * strides + reach + output_padding``).
      data_format: ``"channels_last"`` or ``"channels_first"``; None means
        ``lamina.config.image_data_format()``.
      dilation_rate: int or tuple (default 1).
      activation: name or callable applied last (None: linear).
      use_bias: add ``bias`` of shape ``(filters,)`` (default True).
      kernel_initializer, bias_initializer: default ``"glorot_uniform"``, ``"zeros"``.
      kernel_regularizer, bias_regularizer, activity_regularizer: penalties in ``losses``.
      kernel_constraint, bias_constraint: projections applied after optimizer updates.
"""


class BaseConvTranspose(ConvLayerBase):
    """Shared implementation of ``Conv1DTranspose``/``Conv2DTranspose``/``Conv3DTranspose``.

    ``kernel`` has Keras' layout ``(*kernel_size, filters, input_channels)``: the
    kernel of the forward convolution this layer transposes.
    """

    def __init__(
        self,
        filters,
        kernel_size,
        strides=1,
        padding="valid",
        output_padding=None,
        data_format=None,
        dilation_rate=1,
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
        self._setup_window(kernel_size, strides, padding, data_format, dilation_rate, activation)
        self.output_padding = None
        if output_padding is not None:
            self.output_padding = args.int_tuple(
                self, "output_padding", output_padding, self.rank, allow_zero=True
            )
            if any(p >= s for p, s in zip(self.output_padding, self.strides)):
                raise args.fail(
                    self,
                    "each `output_padding` must be smaller than the matching `strides`,"
                    f" received output_padding={self.output_padding} and"
                    f" strides={self.strides}.",
                )
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
        self.kernel = self.add_weight(
            name="kernel",
            shape=(*self.kernel_size, self.filters, channels),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self._build_bias(self.filters)

    def call(self, inputs):
        outputs = ops.conv_transpose(
            inputs,
            self.kernel.value,
            strides=self.strides,
            padding=self.padding,
            output_padding=self.output_padding,
            data_format=self.data_format,
            dilation_rate=self.dilation_rate,
        )
        return self._finish(outputs)

    def compute_output_shape(self, input_shape):
        extra = self.output_padding or (None,) * self.rank
        spatial = []
        for size, kernel, stride, dilation, pad in zip(
            self._spatial(input_shape), self.kernel_size, self.strides, self.dilation_rate, extra
        ):
            reach = (kernel - 1) * dilation + 1
            if size is None:
                spatial.append(None)
            elif self.padding == "valid":
                pad = max(reach, stride) - reach if pad is None else pad
                spatial.append((size - 1) * stride + reach + pad)
            elif pad is None:
                spatial.append(size * stride)
            else:
                spatial.append((size - 1) * stride + reach % 2 + pad)
        return self._with_channels(input_shape, spatial, self.filters)

    def get_config(self):
        config = self._window_config()
        config.update(
            filters=self.filters,
            output_padding=self.output_padding,
            **self._tail_config(),
            **self._weights_config("kernel", "bias"),
        )
        return config


class Conv1DTranspose(BaseConvTranspose):
    """1D transposed convolution (upsampling along steps).

    Input ``(batch, steps, channels)`` (``channels_last``) or ``(batch, channels,
    steps)`` → output ``(batch, new_steps, filters)`` or ``(batch, filters,
    new_steps)``. ``kernel``: ``(kernel_size, filters, channels)``.
    {args}
    Example::

        layer = Conv1DTranspose(8, 3, strides=2, padding="same")
        y = layer(jnp.ones((4, 5, 16)))        # (4, 10, 8)
    """

    rank = 1


class Conv2DTranspose(BaseConvTranspose):
    """2D transposed convolution (learned upsampling of images).

    Input ``(batch, rows, cols, channels)`` (``channels_last``) or ``(batch,
    channels, rows, cols)`` → output ``(batch, new_rows, new_cols, filters)`` or
    ``(batch, filters, new_rows, new_cols)``. ``kernel``: ``(kh, kw, filters, channels)``.
    {args}
    Example::

        layer = Conv2DTranspose(16, 3, strides=2, padding="same", activation="relu")
        y = layer(jnp.ones((8, 7, 7, 32)))     # (8, 14, 14, 16)
    """

    rank = 2


class Conv3DTranspose(BaseConvTranspose):
    """3D transposed convolution (learned upsampling of volumes).

    Input ``(batch, d1, d2, d3, channels)`` (``channels_last``) or ``(batch,
    channels, d1, d2, d3)`` → output ``(batch, n1, n2, n3, filters)`` or ``(batch,
    filters, n1, n2, n3)``. ``kernel``: ``(k1, k2, k3, filters, channels)``.
    Keras puts ``data_format`` before ``output_padding`` in this signature; so does this.
    {args}
    Example::

        layer = Conv3DTranspose(4, 2, strides=2)
        y = layer(jnp.ones((2, 3, 3, 3, 8)))   # (2, 6, 6, 6, 4)
    """

    rank = 3

    def __init__(
        self,
        filters,
        kernel_size,
        strides=1,
        padding="valid",
        data_format=None,
        output_padding=None,
        dilation_rate=1,
        **kwargs,
    ):
        super().__init__(
            filters,
            kernel_size,
            strides=strides,
            padding=padding,
            output_padding=output_padding,
            data_format=data_format,
            dilation_rate=dilation_rate,
            **kwargs,
        )


for _cls in (Conv1DTranspose, Conv2DTranspose, Conv3DTranspose):
    _cls.__doc__ = _cls.__doc__.format(args=_SHARED_ARGS)
