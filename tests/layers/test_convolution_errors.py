"""Convolution layers refuse bad arguments and inputs with errors that name the layer,
the argument and the value received."""

import re

import jax.numpy as jnp
import keras
import pytest

from lamina import layers


def make(cls_name, *args, **kwargs):
    """Layer ``name`` with zero-initialized kernels: these tests need no random weights."""
    if cls_name.startswith("Depthwise"):
        kernels = ("depthwise",)
    elif cls_name.startswith("Separable"):
        kernels = ("depthwise", "pointwise")
    else:
        kernels = ("kernel",)
    zeros = {f"{k}_initializer": "zeros" for k in kernels}
    return getattr(layers, cls_name)(*args, **kwargs, **zeros)


@pytest.mark.parametrize("name", ["Conv2D", "Conv1DTranspose", "SeparableConv2D", "Conv3D"])
@pytest.mark.parametrize("filters", [0, -2, 2.5, "8", None])
def test_bad_filters_are_refused(name, filters):
    message = f"{name} 'bad': `filters` must be a positive int, received filters={filters!r}."
    with pytest.raises(ValueError, match=re.escape(message)):
        getattr(layers, name)(filters, 3, name="bad")


@pytest.mark.parametrize(
    "name, kernel_size, expected",
    [
        ("Conv2D", 0, "a positive int or a tuple of 2 positive ints"),
        ("Conv2D", (3, 0), "a positive int or a tuple of 2 positive ints"),
        ("Conv2D", (3, 3, 3), "a positive int or a tuple of 2 positive ints"),
        ("Conv1D", "3", "a positive int or a tuple of 1 positive ints"),
        ("Conv3DTranspose", (2, -1, 2), "a positive int or a tuple of 3 positive ints"),
        ("DepthwiseConv1D", 0, "a positive int or a tuple of 1 positive ints"),
    ],
)
def test_bad_kernel_size_is_refused(name, kernel_size, expected):
    args = (kernel_size,) if name.startswith("Depthwise") else (2, kernel_size)
    message = f"{name} 'k': `kernel_size` must be {expected}, received kernel_size={kernel_size!r}."
    with pytest.raises(ValueError, match=re.escape(message)):
        getattr(layers, name)(*args, name="k")
    # Keras refuses the same arguments.
    with pytest.raises((ValueError, TypeError)):
        getattr(keras.layers, name)(*args)


@pytest.mark.parametrize("argument", ["strides", "dilation_rate"])
def test_zero_strides_and_dilation_are_refused(argument):
    with pytest.raises(ValueError, match=rf"Conv2D 's': `{argument}` must be .* {argument}=0\."):
        layers.Conv2D(2, 3, name="s", **{argument: 0})


