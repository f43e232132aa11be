"""Reshaping layers against Keras 3 (JAX backend) and NumPy: outputs, shapes, configs,
masks, jit/vmap, gradients and errors."""

import re

import jax
import jax.numpy as jnp
import keras
import numpy as np
import pytest
from keras.src.backend import get_keras_mask
from layer_checks import (
    assert_config_matches_keras,
    assert_jit_apply_matches_eager,
    assert_matches_keras,
    random_inputs,
)

import lamina
from lamina import layers
from lamina.core import masking

CF = "channels_first"

# Keras warns whenever a mask reaches a layer that drops it; that is the point here.
pytestmark = pytest.mark.filterwarnings("ignore:.*does not support masking:UserWarning")

# (class name, constructor arguments, input shape)
CASES = [
    ("Flatten", {}, (2, 3, 4)),
    ("Flatten", dict(data_format=CF), (2, 3, 2, 2)),
    ("Flatten", {}, (3,)),
    ("Flatten", dict(data_format=CF), (2, 5)),
    ("Reshape", dict(target_shape=(6, 2)), (2, 3, 4)),
    ("Reshape", dict(target_shape=(-1, 3)), (2, 3, 4)),
    ("Reshape", dict(target_shape=(2, -1, 2)), (2, 4, 3)),
    ("Reshape", dict(target_shape=(12,)), (2, 3, 4)),
    ("Permute", dict(dims=(2, 1)), (2, 3, 4)),
    ("Permute", dict(dims=(3, 1, 2)), (2, 2, 3, 4)),
    ("RepeatVector", dict(n=3), (2, 4)),
    ("RepeatVector", dict(n=1), (3, 2)),
    ("UpSampling1D", {}, (2, 3, 2)),
    ("UpSampling1D", dict(size=3), (2, 2, 3)),
    ("UpSampling2D", {}, (2, 3, 3, 2)),
    ("UpSampling2D", dict(size=(2, 3), data_format=CF), (2, 2, 3, 3)),
    ("UpSampling2D", dict(size=(2, 3), interpolation="bilinear"), (1, 3, 4, 2)),
    ("UpSampling2D", dict(size=3, interpolation="bilinear", data_format=CF), (1, 2, 3, 2)),
    ("UpSampling2D", dict(size=2, interpolation="bicubic"), (1, 4, 3, 2)),
    ("UpSampling2D", dict(size=(3, 2), interpolation="lanczos3"), (1, 3, 3, 1)),
    ("UpSampling3D", {}, (1, 2, 2, 2, 2)),
    ("UpSampling3D", dict(size=(1, 2, 3), data_format=CF), (1, 2, 2, 3, 2)),
    ("ZeroPadding1D", {}, (2, 3, 2)),
    ("ZeroPadding1D", dict(padding=(1, 2), data_format=CF), (2, 2, 3)),
    ("ZeroPadding1D", dict(padding=0), (2, 3, 2)),
    ("ZeroPadding2D", {}, (2, 3, 3, 2)),
    ("ZeroPadding2D", dict(padding=2), (1, 2, 3, 2)),
    ("ZeroPadding2D", dict(padding=(1, 2)), (1, 2, 3, 2)),
    ("ZeroPadding2D", dict(padding=((1, 0), (2, 3)), data_format=CF), (1, 2, 3, 2)),
    ("ZeroPadding3D", {}, (1, 2, 2, 2, 2)),
    ("ZeroPadding3D", dict(padding=(1, 0, 2), data_format=CF), (1, 2, 2, 3, 2)),
    ("ZeroPadding3D", dict(padding=((0, 1), (2, 0), (1, 1))), (1, 2, 2, 3, 2)),
    ("Cropping1D", {}, (2, 5, 3)),
    ("Cropping1D", dict(cropping=(0, 2)), (2, 5, 3)),
    ("Cropping1D", dict(cropping=2), (2, 5, 3)),
    ("Cropping2D", {}, (2, 5, 6, 2)),
    ("Cropping2D", dict(cropping=1), (2, 5, 6, 2)),
    ("Cropping2D", dict(cropping=(1, 2)), (2, 5, 6, 2)),
    ("Cropping2D", dict(cropping=((0, 2), (1, 0)), data_format=CF), (2, 2, 5, 6)),
    ("Cropping3D", {}, (1, 4, 4, 4, 2)),
    ("Cropping3D", dict(cropping=(1, 0, 2), data_format=CF), (1, 2, 4, 3, 5)),
    ("Cropping3D", dict(cropping=((0, 1), (2, 0), (0, 0))), (1, 3, 4, 2, 2)),
]


def required(name):
    """The arguments a class cannot be built without."""
    return {
        "Reshape": dict(target_shape=(-1,)),
        "Permute": dict(dims=(1,)),
        "RepeatVector": dict(n=2),
    }.get(name, {})


