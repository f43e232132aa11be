"""Convolution layers as pure functions: gradients, jit, vmap; and references
independent of Keras (a NumPy loop, the causal property)."""

import jax
import jax.numpy as jnp
import keras
import numpy as np
import pytest
from layer_checks import (
    assert_gradients_match_finite_differences,
    assert_jit_apply_matches_eager,
    assert_trees_close,
    random_inputs,
)

from lamina import layers

# One configuration per layer with a bias, non-trivial strides/dilation/padding.
LAYERS = [
    ("Conv1D", dict(filters=3, kernel_size=3, padding="causal", dilation_rate=2), (2, 7, 2)),
    (
        "Conv2D",
        dict(
            filters=4,
            kernel_size=2,
            strides=2,
            groups=2,
            activation="tanh",
            data_format="channels_first",
        ),
        (2, 4, 5, 5),
    ),
    ("Conv3D", dict(filters=2, kernel_size=2, padding="same"), (1, 3, 3, 3, 2)),
    ("Conv1DTranspose", dict(filters=2, kernel_size=3, strides=2, output_padding=1), (2, 4, 3)),
    (
        "Conv2DTranspose",
        dict(filters=2, kernel_size=3, strides=2, padding="same", activation="sigmoid"),
        (2, 3, 3, 2),
    ),
    (
        "Conv3DTranspose",
        dict(filters=2, kernel_size=2, strides=2, data_format="channels_first"),
        (1, 2, 2, 2, 2),
    ),
    ("DepthwiseConv1D", dict(kernel_size=3, depth_multiplier=2, padding="same"), (2, 6, 3)),
    ("DepthwiseConv2D", dict(kernel_size=2, strides=2, data_format="channels_first"), (2, 3, 5, 5)),
    ("SeparableConv1D", dict(filters=3, kernel_size=2, depth_multiplier=2), (2, 6, 2)),
    (
        "SeparableConv2D",
        dict(filters=2, kernel_size=2, padding="same", activation="relu"),
        (2, 4, 4, 3),
    ),
]
IDS = [name for name, _, _ in LAYERS]


def numpy_normal(shape, dtype=None):
    """NumPy-drawn weights: no jax.random compile per shape, and a non-zero bias."""
    return np.random.default_rng(sum(shape)).normal(size=shape).astype("float32")


def _initializers(name, initializer):
    kernels = {"Depthwise": ("depthwise",), "Separable": ("depthwise", "pointwise")}
    prefixes = next((v for k, v in kernels.items() if name.startswith(k)), ("kernel",))
    return {f"{p}_initializer": initializer for p in (*prefixes, "bias")}


def fast(name, config):
    """Layer ``name`` built from ``config`` with NumPy-drawn initial weights."""
    return getattr(layers, name)(**config, **_initializers(name, numpy_normal))


def keras_twin(name, config, input_shape):
    """The built Keras layer; zero-initialized, as the tests copy weights into it."""
    twin = getattr(keras.layers, name)(**config, **_initializers(name, "zeros"))
    twin.build(input_shape)
    return twin


@pytest.mark.parametrize("name, config, shape", LAYERS, ids=IDS)
def test_jit_apply_and_gradients(name, config, shape):
    layer = fast(name, config)
    x = random_inputs(shape)
    assert_jit_apply_matches_eager(layer, x)
    assert_gradients_match_finite_differences(layer, x)


@pytest.mark.parametrize(
    "name, config, shape", [LAYERS[1], LAYERS[4], LAYERS[8]], ids=[IDS[1], IDS[4], IDS[8]]
)
def test_vmap_over_a_stack_of_inputs_matches_keras_per_slice(name, config, shape):
    layer = fast(name, config)
    xs = random_inputs((3, *shape), seed=2)
    layer(xs[0])
    params, state = layer.split()
    ys = jax.jit(jax.vmap(lambda x: layer.apply(params, state, x)[0]))(xs)
    twin = keras_twin(name, config, shape)
    twin.set_weights([w.numpy() for w in layer.weights])
    for i in range(3):
        assert_trees_close(ys[i], twin(xs[i]))


