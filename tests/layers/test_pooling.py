"""Pooling layers against Keras 3 (JAX backend) and NumPy: outputs, shapes, configs,
masks, jit/vmap, gradients and errors."""

import re

import jax
import jax.numpy as jnp
import keras
import numpy as np
import pytest
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

# (class name, constructor arguments, input shape)
WINDOWED = [
    ("MaxPooling1D", {}, (2, 5, 3)),
    ("MaxPooling1D", dict(pool_size=3, strides=1, padding="same"), (2, 5, 3)),
    ("MaxPooling1D", dict(pool_size=2, strides=1, data_format=CF), (2, 3, 6)),
    ("MaxPooling2D", {}, (2, 5, 5, 3)),
    ("MaxPooling2D", dict(pool_size=(3, 2), strides=(2, 1), padding="same"), (2, 5, 4, 2)),
    ("MaxPooling2D", dict(pool_size=2, padding="same", data_format=CF), (2, 3, 5, 5)),
    ("MaxPooling3D", {}, (1, 4, 4, 4, 2)),
    ("MaxPooling3D", dict(pool_size=3, strides=2, padding="same", data_format=CF), (1, 2, 5, 4, 3)),
    ("AveragePooling1D", dict(pool_size=2), (2, 5, 3)),
    ("AveragePooling1D", dict(pool_size=3, strides=2, padding="same"), (2, 7, 3)),
    ("AveragePooling1D", dict(pool_size=4, strides=1, padding="same", data_format=CF), (2, 3, 6)),
    ("AveragePooling2D", dict(pool_size=(2, 2)), (2, 4, 5, 3)),
    ("AveragePooling2D", dict(pool_size=3, strides=1, padding="same"), (2, 5, 5, 2)),
    ("AveragePooling2D", dict(pool_size=(2, 3), padding="same", data_format=CF), (2, 2, 5, 7)),
    ("AveragePooling3D", dict(pool_size=2), (1, 4, 4, 4, 2)),
    ("AveragePooling3D", dict(pool_size=(3, 2, 2), strides=1, padding="same"), (1, 4, 3, 4, 2)),
]

GLOBAL = [
    (f"Global{kind}Pooling{n}D", config, (2, *(4, 3, 5)[:n], 3))
    for kind in ("Average", "Max")
    for n in (1, 2, 3)
    for config in ({}, dict(data_format=CF, keepdims=True))
]


def required(name):
    """The arguments a class cannot be built without (AveragePooling's pool_size)."""
    return {"pool_size": 2} if name.startswith("AveragePooling") else {}


def twins(name, config):
    return getattr(layers, name)(**config), getattr(keras.layers, name)(**config)


def _id(case):
    name, config, shape = case
    args = ",".join(f"{k}={v}" for k, v in config.items())
    return f"{name}({args}){shape}"


@pytest.mark.parametrize("case", WINDOWED + GLOBAL, ids=_id)
def test_outputs_and_shapes_match_keras_and_jit(case):
    name, config, shape = case
    ours, theirs = twins(name, config)
    x = random_inputs(shape)
    assert_matches_keras(ours, theirs, x)
    assert_jit_apply_matches_eager(ours, x)


@pytest.mark.parametrize("case", WINDOWED + GLOBAL, ids=_id)
def test_config_matches_keras_and_round_trips(case):
    name, config, _ = case
    assert_config_matches_keras(*twins(name, config))


def test_aliases_name_the_same_classes_as_keras():
    for alias, full in [("MaxPool2D", "MaxPooling2D"), ("AvgPool1D", "AveragePooling1D")]:
        assert getattr(layers, alias) is getattr(layers, full)
        assert getattr(keras.layers, alias) is getattr(keras.layers, full)
    assert layers.GlobalAvgPool3D is layers.GlobalAveragePooling3D
    assert layers.GlobalMaxPool1D is layers.GlobalMaxPooling1D