def twins(name, config):
    return getattr(layers, name)(**config), getattr(keras.layers, name)(**config)


def _id(case):
    name, config, shape = case
    return f"{name}({','.join(f'{k}={v}' for k, v in config.items())}){shape}"


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_outputs_and_shapes_match_keras_and_jit(case):
    name, config, shape = case
    ours, theirs = twins(name, config)
    x = random_inputs(shape)
    assert_matches_keras(ours, theirs, x)
    assert_jit_apply_matches_eager(ours, x)


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_config_matches_keras_and_round_trips(case):
    name, config, _ = case
    assert_config_matches_keras(*twins(name, config))


def test_output_shapes_with_unknown_dimensions_match_keras():
    cases = [
        ("Flatten", {}, (None, None, 3)),
        ("Reshape", dict(target_shape=(-1, 2)), (None, None, 4)),
        ("Reshape", dict(target_shape=(-1, 2)), (None, 3, 4)),
        ("UpSampling2D", dict(size=(2, 3)), (None, None, 4, 2)),
        ("ZeroPadding2D", dict(padding=1), (None, 3, None, 2)),
        ("Cropping2D", dict(cropping=1), (None, None, 4, 2)),
        ("Permute", dict(dims=(2, 1)), (None, None, 3)),
    ]
    for name, config, shape in cases:
        ours, theirs = twins(name, config)
        assert tuple(ours.compute_output_shape(shape)) == tuple(theirs.compute_output_shape(shape))


# ----------------------------------------------------------------------------- masks
@pytest.mark.parametrize("name", sorted({case[0] for case in CASES}))
def test_no_reshaping_layer_supports_masking_as_in_keras_3(name):
    ours, theirs = twins(name, required(name))
    assert ours.supports_masking == theirs.supports_masking


def _embedded(ids):
    """A masking Embedding and its Keras twin with the same table, and both outputs."""
    emb = layers.Embedding(5, 3, mask_zero=True)
    h = emb(ids)
    keras_emb = keras.layers.Embedding(5, 3, mask_zero=True)
    keras_emb.build(ids.shape)
    keras_emb.set_weights([emb.embeddings.numpy()])
    keras_h = keras_emb(ids)
    assert masking.get_mask(h) is not None and get_keras_mask(keras_h) is not None
    return emb, h, keras_h


def _pooled_by_a_jitted_model(emb, layer, ids):
    model = lamina.Sequential([emb, layer, layers.GlobalAveragePooling1D()])
    params, state = model.split()
    return jax.jit(model.apply)(params, state, jnp.asarray(ids))[0]


IDS = np.array([[3, 1, 0, 0], [2, 0, 0, 0]])


@pytest.mark.parametrize(
    "name, config",
    [
        ("Cropping1D", dict(cropping=(0, 1))),
        ("ZeroPadding1D", dict(padding=1)),
        ("UpSampling1D", dict(size=1)),
        ("Reshape", dict(target_shape=(2, 6))),
        ("Permute", dict(dims=(2, 1))),
    ],
)
def test_an_embedding_mask_stops_at_the_layer_as_in_keras(name, config):
    """Downstream of the layer, the average runs over every step, eagerly and in a
    jitted model."""
    ours, theirs = twins(name, config)
    emb, h, keras_h = _embedded(IDS)
    y, keras_y = ours(h), theirs(keras_h)
    assert masking.get_mask(y) is None and get_keras_mask(keras_y) is None
    expected = keras.layers.GlobalAveragePooling1D()(keras_y)
    np.testing.assert_allclose(expected, np.asarray(keras_y).mean(axis=1), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layers.GlobalAveragePooling1D()(y), expected, rtol=1e-5, atol=1e-6)
    pooled = _pooled_by_a_jitted_model(emb, ours, IDS)
    np.testing.assert_allclose(pooled, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "name, config",
    [
        ("Cropping1D", dict(cropping=0)),
        ("Reshape", dict(target_shape=(4, 3))),
        ("Permute", dict(dims=(1, 2))),
    ],
)
def test_a_no_op_layer_drops_the_mask_too_where_keras_on_jax_keeps_it(name, config):
    """The deviation: Keras' JAX backend returns the very input tensor for these no-ops,
    so its mask survives (contrary to Keras' own "will destroy the mask" warning and to
    its TensorFlow backend). lamina drops it whatever the op returns."""
    ours, theirs = twins(name, config)
    emb, h, keras_h = _embedded(IDS)
    y, keras_y = ours(h), theirs(keras_h)
    assert get_keras_mask(keras_y) is not None
    assert masking.get_mask(y) is None
    everything = np.asarray(h).mean(axis=1)
    np.testing.assert_allclose(layers.GlobalAveragePooling1D()(y), everything, rtol=1e-5)
    np.testing.assert_allclose(_pooled_by_a_jitted_model(emb, ours, IDS), everything, rtol=1e-5)


