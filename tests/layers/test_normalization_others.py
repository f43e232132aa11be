"""LayerNormalization, GroupNormalization, RMSNormalization and UnitNormalization
against Keras 3 (JAX backend) and NumPy: outputs, configs, gradients, jit, vmap,
masks and errors."""

import re

import jax
import jax.numpy as jnp
import keras
import numpy as np
import pytest
from layer_checks import (
    assert_config_matches_keras,
    assert_gradients_match_finite_differences,
    assert_jit_apply_matches_eager,
    assert_matches_keras,
    random_inputs,
)

from lamina import layers
from lamina.core import masking

# (layer name, constructor arguments, input shape)
CASES = [
    ("LayerNormalization", dict(), (2, 3, 4)),
    ("LayerNormalization", dict(axis=[1, 2]), (2, 3, 4)),
    ("LayerNormalization", dict(axis=(-2, -1), epsilon=0.1), (2, 3, 4)),
    ("LayerNormalization", dict(axis=1, center=False), (2, 3, 4)),
    ("LayerNormalization", dict(scale=False, gamma_regularizer="l2"), (3, 5)),
    ("LayerNormalization", dict(rms_scaling=True, beta_initializer="ones"), (2, 3, 4)),
    ("GroupNormalization", dict(groups=2), (2, 3, 4)),
    ("GroupNormalization", dict(groups=-1), (2, 3, 4)),
    ("GroupNormalization", dict(groups=1, epsilon=1e-2), (3, 5)),
    ("GroupNormalization", dict(groups=2, axis=1), (2, 4, 3, 3)),  # channels_first
    ("GroupNormalization", dict(groups=3, axis=-2, center=False), (2, 6, 2)),
    (
        "GroupNormalization",
        dict(groups=2, scale=False, beta_regularizer={"class_name": "L1", "config": {"l1": 0.5}}),
        (2, 2, 4),
    ),
    ("RMSNormalization", dict(), (2, 3, 4)),
    ("RMSNormalization", dict(axis=[1, 2], epsilon=1e-2), (2, 3, 4)),
    ("RMSNormalization", dict(axis=-1), (4, 5)),
    ("UnitNormalization", dict(), (2, 3, 4)),
    ("UnitNormalization", dict(axis=[1, 2]), (2, 3, 4)),
    ("UnitNormalization", dict(axis=1), (2, 3, 4)),
]
IDS = [f"{name}-{kwargs}-{shape}" for name, kwargs, shape in CASES]


# Keras and lamina both warn that rms_scaling is deprecated; one test pins lamina's.
pytestmark = [
    pytest.mark.filterwarnings("ignore:You passed `rms_scaling=True`"),
    pytest.mark.filterwarnings("ignore:.*`rms_scaling=True` is deprecated"),
]


def pair(name, **kwargs):
    """The lamina layer and its Keras twin, built from the same arguments."""
    return getattr(layers, name)(**kwargs), getattr(keras.layers, name)(**kwargs)


def randomized(layer, shape, seed=0):
    """``layer`` built for ``shape`` with random weights (copied to Keras anyway)."""
    layer.build(shape)
    rng = np.random.default_rng(seed)
    for w in layer.weights:
        w.assign(rng.normal(1.0, 0.5, w.shape).astype("float32"))
    return layer


@pytest.mark.parametrize("name,kwargs,shape", CASES, ids=IDS)
def test_outputs_match_keras(name, kwargs, shape):
    ours, theirs = pair(name, **kwargs)
    x = random_inputs(shape, seed=1) * 2 + 1
    assert_matches_keras(randomized(ours, shape), theirs, x)
    if ours.weights:
        assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]
    assert len(ours.losses) == len(theirs.losses)
    np.testing.assert_allclose(ours.losses, theirs.losses, rtol=1e-5)


@pytest.mark.parametrize("name,kwargs,shape", CASES, ids=IDS)
def test_config_matches_keras(name, kwargs, shape):
    ours, theirs = pair(name, **kwargs)
    assert_config_matches_keras(ours, theirs)
    ours.build(shape)
    theirs.build(shape)
    # After build Keras rewrites some arguments (axis lists sorted, groups=-1 resolved).
    assert_config_matches_keras(ours, theirs)


@pytest.mark.parametrize(
    "name,kwargs,shape",
    [
        ("LayerNormalization", dict(axis=[1, 2]), (3, 2, 3)),
        ("LayerNormalization", dict(rms_scaling=True), (3, 4)),
        ("GroupNormalization", dict(groups=2, axis=1), (2, 4, 3)),
        ("RMSNormalization", dict(), (3, 4)),
    ],
)
def test_gradients_match_finite_differences(name, kwargs, shape):
    layer = randomized(pair(name, **kwargs)[0], shape)
    assert_gradients_match_finite_differences(layer, random_inputs(shape, seed=2))