def _numpy_same_average_1d(x, pool, stride):
    """Average pooling with "same" padding (TensorFlow's split: extra pad at the end),
    each window averaging only the real entries."""
    n = x.shape[1]
    out = -(-n // stride)
    pad = max((out - 1) * stride + pool - n, 0)
    start = -(pad // 2)
    rows = []
    for i in range(out):
        lo, hi = start + i * stride, start + i * stride + pool
        rows.append(x[:, max(lo, 0) : min(hi, n)].mean(axis=1))
    return np.stack(rows, axis=1)


@pytest.mark.parametrize("pool, stride, steps", [(3, 1, 5), (4, 1, 6), (3, 2, 7), (2, 3, 8)])
def test_same_average_pooling_counts_only_real_entries_at_the_edges(pool, stride, steps):
    x = random_inputs((2, steps, 3), seed=pool)
    y = layers.AveragePooling1D(pool, stride, padding="same")(x)
    np.testing.assert_allclose(y, _numpy_same_average_1d(x, pool, stride), rtol=1e-5, atol=1e-6)


# ----------------------------------------------------------------------------- masks
@pytest.mark.parametrize("config", [{}, dict(keepdims=True), dict(data_format=CF, keepdims=True)])
def test_masked_global_average_matches_keras_and_numpy(config):
    cf = config.get("data_format") == CF
    x = random_inputs((3, 4, 5) if cf else (3, 5, 4))
    mask = np.array([[1, 1, 0, 0, 1], [1, 0, 0, 0, 0], [1, 1, 1, 1, 1]], bool)
    ours, theirs = twins("GlobalAveragePooling1D", config)
    y = assert_matches_keras(ours, theirs, x, mask=mask)
    steps = np.moveaxis(x, 2, 1) if cf else x
    expected = np.stack([steps[b, mask[b]].mean(axis=0) for b in range(3)])
    np.testing.assert_allclose(np.reshape(y, (3, 4)), expected, rtol=1e-5, atol=1e-6)
    assert ours.compute_mask(x, mask) is None


def test_mask_from_embedding_is_excluded_from_the_average_eagerly_and_under_jit():
    ids = np.array([[3, 1, 0, 0], [2, 2, 4, 0], [5, 0, 0, 0]])
    emb = layers.Embedding(6, 3, mask_zero=True)
    pool = layers.GlobalAveragePooling1D()
    y = pool(emb(ids))
    table = emb.embeddings.numpy()
    expected = np.stack([table[row[row != 0]].mean(axis=0) for row in ids])
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-6)

    model = lamina.Sequential([emb, pool])
    params, state = model.split()
    jitted, _ = jax.jit(model.apply)(params, state, jnp.asarray(ids))
    np.testing.assert_allclose(jitted, expected, rtol=1e-5, atol=1e-6)

    twin = keras.Sequential(
        [keras.layers.Embedding(6, 3, mask_zero=True), keras.layers.GlobalAveragePooling1D()]
    )
    twin.build(ids.shape)
    twin.set_weights([table])
    np.testing.assert_allclose(y, twin(ids), rtol=1e-5, atol=1e-6)
    assert masking.get_mask(y) is None


def test_fully_masked_sequence_gives_zeros_where_keras_gives_nan():
    x = random_inputs((2, 3, 2))
    mask = np.array([[True, False, True], [False, False, False]])
    ours = layers.GlobalAveragePooling1D()(x, mask=mask)
    theirs = keras.layers.GlobalAveragePooling1D()(x, mask=mask)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-6)
    assert np.all(np.isnan(theirs[1]))  # the deviation: Keras divides 0 by 0
    np.testing.assert_array_equal(ours[1], np.zeros(2))


@pytest.mark.parametrize("name", sorted({c[0] for c in WINDOWED + GLOBAL}))
def test_only_global_average_pooling_1d_supports_masking_as_in_keras(name):
    ours, theirs = twins(name, required(name))
    assert ours.supports_masking == theirs.supports_masking


def test_global_max_pooling_1d_ignores_an_embedding_mask_like_keras():
    ids = np.array([[3, 1, 0], [2, 0, 0]])
    emb = layers.Embedding(5, 2, mask_zero=True)
    y = layers.GlobalMaxPooling1D()(emb(ids))
    np.testing.assert_allclose(y, emb.embeddings.numpy()[ids].max(axis=1), rtol=1e-6)
    assert masking.get_mask(y) is None


# ------------------------------------------------------------------ vmap and gradients
def test_vmapped_ensemble_of_dense_then_pooling_matches_numpy():
    x = random_inputs((2, 5, 3))
    model = lamina.Sequential([layers.Dense(4), layers.GlobalAveragePooling1D()])
    keys = jax.random.split(jax.random.key(0), 3)
    params, state = jax.vmap(lambda k: model.init(k, x))(keys)
    outs = jax.vmap(lambda p, s: model.apply(p, s, x)[0])(params, state)
    dense = params[model.layers[0].name]
    for i in range(3):
        h = x @ np.asarray(dense["kernel"][i]) + np.asarray(dense["bias"][i])
        np.testing.assert_allclose(outs[i], h.mean(axis=1), rtol=1e-5, atol=1e-5)
    assert not np.allclose(outs[0], outs[1])


def test_vmap_over_a_stack_of_batches_equals_keras_per_batch():
    xs = random_inputs((3, 2, 6, 6, 2))
    ours, theirs = twins("MaxPooling2D", dict(pool_size=3, strides=2, padding="same"))
    params, state = ours.init(jax.random.key(0), xs[0])
    ys = jax.vmap(lambda x: ours.apply(params, state, x)[0])(xs)
    for x, y in zip(xs, ys):
        np.testing.assert_allclose(y, theirs(x), rtol=1e-6)