def test_groups_must_be_positive_and_divide_filters():
    with pytest.raises(ValueError, match=r"Conv2D 'g': `groups` must be a positive int, .*=0"):
        layers.Conv2D(4, 3, groups=0, name="g")
    message = (
        "Conv1D 'g': `filters` must be divisible by `groups`, received filters=5 and groups=2."
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        layers.Conv1D(5, 3, groups=2, name="g")
    with pytest.raises(ValueError):
        keras.layers.Conv1D(5, 3, groups=2)


@pytest.mark.parametrize(
    "data_format, shape", [("channels_last", (1, 5, 5, 3)), ("channels_first", (1, 3, 5, 5))]
)
def test_input_channels_must_be_divisible_by_groups(data_format, shape):
    layer = layers.Conv2D(4, 3, groups=2, data_format=data_format, name="grouped")
    message = (
        "Conv2D 'grouped': the number of input channels must be divisible by `groups`,"
        f" received groups=2 and 3 input channels (input shape {shape})."
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        layer(jnp.ones(shape))


@pytest.mark.parametrize(
    "name, args, good, bad",
    [
        ("Conv2D", (2, 3), (1, 5, 5, 3), (2, 5, 5)),
        ("Conv1D", (2, 3), (1, 5, 3), (1, 5, 5, 3)),
        ("Conv3DTranspose", (2, 2), (1, 3, 3, 3, 2), (1, 3, 3, 2)),
        ("DepthwiseConv2D", (3,), (1, 5, 5, 3), (5, 5, 3)),
        ("SeparableConv1D", (2, 3), (1, 5, 3), (5, 3)),
    ],
)
def test_wrong_input_rank_names_the_layer_before_and_after_build(name, args, good, bad):
    rank = len(good)
    fresh = make(name, *args, name="fresh")
    message = f"Input 0 of {name} layer 'fresh' is incompatible with the layer:"
    message += f" expected ndim={rank}"
    with pytest.raises(ValueError, match=re.escape(message) + r".*" + re.escape(str(bad))):
        fresh(jnp.ones(bad))
    fresh(jnp.ones(good))
    with pytest.raises(ValueError, match=rf"layer 'fresh'.*ndim={rank}.*{re.escape(str(bad))}"):
        fresh(jnp.ones(bad))


@pytest.mark.parametrize(
    "name, args, data_format, good, bad, axis",
    [
        ("Conv2D", (2, 3), "channels_last", (1, 5, 5, 3), (1, 5, 5, 4), -1),
        ("Conv2D", (2, 3), "channels_first", (1, 3, 5, 5), (1, 4, 5, 5), 1),
        ("Conv1DTranspose", (2, 3), "channels_last", (1, 5, 3), (1, 5, 2), -1),
        ("DepthwiseConv1D", (3,), "channels_first", (1, 3, 5), (1, 2, 5), 1),
        ("SeparableConv2D", (2, 3), "channels_last", (1, 5, 5, 3), (1, 5, 5, 1), -1),
    ],
)
def test_channel_mismatch_after_build_names_the_layer(name, args, data_format, good, bad, axis):
    layer = make(name, *args, data_format=data_format, name="built")
    layer(jnp.ones(good))
    expected = rf"layer 'built'.*axis {axis} of input shape to have value {good[axis]}"
    with pytest.raises(ValueError, match=expected + r".*" + re.escape(str(bad))):
        layer(jnp.ones(bad))


@pytest.mark.parametrize(
    "name, args, padding, allowed",
    [
        ("Conv2D", (2, 3), "full", "'valid', 'same'"),
        ("Conv2D", (2, 3), "causal", "'valid', 'same'"),
        ("Conv1D", (2, 3), "full", "'valid', 'same', 'causal'"),
        ("Conv1DTranspose", (2, 3), "causal", "'valid', 'same'"),
        ("DepthwiseConv1D", (3,), "causal", "'valid', 'same'"),
        ("SeparableConv1D", (2, 3), 1, "'valid', 'same'"),
    ],
)
def test_invalid_padding_is_refused(name, args, padding, allowed):
    message = f"{name} 'p': `padding` must be one of {allowed}, received padding={padding!r}."
    with pytest.raises(ValueError, match=re.escape(message)):
        getattr(layers, name)(*args, padding=padding, name="p")
    if isinstance(padding, str):
        with pytest.raises(ValueError):
            getattr(keras.layers, name)(*args, padding=padding)


def test_padding_is_case_insensitive_and_causal_is_conv1d_only():
    assert layers.Conv1D(2, 3, padding="CAUSAL").padding == "causal"
    assert layers.Conv2D(2, 3, padding="Same").padding == "same"


@pytest.mark.parametrize(
    "name, args", [("Conv2D", (2, 3)), ("DepthwiseConv2D", (3,)), ("Conv3DTranspose", (2, 3))]
)
def test_invalid_data_format_is_refused(name, args):
    message = (
        f"{name} 'f': `data_format` must be 'channels_last' or 'channels_first', received"
        " data_format='NHWC'."
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        getattr(layers, name)(*args, data_format="NHWC", name="f")
    with pytest.raises(ValueError):
        getattr(keras.layers, name)(*args, data_format="NHWC")


@pytest.mark.parametrize("output_padding", [2, (1, 3), (-1, 0)])
def test_output_padding_must_be_below_strides(output_padding):
    with pytest.raises(ValueError, match=r"Conv2DTranspose 't': .*output_padding"):
        layers.Conv2DTranspose(2, 3, strides=(2, 3), output_padding=output_padding, name="t")
    with pytest.raises(ValueError):
        keras.layers.Conv2DTranspose(2, 3, strides=(2, 3), output_padding=output_padding)


@pytest.mark.parametrize("name", ["Conv2D", "Conv1DTranspose"])
def test_strides_and_dilation_cannot_both_exceed_one(name):
    message = f"{name} 'sd': `strides > 1` cannot be combined with `dilation_rate > 1`, received"
    with pytest.raises(ValueError, match=re.escape(message) + r" strides=\(2.*dilation_rate=\(2"):
        getattr(layers, name)(2, 3, strides=2, dilation_rate=2, name="sd")
    with pytest.raises(ValueError):
        getattr(keras.layers, name)(2, 3, strides=2, dilation_rate=2)


@pytest.mark.parametrize("name, args", [("DepthwiseConv2D", (3,)), ("SeparableConv1D", (2, 3))])
def test_depth_multiplier_must_be_positive(name, args):
    message = (
        f"{name} 'dm': `depth_multiplier` must be a positive int, received depth_multiplier=0."
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        getattr(layers, name)(*args, depth_multiplier=0, name="dm")


@pytest.mark.parametrize(
    "name, args", [("Conv2D", (2, 5)), ("DepthwiseConv2D", (5,)), ("SeparableConv2D", (2, 5))]
)
def test_input_smaller_than_a_valid_window_is_refused(name, args):
    layer = getattr(layers, name)(*args, name="tiny")
    with pytest.raises(ValueError, match=r"'tiny': the input shape \(1, 3, 3, 2\) is too small"):
        layer(jnp.ones((1, 3, 3, 2)))
    with pytest.raises(ValueError):
        getattr(keras.layers, name)(*args)(jnp.ones((1, 3, 3, 2)))