def test_vmapped_init_gives_an_ensemble_each_member_matching_keras():
    layer = layers.Conv2D(3, 2, padding="same")  # the default glorot_uniform, under vmap
    x = random_inputs((2, 4, 4, 2))
    keys = jax.random.split(jax.random.key(0), 3)
    params, state = jax.vmap(lambda k: layer.init(k, x))(keys)
    assert params["kernel"].shape == (3, 2, 2, 2, 3)
    ys = jax.vmap(lambda p, s: layer.apply(p, s, x)[0])(params, state)
    assert not np.allclose(ys[0], ys[1])
    twin = keras_twin("Conv2D", dict(filters=3, kernel_size=2, padding="same"), x.shape)
    for i in range(3):
        twin.set_weights([np.asarray(params["kernel"][i]), np.asarray(params["bias"][i])])
        assert_trees_close(ys[i], twin(x))


def _numpy_conv1d(x, kernel, bias, stride, dilation, groups):
    """Direct 'valid' grouped 1D cross-correlation, channels_last."""
    batch, steps, channels = x.shape
    width, per_group, filters = kernel.shape
    out_steps = (steps - dilation * (width - 1) - 1) // stride + 1
    per_out = filters // groups
    y = np.zeros((batch, out_steps, filters))
    for t in range(out_steps):
        for f in range(filters):
            g = f // per_out
            for k in range(width):
                taps = x[:, t * stride + k * dilation, g * per_group : (g + 1) * per_group]
                y[:, t, f] += taps @ kernel[k, :, f]
    return y + bias


@pytest.mark.parametrize("stride, dilation, groups", [(1, 1, 1), (2, 1, 3), (1, 2, 3)])
def test_grouped_conv1d_matches_a_numpy_loop(stride, dilation, groups):
    layer = fast(
        "Conv1D",
        dict(filters=6, kernel_size=3, strides=stride, dilation_rate=dilation, groups=groups),
    )
    x = random_inputs((2, 11, 6))
    y = layer(x)
    expected = _numpy_conv1d(x, layer.kernel.numpy(), layer.bias.numpy(), stride, dilation, groups)
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-5)


def test_causal_conv1d_output_never_sees_the_future():
    layer = fast("Conv1D", dict(filters=2, kernel_size=3, padding="causal", dilation_rate=2))
    x = random_inputs((1, 10, 2))
    y = np.asarray(layer(x))
    changed = x.copy()
    changed[:, 6:] += 1.0
    y2 = np.asarray(layer(changed))
    np.testing.assert_allclose(y2[:, :6], y[:, :6], rtol=0, atol=0)
    assert not np.allclose(y2[:, 6], y[:, 6])
    assert y.shape == (1, 10, 2)


@pytest.mark.parametrize(
    "name, config, shape",
    [
        ("Conv2D", dict(filters=3, kernel_size=3, strides=2), (None, None, 9, 2)),
        ("Conv1D", dict(filters=3, kernel_size=3, padding="causal"), (None, None, 2)),
        (
            "Conv2DTranspose",
            dict(filters=3, kernel_size=3, strides=2, output_padding=1, padding="same"),
            (None, 4, None, 2),
        ),
        (
            "Conv3DTranspose",
            dict(filters=3, kernel_size=3, strides=(1, 2, 3), data_format="channels_first"),
            (None, 2, 4, None, 5),
        ),
        (
            "DepthwiseConv2D",
            dict(kernel_size=2, depth_multiplier=3, padding="same"),
            (None, 5, None, 2),
        ),
        ("SeparableConv1D", dict(filters=4, kernel_size=2, dilation_rate=2), (None, 7, 3)),
    ],
)
def test_output_shapes_with_unknown_dimensions_match_keras(name, config, shape):
    ours = getattr(layers, name)(**config).compute_output_shape(shape)
    theirs = getattr(keras.layers, name)(**config).compute_output_shape(shape)
    assert tuple(ours) == tuple(theirs)


def test_weights_are_params_and_follow_keras_order():
    layer = fast("SeparableConv2D", dict(filters=2, kernel_size=2))
    layer(jnp.ones((1, 4, 4, 3)))
    twin = keras_twin("SeparableConv2D", dict(filters=2, kernel_size=2), (1, 4, 4, 3))
    assert [w.name for w in layer.weights] == [w.name for w in twin.weights]
    assert [w.shape for w in layer.weights] == [tuple(w.shape) for w in twin.weights]
    params, state = layer.split()
    assert set(params) == {"depthwise_kernel", "pointwise_kernel", "bias"} and not state