@pytest.mark.parametrize("name,kwargs,shape", CASES[::3], ids=IDS[::3])
def test_jit_apply_matches_eager(name, kwargs, shape):
    layer = pair(name, **kwargs)[0]
    assert_jit_apply_matches_eager(layer, random_inputs(shape, seed=3))


def numpy_layer_norm(x, axes, gamma, beta, epsilon=1e-3):
    mean = x.mean(axis=axes, keepdims=True)
    return (x - mean) / np.sqrt(x.var(axis=axes, keepdims=True) + epsilon) * gamma + beta


def test_vmapped_layer_norm_ensemble_matches_numpy_member_by_member():
    layer = layers.LayerNormalization()
    x = random_inputs((2, 3, 4), seed=4)
    _, state = layer.init(jax.random.key(0), x)
    rng = np.random.default_rng(0)
    params = {k: jnp.asarray(rng.normal(size=(3, 4)), jnp.float32) for k in ("gamma", "beta")}
    ys, _ = jax.vmap(lambda p: layer.apply(p, state, x))(params)
    assert ys.shape == (3, 2, 3, 4)
    for i in range(3):
        gamma, beta = np.asarray(params["gamma"][i]), np.asarray(params["beta"][i])
        np.testing.assert_allclose(ys[i], numpy_layer_norm(x, -1, gamma, beta), atol=1e-5)
    assert not np.allclose(params["gamma"][0], params["gamma"][1])


def test_vmapped_group_norm_over_examples_equals_the_batched_call():
    layer = randomized(layers.GroupNormalization(groups=2), (1, 3, 4))
    xs = random_inputs((5, 3, 4), seed=5)
    params, state = layer.split()
    # One example at a time, as a batch of one: per-example statistics must not mix.
    ys = jax.vmap(lambda x: layer.apply(params, state, x[None])[0][0])(xs)
    np.testing.assert_allclose(ys, layer(xs), atol=1e-6)
    grouped = xs.reshape(5, 3, 2, 2)
    mean = grouped.mean(axis=(1, 3), keepdims=True)
    var = grouped.var(axis=(1, 3), keepdims=True)
    gamma, beta = layer.gamma.numpy(), layer.beta.numpy()
    expected = ((grouped - mean) / np.sqrt(var + 1e-3)).reshape(5, 3, 4) * gamma + beta
    np.testing.assert_allclose(ys, expected, rtol=1e-5, atol=1e-5)


def test_rms_norm_on_a_middle_axis_scales_along_that_axis():
    # Keras 3.15 multiplies by `scale` without reshaping it, which only works when
    # the normalized axes are the trailing ones; lamina broadcasts along `axis`.
    x = random_inputs((2, 3, 4), seed=6)
    layer = randomized(layers.RMSNormalization(axis=1), x.shape)
    scale = layer.scale.numpy()
    expected = x / np.sqrt((x**2).mean(axis=1, keepdims=True) + 1e-6) * scale[:, None]
    np.testing.assert_allclose(layer(x), expected, rtol=1e-5, atol=1e-6)


def test_unit_norm_keeps_zero_examples_zero_and_others_unit_length():
    x = random_inputs((3, 4), seed=7)
    x[1] = 0.0
    y = np.asarray(layers.UnitNormalization()(x))
    np.testing.assert_array_equal(y[1], np.zeros(4))
    np.testing.assert_allclose(np.linalg.norm(y[[0, 2]], axis=-1), [1.0, 1.0], rtol=1e-6)
    np.testing.assert_allclose(y[0], x[0] / np.linalg.norm(x[0]), rtol=1e-6)


def test_layer_norm_built_once_accepts_another_rank_like_keras():
    ours, theirs = pair("LayerNormalization")
    assert_matches_keras(randomized(ours, (2, 4)), theirs, random_inputs((2, 4)))
    x = random_inputs((2, 3, 4), seed=8)
    np.testing.assert_allclose(ours(x), theirs(x), atol=1e-5)


