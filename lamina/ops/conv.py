"""Convolutions and pooling with Keras' conventions, on ``lax``.

Inputs are ``(batch, *spatial, channels)`` with ``data_format="channels_last"``
(the default) or ``(batch, channels, *spatial)`` with ``"channels_first"``; 1, 2
or 3 spatial dimensions. ``strides``, ``dilation_rate`` and ``pool_size`` are an
int or one int per spatial dimension; ``padding`` is ``"valid"`` or ``"same"``.
"""

import math

import jax.numpy as jnp
from jax import lax

from lamina.core import config
from lamina.ops.core import convert_to_tensor as _t


def _data_format(data_format):
    if data_format is None:
        return config.image_data_format()
    fmt = str(data_format).lower()
    if fmt not in ("channels_last", "channels_first"):
        raise ValueError(
            f"`data_format` must be 'channels_last' or 'channels_first'. Received: {data_format!r}"
        )
    return fmt


def _padding(padding):
    if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
        raise ValueError(f"`padding` must be 'valid' or 'same'. Received: {padding!r}")
    return padding.lower()


def _per_dim(value, n, name):
    """``value`` (an int or a sequence) as a tuple of ``n`` ints."""
    if isinstance(value, int):
        return (value,) * n
    value = tuple(value)
    if len(value) != n:
        raise ValueError(f"`{name}` must be an int or {n} ints. Received: {name}={value}")
    return value


def _spatial_rank(inputs, op):
    if inputs.ndim < 3:
        raise ValueError(
            f"{op}: inputs must have a batch, a channel and at least one spatial axis."
            f" Received: inputs.shape={inputs.shape}"
        )
    return inputs.ndim - 2


def _channels(inputs, data_format):
    return inputs.shape[-1] if data_format == "channels_last" else inputs.shape[1]


def _prepare(inputs, kernel, op, data_format, padding):
    """Validated ``(inputs, kernel, data_format, padding, n_spatial, dimension_numbers)``."""
    data_format, padding = _data_format(data_format), _padding(padding)
    kernel = _t(kernel)
    inputs = _t(inputs, dtype=kernel.dtype)
    n = _spatial_rank(inputs, op)
    if kernel.ndim != inputs.ndim:
        raise ValueError(
            f"{op}: the kernel must have rank {inputs.ndim} (spatial..., channels_in,"
            f" channels_out) for inputs of rank {inputs.ndim}. Received:"
            f" kernel.shape={kernel.shape}, inputs.shape={inputs.shape}"
        )
    io = (0, n + 1, *range(1, n + 1)) if data_format == "channels_last" else tuple(range(n + 2))
    # Kernels are (spatial..., in, out): lax's (out, in, spatial...) spec indexes them.
    numbers = lax.ConvDimensionNumbers(lhs_spec=io, rhs_spec=(n + 1, n, *range(n)), out_spec=io)
    return inputs, kernel, data_format, padding, n, numbers


def _channel_error(op, channels, expected, data_format):
    return ValueError(
        f"{op}: the inputs have {channels} channels but the kernel expects {expected}"
        f" (data_format={data_format!r})."
    )


def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """N-D convolution (cross-correlation) of ``inputs`` with ``kernel`` ``(*spatial, in, out)``.

    When the input channels are a multiple of ``in``, a grouped convolution is run.
    """
    inputs, kernel, data_format, padding, n, numbers = _prepare(
        inputs, kernel, "conv", data_format, padding
    )
    channels, kernel_in = _channels(inputs, data_format), kernel.shape[-2]
    if channels % kernel_in:
        raise _channel_error("conv", channels, f"a multiple of {kernel_in}", data_format)
    out = lax.conv_general_dilated(
        inputs,
        kernel,
        _per_dim(strides, n, "strides"),
        padding.upper(),
        rhs_dilation=_per_dim(dilation_rate, n, "dilation_rate"),
        dimension_numbers=numbers,
        feature_group_count=channels // kernel_in,
    )
    if out.size == 0 and inputs.size != 0:
        raise ValueError(
            "conv: the output is empty; the input is too small for this kernel size,"
            f" stride, dilation and padding (inputs.shape={inputs.shape},"
            f" kernel.shape={kernel.shape}, padding={padding!r})."
        )
    return out