def _input_gradient_matches_finite_differences(layer, x, eps=1e-3, **kwargs):
    """Directional derivative of ``sum(w * layer(x))`` along a random direction in
    input space equals the central finite difference."""
    rng = np.random.default_rng(1)
    params, state = layer.init(jax.random.key(0), x)
    w = rng.normal(size=layer.compute_output_shape(x.shape)).astype(np.float32)
    loss = jax.jit(lambda v: jnp.sum(w * layer.apply(params, state, v, **kwargs)[0]))
    direction = rng.normal(size=x.shape).astype(np.float32)
    direction /= np.linalg.norm(direction)
    analytic = float(np.sum(np.asarray(jax.grad(loss)(x)) * direction))
    numeric = (float(loss(x + eps * direction)) - float(loss(x - eps * direction))) / (2 * eps)
    np.testing.assert_allclose(analytic, numeric, rtol=2e-2, atol=1e-3)


@pytest.mark.parametrize(
    "name, config",
    [
        ("MaxPooling2D", dict(pool_size=2, strides=1, padding="same")),
        ("AveragePooling2D", dict(pool_size=3, strides=2, padding="same")),
        ("GlobalMaxPooling3D", {}),
    ],
)
def test_input_gradients_match_finite_differences(name, config):
    x = random_inputs((2, 4, 4, 4, 2) if "3D" in name else (2, 5, 5, 2), seed=3)
    _input_gradient_matches_finite_differences(getattr(layers, name)(**config), x)


def test_masked_average_gradient_matches_finite_differences_and_skips_masked_steps():
    x = random_inputs((2, 4, 3))
    mask = jnp.array([[1, 1, 0, 1], [0, 1, 0, 0]], bool)
    layer = layers.GlobalAveragePooling1D()
    _input_gradient_matches_finite_differences(layer, x, mask=mask)
    params, state = layer.init(jax.random.key(0), x)
    grad = jax.grad(lambda v: jnp.sum(layer.apply(params, state, v, mask=mask)[0]))(x)
    expected = np.asarray(mask, np.float32) / np.asarray(mask).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(grad, np.repeat(expected[:, :, None], 3, axis=2), rtol=1e-6)


# ----------------------------------------------------------------------------- errors
@pytest.mark.parametrize("pool_size", [0, -2, (2,), (2, 0), 2.5, "2", None])
def test_bad_pool_sizes_are_refused_naming_layer_and_value(pool_size):
    with pytest.raises(
        ValueError,
        match=rf"MaxPooling2D 'pool': `pool_size` must be .*{re.escape(repr(pool_size))}",
    ):
        layers.MaxPooling2D(pool_size, name="pool")


@pytest.mark.parametrize(
    "name, config, match",
    [
        ("AveragePooling1D", dict(pool_size=2, strides=0), r"`strides` must be positive.*0"),
        ("MaxPooling1D", dict(padding="full"), r"`padding` must be 'valid' or 'same'.*'full'"),
        ("MaxPooling3D", dict(data_format="NDHWC"), r"`data_format` must be .*'NDHWC'"),
        ("GlobalMaxPooling2D", dict(data_format="nchw"), r"`data_format` must be .*'nchw'"),
    ],
)
def test_bad_arguments_are_refused(name, config, match):
    with pytest.raises(ValueError, match=rf"{name} 'p': {match}"):
        getattr(layers, name)(name="p", **config)


def test_window_larger_than_valid_input_is_refused_with_shapes():
    layer = layers.MaxPooling2D((3, 3), name="big")
    with pytest.raises(
        ValueError,
        match=r"MaxPooling2D 'big': pool_size=\(3, 3\) does not fit .*\(2, 4\).*\(1, 2, 4, 1\)",
    ):
        layer(jnp.ones((1, 2, 4, 1)))
    with pytest.raises(ValueError, match=r"pool_size=\(3, 3\) does not fit"):
        layer.compute_output_shape((None, 2, 4, 1))
    same = layers.MaxPooling2D((3, 3), padding="same")
    keras_same = keras.layers.MaxPooling2D((3, 3), padding="same")
    assert_matches_keras(same, keras_same, random_inputs((1, 2, 4, 1)))


@pytest.mark.parametrize(
    "name, shape, ndim",
    [
        ("MaxPooling2D", (2, 4, 3), 4),
        ("AveragePooling1D", (2, 4, 4, 3), 3),
        ("GlobalAveragePooling3D", (2, 4, 4, 3), 5),
        ("GlobalMaxPooling1D", (4, 3), 3),
    ],
)
def test_wrong_rank_names_the_layer_and_shapes(name, shape, ndim):
    layer = getattr(layers, name)(**required(name), name="p")
    with pytest.raises(ValueError, match=rf"layer 'p'.*ndim={ndim}.*shape {re_shape(shape)}"):
        layer(jnp.ones(shape))


def re_shape(shape):
    return str(tuple(shape)).replace("(", r"\(").replace(")", r"\)")


def test_mask_of_the_wrong_shape_is_refused():
    layer = layers.GlobalAveragePooling1D(name="gap")
    with pytest.raises(ValueError, match=r"GlobalAveragePooling1D 'gap': the mask must have shape"):
        layer(jnp.ones((2, 5, 3)), mask=jnp.ones((2, 4), bool))