# ------------------------------------------------------------------ vmap and gradients
def test_vmap_of_a_reshaping_stack_over_batches_equals_keras_per_batch():
    def stack(lib):
        return [
            lib.layers.ZeroPadding2D(((1, 0), (0, 2))),
            lib.layers.Cropping2D(((0, 1), (1, 1))),
            lib.layers.UpSampling2D(2, interpolation="bilinear"),
            lib.layers.Permute((3, 1, 2)),
            lib.layers.Flatten(),
            lib.layers.RepeatVector(2),
        ]

    model = lamina.Sequential(stack(lamina))
    twin = keras.Sequential(stack(keras))
    xs = random_inputs((3, 2, 3, 4, 2))
    params, state = model.init(jax.random.key(0), xs[0])
    ys = jax.jit(jax.vmap(lambda x: model.apply(params, state, x)[0]))(xs)
    for x, y in zip(xs, ys):
        np.testing.assert_allclose(y, twin(x), rtol=1e-5, atol=1e-6)


def test_functional_image_pipeline_of_pooling_and_reshaping_matches_keras():
    def functional(lib):
        inputs = lib.Input((6, 6, 2))
        x = inputs
        for layer in [
            lib.layers.ZeroPadding2D(1),
            lib.layers.MaxPooling2D(3, strides=2, padding="same"),
            lib.layers.Cropping2D(((1, 0), (0, 1))),
            lib.layers.UpSampling2D(2),
            lib.layers.AveragePooling2D(2, strides=1),
            lib.layers.Flatten(),
            lib.layers.Reshape((-1, 2)),
            lib.layers.GlobalMaxPooling1D(),
        ]:
            x = layer(x)
        return lib.Model(inputs, x)

    ours, theirs = functional(lamina), functional(keras)
    assert tuple(ours.outputs.shape) == tuple(theirs.outputs[0].shape) == (None, 2)
    x = random_inputs((3, 6, 6, 2))
    np.testing.assert_allclose(ours(x), theirs(x), rtol=1e-6)


def _input_gradient_matches_finite_differences(layer, x, eps=1e-3):
    """Directional derivative of ``sum(w * layer(x))`` along a random input direction
    equals the central finite difference."""
    rng = np.random.default_rng(1)
    params, state = layer.init(jax.random.key(0), x)
    w = rng.normal(size=layer.compute_output_shape(x.shape)).astype(np.float32)
    loss = jax.jit(lambda v: jnp.sum(w * layer.apply(params, state, v)[0]))
    direction = rng.normal(size=x.shape).astype(np.float32)
    direction /= np.linalg.norm(direction)
    analytic = float(np.sum(np.asarray(jax.grad(loss)(x)) * direction))
    numeric = (float(loss(x + eps * direction)) - float(loss(x - eps * direction))) / (2 * eps)
    np.testing.assert_allclose(analytic, numeric, rtol=2e-2, atol=1e-3)


@pytest.mark.parametrize(
    "layer",
    [
        layers.UpSampling2D(3, interpolation="bilinear"),
        layers.UpSampling2D(2, interpolation="bicubic", data_format=CF),
        layers.Cropping2D(((1, 0), (0, 2))),
    ],
    ids=["bilinear", "bicubic", "cropping"],
)
def test_input_gradients_match_finite_differences(layer):
    _input_gradient_matches_finite_differences(layer, random_inputs((2, 3, 4, 3), seed=2))


def test_zero_padding_gradient_is_the_cropped_upstream_gradient():
    x = random_inputs((2, 3, 4, 2))
    layer = layers.ZeroPadding2D(((1, 2), (0, 1)))
    params, state = layer.init(jax.random.key(0), x)
    w = random_inputs((2, 6, 5, 2), seed=5)
    grad = jax.grad(lambda v: jnp.sum(w * layer.apply(params, state, v)[0]))(x)
    np.testing.assert_allclose(grad, w[:, 1:4, 0:4, :], rtol=1e-6)


# ----------------------------------------------------------------------------- errors
def escaped(value):
    return re.escape(str(value))


@pytest.mark.parametrize(
    "target, match",
    [
        ((2, -1, -1), "at most one -1"),
        ((-2, 6), "non-negative ints"),
        ((2.5, 2), "non-negative ints"),
        (6, "must be a tuple"),
    ],
)
def test_bad_reshape_targets_are_refused(target, match):
    with pytest.raises(
        ValueError, match=rf"Reshape 'r': `target_shape` .*{match}.*{escaped(target)}"
    ):
        layers.Reshape(target, name="r")