def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """Per-channel convolution with ``kernel`` ``(*spatial, in, multiplier)``.

    The output has ``in * multiplier`` channels.
    """
    inputs, kernel, data_format, padding, n, numbers = _prepare(
        inputs, kernel, "depthwise_conv", data_format, padding
    )
    channels = _channels(inputs, data_format)
    if kernel.shape[-2] != channels:
        raise _channel_error("depthwise_conv", channels, kernel.shape[-2], data_format)
    kernel = jnp.reshape(kernel, (*kernel.shape[:-2], 1, channels * kernel.shape[-1]))
    return lax.conv_general_dilated(
        inputs,
        kernel,
        _per_dim(strides, n, "strides"),
        padding.upper(),
        rhs_dilation=_per_dim(dilation_rate, n, "dilation_rate"),
        dimension_numbers=numbers,
        feature_group_count=channels,
    )


def _transpose_pads(size, stride, dilation, padding, output_padding):
    """(left, right) padding that gives Keras' transposed-convolution output length."""
    extent = (size - 1) * dilation + 1  # the dilated kernel's reach
    if padding == "valid":
        # Output length (in - 1) * stride + max(extent, stride), or + extent + output_padding.
        extra = max(extent, stride) - extent if output_padding is None else output_padding
        return extent - 1, extent - 1 + extra
    if output_padding is None:  # output length in * stride
        total = stride + extent - 2
    else:  # output length (in - 1) * stride + extent % 2 + output_padding
        total = extent + extent % 2 - 2 + output_padding
    left = min(total // 2 + total % 2, extent - 1)
    return left, total - left


def conv_transpose(
    inputs,
    kernel,
    strides=1,
    padding="valid",
    output_padding=None,
    data_format=None,
    dilation_rate=1,
):
    """Transposed convolution with ``kernel`` ``(*spatial, out, in)`` (Keras' layout).

    With ``padding="same"`` and no ``output_padding`` the spatial size is multiplied
    by ``strides``; ``output_padding`` (int or per dimension) adds to the far side.
    """
    inputs, kernel, data_format, padding, n, numbers = _prepare(
        inputs, kernel, "conv_transpose", data_format, padding
    )
    channels = _channels(inputs, data_format)
    if kernel.shape[-1] != channels:
        raise _channel_error("conv_transpose", channels, kernel.shape[-1], data_format)
    strides = _per_dim(strides, n, "strides")
    dilation = _per_dim(dilation_rate, n, "dilation_rate")
    extra = (None,) * n if output_padding is None else _per_dim(output_padding, n, "output_padding")
    pads = [
        _transpose_pads(size, s, d, padding, p)
        for size, s, d, p in zip(kernel.shape[:n], strides, dilation, extra)
    ]
    return lax.conv_transpose(
        inputs,
        kernel,
        strides,
        pads,
        rhs_dilation=dilation,
        dimension_numbers=numbers,
        transpose_kernel=True,
    )


def _windows(inputs, pool_size, strides, data_format, op):
    """Full-rank (window, strides) tuples for ``lax.reduce_window``."""
    n = _spatial_rank(inputs, op)
    window = _per_dim(pool_size, n, "pool_size")
    strides = window if strides is None else _per_dim(strides, n, "strides")
    if data_format == "channels_last":
        return (1, *window, 1), (1, *strides, 1)
    return (1, 1, *window), (1, 1, *strides)


def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Max over ``pool_size`` windows moved by ``strides`` (default: ``pool_size``)."""
    inputs = _t(inputs)
    data_format, padding = _data_format(data_format), _padding(padding)
    window, strides = _windows(inputs, pool_size, strides, data_format, "max_pool")
    if jnp.issubdtype(inputs.dtype, jnp.integer):
        lowest = int(jnp.iinfo(inputs.dtype).min)
    else:
        lowest = -jnp.inf
    return lax.reduce_window(inputs, lowest, lax.max, window, strides, padding.upper())


def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Mean over ``pool_size`` windows moved by ``strides`` (default: ``pool_size``).

    With ``padding="same"`` the padded positions are excluded from each mean.
    """
    inputs = _t(inputs)
    if not jnp.issubdtype(inputs.dtype, jnp.inexact):
        inputs = inputs.astype(config.floatx())
    data_format, padding = _data_format(data_format), _padding(padding)
    window, strides = _windows(inputs, pool_size, strides, data_format, "average_pool")
    sums = lax.reduce_window(inputs, 0.0, lax.add, window, strides, padding.upper())
    if padding == "valid":
        return sums / math.prod(window)
    # Count the real (unpadded) entries of each window; axes not pooled need no count.
    ones = jnp.ones([d if w != 1 else 1 for d, w in zip(inputs.shape, window)], inputs.dtype)
    counts = lax.reduce_window(ones, 0.0, lax.add, window, strides, padding.upper())
    return sums / counts