@pytest.mark.parametrize(
    "name,kwargs",
    [
        ("LayerNormalization", {}),
        ("GroupNormalization", {"groups": 3}),
        ("UnitNormalization", {}),
        ("RMSNormalization", {}),
    ],
)
def test_masks_propagate_exactly_where_keras_propagates_them(name, kwargs):
    x = random_inputs((2, 4, 3), seed=9)
    x[0, 3:] = 0.0
    keep = np.any(x != 0, axis=-1)
    ours, theirs = pair(name, **kwargs)
    y = ours(layers.Masking()(x))
    assert ours.supports_masking == theirs.supports_masking
    if theirs.supports_masking:
        np.testing.assert_array_equal(masking.get_mask(y), keep)
        np.testing.assert_array_equal(ours.compute_mask(x, keep), theirs.compute_mask(x, keep))
    else:
        assert masking.get_mask(y) is None


def test_rms_scaling_warns_that_it_is_deprecated():
    with pytest.warns(UserWarning, match=r"'ln': `rms_scaling=True` is deprecated"):
        layers.LayerNormalization(rms_scaling=True, name="ln")


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize("name", ["LayerNormalization", "RMSNormalization", "UnitNormalization"])
@pytest.mark.parametrize("axis", ["x", 1.0, [], [2, 2], None])
def test_bad_axis_arguments_are_refused(name, axis):
    pattern = rf"{name} 'n': `axis`.*received axis={re.escape(repr(axis))}"
    with pytest.raises(ValueError, match=pattern):
        getattr(layers, name)(axis=axis, name="n")


@pytest.mark.parametrize("name", ["LayerNormalization", "RMSNormalization", "UnitNormalization"])
def test_axes_out_of_range_are_refused_when_the_input_arrives(name):
    layer = getattr(layers, name)(axis=[1, 3], name="n")
    with pytest.raises(ValueError, match=r"'n': `axis`=\[1, 3\] is out of range .*rank 3"):
        layer(jnp.ones((2, 3, 4)))
    with pytest.raises(ValueError, match=r"'n': `axis`=\[1, 3\] is out of range"):
        layer.compute_output_shape((2, 3, 4))


def test_layer_norm_axes_naming_one_dimension_twice_are_refused():
    with pytest.raises(ValueError, match=r"'n': `axis`=\[-1, 2\] names the same dimension"):
        layers.LayerNormalization(axis=[-1, 2], name="n")(jnp.ones((2, 3, 4)))


@pytest.mark.parametrize("name", ["LayerNormalization", "GroupNormalization", "RMSNormalization"])
@pytest.mark.parametrize("epsilon", [-1e-3, "0.1", float("inf")])
def test_bad_epsilon_is_refused(name, epsilon):
    pattern = rf"{name} 'n': `epsilon` must be a non-negative number, received epsilon="
    with pytest.raises(ValueError, match=pattern + re.escape(repr(epsilon))):
        getattr(layers, name)(epsilon=epsilon, name="n")


@pytest.mark.parametrize("groups", [0, -2, 1.5, "2", True])
def test_bad_groups_are_refused(groups):
    pattern = rf"GroupNormalization 'gn': `groups` must be .* received groups={groups!r}"
    with pytest.raises(ValueError, match=pattern):
        layers.GroupNormalization(groups=groups, name="gn")


@pytest.mark.parametrize("groups,channels", [(3, 4), (8, 4)])
def test_groups_must_divide_the_channels(groups, channels):
    layer = layers.GroupNormalization(groups=groups, name="gn")
    pattern = rf"'gn': `groups`={groups} must divide the number of channels, received {channels}"
    with pytest.raises(ValueError, match=pattern):
        layer(jnp.ones((2, 5, channels)))


@pytest.mark.parametrize("axis,pattern", [(0, "the batch axis"), (3, "out of range")])
def test_group_norm_axis_must_be_a_channel_axis(axis, pattern):
    with pytest.raises(ValueError, match=rf"GroupNormalization 'gn': `axis`={axis} is {pattern}"):
        layers.GroupNormalization(groups=1, axis=axis, name="gn")(jnp.ones((2, 3, 4)))
    with pytest.raises(ValueError, match=r"`axis` must be an int, received axis=\[1, 2\]"):
        layers.GroupNormalization(axis=[1, 2])


@pytest.mark.parametrize(
    "name,kwargs",
    [("GroupNormalization", {"groups": 2}), ("LayerNormalization", {}), ("RMSNormalization", {})],
)
def test_wrong_rank_and_channel_mismatch_name_the_layer(name, kwargs):
    layer = getattr(layers, name)(name="n", **kwargs)
    layer(jnp.ones((2, 3, 4)))
    with pytest.raises(ValueError, match=r"layer 'n'.*axis -1 of input shape to have value 4"):
        layer(jnp.ones((2, 3, 6)))
    if name == "GroupNormalization":
        with pytest.raises(ValueError, match=r"layer 'n'.*ndim=3.*shape \(2, 4\)"):
            layer(jnp.ones((2, 4)))