@pytest.mark.parametrize(
    "target, reason",
    [((5,), "target_shape holds 5 values"), ((-1, 5), "12 is not a multiple of the 5")],
)
def test_incompatible_reshape_names_the_layer_shape_and_target(target, reason):
    layer = layers.Reshape(target, name="r")
    message = (
        rf"Reshape 'r': cannot reshape an input of shape \(2, 3, 4\) \(12 values per sample\)"
        rf" to target_shape={escaped(target)}: {reason}"
    )
    with pytest.raises(ValueError, match=message):
        layer(jnp.ones((2, 3, 4)))
    with pytest.raises(ValueError, match=message):
        layer.compute_output_shape((2, 3, 4))
    with pytest.raises(ValueError):  # Keras refuses it too
        keras.layers.Reshape(target)(np.ones((2, 3, 4)))


@pytest.mark.parametrize(
    "name, shape, cropping",
    [
        ("Cropping1D", (2, 5, 3), (2, 3)),
        ("Cropping2D", (2, 4, 3, 1), ((0, 0), (2, 1))),
        ("Cropping3D", (1, 3, 3, 3, 2), ((0, 0), (3, 0), (0, 0))),
    ],
)
def test_cropping_larger_than_the_input_is_refused_as_in_keras(name, shape, cropping):
    layer = getattr(layers, name)(cropping, name="crop")
    message = rf"{name} 'crop': cropping={escaped(cropping)} removes .*shape {escaped(shape)}"
    with pytest.raises(ValueError, match=message):
        layer(jnp.ones(shape))
    with pytest.raises(ValueError, match=message):
        layer.compute_output_shape(shape)
    with pytest.raises(ValueError):
        getattr(keras.layers, name)(cropping)(np.ones(shape))


@pytest.mark.parametrize(
    "name, config, match",
    [
        ("Permute", dict(dims=(1, 3)), r"`dims` must be a permutation.*\(1, 3\)"),
        ("Permute", dict(dims=(0, 1)), r"`dims` must be a permutation.*\(0, 1\)"),
        ("Permute", dict(dims=(1, 1)), r"`dims` must be a permutation.*\(1, 1\)"),
        ("RepeatVector", dict(n=0), r"`n` must be a positive int, received n=0"),
        ("RepeatVector", dict(n=2.5), r"`n` must be a positive int, received n=2.5"),
        ("RepeatVector", dict(n=True), r"`n` must be a positive int, received n=True"),
        ("UpSampling1D", dict(size=0), r"`size` must be a positive int, received size=0"),
        ("UpSampling2D", dict(size=(2, 0)), r"`size` must be positive, received size=\(2, 0\)"),
        ("UpSampling2D", dict(interpolation="area"), r"`interpolation` must be one of .*'area'"),
        ("UpSampling3D", dict(size=(1, 2)), r"`size` must be an int or a tuple of 3 ints"),
        ("ZeroPadding1D", dict(padding=(1, 2, 3)), r"`padding` must be an int or a tuple of 2"),
        ("ZeroPadding2D", dict(padding=-1), r"`padding` must be non-negative, received padding=-1"),
        ("ZeroPadding2D", dict(padding=((1, 2, 3), (0, 0))), r"`1st entry of padding` must be"),
        ("ZeroPadding3D", dict(padding=(1, 2)), r"`padding` must be an int, a tuple of 3 ints"),
        ("Cropping2D", dict(cropping=((1, 2), (3,))), r"`2nd entry of cropping` must be"),
        ("Cropping3D", dict(cropping=-1), r"`cropping` must be non-negative"),
        ("Flatten", dict(data_format="NCHW"), r"`data_format` must be .*'NCHW'"),
        ("ZeroPadding2D", dict(data_format="last"), r"`data_format` must be .*'last'"),
    ],
)
def test_bad_arguments_are_refused_naming_layer_and_value(name, config, match):
    with pytest.raises(ValueError, match=rf"{name} 'bad': {match}"):
        getattr(layers, name)(name="bad", **config)


@pytest.mark.parametrize(
    "name, config, shape, expected",
    [
        ("Cropping2D", {}, (2, 4, 3), "ndim=4"),
        ("RepeatVector", dict(n=2), (2, 3, 4), "ndim=2"),
        ("Permute", dict(dims=(2, 1)), (2, 3, 4, 5), "ndim=3"),
        ("UpSampling1D", {}, (2, 3), "ndim=3"),
        ("ZeroPadding3D", {}, (1, 2, 2, 2), "ndim=5"),
        ("Flatten", {}, (), "min_ndim=1"),
    ],
)
def test_wrong_rank_names_the_layer_and_shapes(name, config, shape, expected):
    layer = getattr(layers, name)(name="w", **config)
    with pytest.raises(ValueError, match=rf"layer 'w'.*{expected}.*shape {escaped(shape)}"):
        layer(jnp.ones(shape))
