"""Dropout, SpatialDropout1D/2D/3D, GaussianNoise, GaussianDropout and
ActivityRegularization against Keras 3 (JAX backend).

Keras draws different random numbers, so in training the checks compare semantics
(which entries survive and how they are scaled, drop rates and noise moments within
statistical bounds, channel-wise drops) rather than numbers; outside training the
outputs must equal Keras' exactly.
"""

import re

import jax
import jax.numpy as jnp
import keras
import numpy as np
import optax
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

MASK = np.array([[True, True, False, True], [True, False, False, False]])

# (lamina class, Keras class, constructor kwargs, input shape)
RANDOM_LAYERS = [
    ("Dropout", dict(rate=0.5), (2, 4, 3)),
    ("Dropout", dict(rate=0.2, noise_shape=(None, 1, 3), seed=3), (2, 4, 3)),
    ("SpatialDropout1D", dict(rate=0.3, seed=1), (2, 4, 3)),
    ("SpatialDropout2D", dict(rate=0.3, data_format="channels_first"), (2, 3, 4, 5)),
    ("SpatialDropout2D", dict(rate=0.4, seed=5), (2, 4, 5, 3)),
    ("SpatialDropout3D", dict(rate=0.1, data_format="channels_last", seed=2), (2, 4, 2, 2, 3)),
    ("SpatialDropout3D", dict(rate=0.6, data_format="channels_first"), (2, 4, 2, 2, 3)),
    ("GaussianNoise", dict(stddev=0.5, seed=2), (2, 4, 3)),
    ("GaussianDropout", dict(rate=0.3), (2, 4)),
]
ALL_LAYERS = RANDOM_LAYERS + [
    ("ActivityRegularization", dict(l1=0.1, l2=0.2), (2, 4, 3)),
    ("ActivityRegularization", dict(l1=None, l2=0.5), (2, 4)),
]
IDS = [f"{name}-{i}" for i, (name, _, _) in enumerate(ALL_LAYERS)]


def make(name, kwargs):
    return getattr(layers, name)(**kwargs), getattr(keras.layers, name)(**kwargs)


def assert_mask_passes_like_keras(ours, theirs, x, mask, **call_kwargs):
    """The output mask equals Keras' ``compute_mask`` for an incoming mask, and lamina's
    engine attaches it to the output of a call on a masked tensor. (Keras refuses an
    explicit ``mask=`` for layers whose ``call`` takes none, so the mask rides on ``x``.)"""
    expected = theirs.compute_mask(x, mask)
    np.testing.assert_array_equal(ours.compute_mask(x, mask), expected)
    x = jnp.asarray(x)
    masking.set_mask(x, jnp.asarray(mask))
    np.testing.assert_array_equal(masking.masks_of(ours(x, **call_kwargs)), expected)


def kept_fraction_bounds(rate, draws):
    """A 5-sigma interval around the expected fraction of kept draws."""
    sigma = np.sqrt(rate * (1 - rate) / draws)
    return 1 - rate - 5 * sigma, 1 - rate + 5 * sigma


# ------------------------------------------------------------ Keras parity (inference)
@pytest.mark.parametrize("name, kwargs, shape", ALL_LAYERS, ids=IDS)
def test_inference_matches_keras_and_config(name, kwargs, shape):
    x = random_inputs(shape)
    ours, theirs = make(name, kwargs)
    assert_matches_keras(ours, theirs, x)
    assert_matches_keras(*make(name, kwargs), x, call_kwargs={"training": False})
    assert_config_matches_keras(*make(name, kwargs))
    ours, theirs = make(name, kwargs)
    assert_mask_passes_like_keras(ours, theirs, x, MASK[:, : shape[1]])
    if name != "ActivityRegularization":
        assert_mask_passes_like_keras(ours, theirs, x, MASK[:, : shape[1]], training=True)
    assert_jit_apply_matches_eager(getattr(layers, name)(**kwargs), x)


# ---------------------------------------------------------------- dropout semantics
@pytest.mark.parametrize("rate", [0.1, 0.5, 0.8])
def test_dropout_keeps_scaled_entries_at_the_right_rate_like_keras(rate):
    x = random_inputs((50, 400)) + 10.0  # no zeros, so a 0 means dropped
    for layer in (layers.Dropout(rate, seed=0), keras.layers.Dropout(rate, seed=0)):
        y = np.asarray(layer(x, training=True))
        kept = y != 0
        np.testing.assert_allclose(y[kept], x[kept] / (1 - rate), rtol=1e-6)
        low, high = kept_fraction_bounds(rate, x.size)
        assert low < kept.mean() < high, (type(layer).__module__, kept.mean())


def test_dropout_noise_shape_shares_draws_along_size_one_axes():
    x = random_inputs((20, 6, 30)) + 10.0
    y = np.asarray(layers.Dropout(0.5, noise_shape=(None, 1, None), seed=1)(x, training=True))
    kept = y != 0
    assert (kept == kept[:, :1, :]).all()
    low, high = kept_fraction_bounds(0.5, 20 * 30)
    assert low < kept[:, 0, :].mean() < high
    np.testing.assert_allclose(y[kept], x[kept] * 2, rtol=1e-6)


SPATIAL = [
    ("SpatialDropout1D", {}, (200, 5, 6), 2),
    ("SpatialDropout2D", dict(data_format="channels_last"), (100, 3, 4, 6), 3),
    ("SpatialDropout2D", dict(data_format="channels_first"), (100, 6, 3, 4), 1),
    ("SpatialDropout3D", dict(data_format="channels_last"), (100, 2, 3, 2, 6), 4),
    ("SpatialDropout3D", dict(data_format="channels_first"), (100, 6, 2, 3, 2), 1),
]


@pytest.mark.parametrize("name, kwargs, shape, channel_axis", SPATIAL)
def test_spatial_dropout_drops_whole_channels_like_keras(name, kwargs, shape, channel_axis):
    x = random_inputs(shape) + 10.0
    rate = 0.4
    for cls in (getattr(layers, name), getattr(keras.layers, name)):
        y = np.asarray(cls(rate, seed=0, **kwargs)(x, training=True))
        kept = np.moveaxis(y != 0, channel_axis, 1).reshape(shape[0], shape[channel_axis], -1)
        assert (kept.all(-1) | ~kept.any(-1)).all(), "a feature map was partly dropped"
        low, high = kept_fraction_bounds(rate, kept.shape[0] * kept.shape[1])
        assert low < kept[..., 0].mean() < high
        np.testing.assert_allclose(y[y != 0], x[y != 0] / (1 - rate), rtol=1e-6)


# ------------------------------------------------------------------ Gaussian noise
def test_gaussian_noise_and_dropout_moments_match_keras():
    x = random_inputs((100, 200)) + 3.0
    n = x.size
    for lib in (layers, keras.layers):
        noise = np.asarray(lib.GaussianNoise(0.5, seed=0)(x, training=True)) - x
        assert abs(noise.mean()) < 5 * 0.5 / np.sqrt(n)
        assert abs(noise.std() / 0.5 - 1) < 5 / np.sqrt(2 * n)
        factor = np.asarray(lib.GaussianDropout(0.3, seed=0)(x, training=True)) / x
        stddev = np.sqrt(0.3 / 0.7)
        assert abs(factor.mean() - 1) < 5 * stddev / np.sqrt(n)
        assert abs(factor.std() / stddev - 1) < 5 / np.sqrt(2 * n)
    # Keras refuses stddev > 1 (a copy of its rate check); lamina takes any stddev >= 0.
    noise = np.asarray(layers.GaussianNoise(2.5, seed=0)(x, training=True)) - x
    assert abs(noise.std() / 2.5 - 1) < 5 / np.sqrt(2 * n)


# ----------------------------------------------------------------- randomness as state
THREADED = [RANDOM_LAYERS[i] for i in (1, 3, 7, 8)]


@pytest.mark.parametrize("name, kwargs, shape", THREADED, ids=[t[0] for t in THREADED])
def test_seeds_state_threading_and_replay(name, kwargs, shape):
    x = random_inputs((32, *shape[1:])) + 10.0
    build = lambda seed: getattr(layers, name)(**{**kwargs, "seed": seed})
    first, twin = build(11), build(11)
    y = np.asarray(first(x, training=True))
    np.testing.assert_array_equal(twin(x, training=True), y)
    key_of = lambda layer: layer.split()[1]["seed_generator"]["state"]
    assert not np.array_equal(key_of(build(12)), key_of(twin))
    # jit(apply) from the façade's state replays the next eager call, and returns the
    # state that call leaves behind.
    step = jax.jit(lambda p, s: first.apply(p, s, x, training=True))
    params, state = first.split()
    y1, state1 = step(params, state)
    assert not np.array_equal(y1, y)
    np.testing.assert_allclose(first(x, training=True), y1, rtol=1e-6)
    np.testing.assert_array_equal(key_of(first), state1["seed_generator"]["state"])
    # Threading state gives fresh draws; the same state replays.
    y2, _ = step(params, state1)
    again, _ = step(params, state)
    assert not np.array_equal(y1, y2)
    np.testing.assert_array_equal(y1, again)


def test_training_is_inherited_from_outer_calls_and_apply():
    class Block(lamina.Layer):
        def __init__(self):
            super().__init__()
            self.drop = layers.Dropout(0.5, seed=0)
            self.noise = layers.GaussianNoise(0.1, seed=0)
            self.frozen = layers.Dropout(0.5, seed=0)

        def call(self, x):
            # An explicit training=False on an inner call wins over the inherited value.
            return self.frozen(self.noise(self.drop(x)), training=False)

    x = random_inputs((4, 50)) + 10.0
    block = Block()
    np.testing.assert_array_equal(block(x), x)
    y = np.asarray(block(x, training=True))
    assert (np.abs(y) < 1).any() and (np.abs(y) > 15).any()  # dropped and kept-and-scaled
    params, state = block.init(jax.random.key(1), x)
    y, _ = jax.jit(lambda p, s: block.apply(p, s, x, training=True))(params, state)
    kept = np.abs(np.asarray(y)) > 1
    assert 0 < kept.mean() < 1
    np.testing.assert_allclose(np.asarray(y)[kept], 2 * x[kept], atol=0.6)
    y, _ = jax.jit(lambda p, s: block.apply(p, s, x))(params, state)
    np.testing.assert_array_equal(y, x)


def test_fit_trains_with_dropout_and_evaluate_does_not():
    x, y = random_inputs((16, 4)), random_inputs((16, 1), seed=1)
    model = lamina.Sequential(
        [
            layers.Dense(8, kernel_initializer="ones"),
            layers.Dropout(0.5, seed=0),
            layers.Dense(1, kernel_initializer="ones"),
        ]
    )
    model.compile(optimizer=optax.sgd(0.0), loss="mse")
    history = model.fit(x, y, batch_size=16, epochs=2, verbose=0).history["loss"]
    without_dropout = np.mean((x.sum(1, keepdims=True) * 8 - y) ** 2)
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0), without_dropout, rtol=1e-5)
    assert history[0] != history[1]  # a fresh draw each step
    assert all(abs(loss - without_dropout) > 1e-3 * without_dropout for loss in history)


def test_rate_zero_is_identity_and_holds_no_state_like_keras():
    x = random_inputs((3, 4))
    for name in ("Dropout", "GaussianDropout", "SpatialDropout1D"):
        ours = getattr(layers, name)(0.0)
        theirs = getattr(keras.layers, name)(0.0)
        x_in = x[None] if name == "SpatialDropout1D" else x
        np.testing.assert_array_equal(ours(x_in, training=True), x_in)
        assert ours.init(jax.random.key(0), x_in) == ({}, {})
        assert len(ours.variables) == len(theirs.variables) == 0
    np.testing.assert_array_equal(layers.GaussianNoise(0.0)(x, training=True), x)


def test_ensemble_of_dropouts_with_vmap_draws_different_masks():
    x = random_inputs((4, 64)) + 10.0
    layer = layers.Dropout(0.5)
    keys = jax.random.split(jax.random.key(0), 5)
    params, states = jax.jit(jax.vmap(lambda k: layer.init(k, x)))(keys)
    run = jax.vmap(lambda p, s: layer.apply(p, s, x, training=True))
    ys, new_states = jax.jit(run)(params, states)
    ys = np.asarray(ys)
    assert ys.shape == (5, 4, 64)
    kept = ys != 0
    for member in range(5):
        np.testing.assert_allclose(ys[member][kept[member]], 2 * x[kept[member]], rtol=1e-6)
        for other in range(member):
            assert not (kept[member] == kept[other]).all()
    assert not np.array_equal(
        new_states["seed_generator"]["state"], states["seed_generator"]["state"]
    )


def test_dropout_input_gradient_is_the_scaled_keep_mask():
    x = jnp.asarray(random_inputs((6, 8)) + 10.0)
    layer = layers.Dropout(0.25, seed=4)
    params, state = layer.init(jax.random.key(0), x)
    forward = lambda x: layer.apply(params, state, x, training=True)[0]
    y = jax.jit(forward)(x)
    grad = jax.jit(jax.grad(lambda x: jnp.sum(forward(x))))(x)
    np.testing.assert_allclose(grad, (np.asarray(y) != 0) / 0.75, rtol=1e-6)


# ------------------------------------------------------------ ActivityRegularization
@pytest.mark.parametrize(
    "l1, l2, shape", [(0.1, 0.0, (2, 3)), (0.0, 0.3, (5, 2, 3)), (0.05, 0.2, (5, 2, 3))]
)
def test_activity_regularization_losses_match_keras(l1, l2, shape):
    x = random_inputs(shape)
    ours = layers.ActivityRegularization(l1=l1, l2=l2)
    theirs = keras.layers.ActivityRegularization(l1=l1, l2=l2)
    np.testing.assert_array_equal(ours(x), x)
    theirs(x)
    assert len(ours.losses) == len(theirs.losses) == 1
    np.testing.assert_allclose(ours.losses[0], theirs.losses[0], rtol=1e-6)
    _, _, losses = jax.jit(lambda x: ours.apply({}, {}, x, return_losses=True))(x)
    np.testing.assert_allclose(losses[0], theirs.losses[0], rtol=1e-6)
    grad = jax.grad(lambda x: ours.apply({}, {}, x, return_losses=True)[2][0])(x)
    np.testing.assert_allclose(grad, (l1 * np.sign(x) + 2 * l2 * x) / shape[0], rtol=1e-5)


# ------------------------------------------------------------------------ errors
RATE_LAYERS = ["Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D"]


@pytest.mark.parametrize("name", RATE_LAYERS + ["GaussianDropout"])
@pytest.mark.parametrize("rate", [-0.1, 1.0, 1.5, "0.5", None, True, float("nan")])
def test_bad_rates_are_refused_naming_the_layer(name, rate):
    with pytest.raises(
        ValueError,
        match=rf"{name} 'reg': `rate` must be a number in \[0, 1\), received rate={rate!r}",
    ):
        getattr(layers, name)(rate, name="reg")


@pytest.mark.parametrize(
    "name, arg, value",
    [
        ("GaussianNoise", "stddev", -1.0),
        ("GaussianNoise", "stddev", "big"),
        ("GaussianNoise", "stddev", float("inf")),
        ("ActivityRegularization", "l1", -0.5),
        ("ActivityRegularization", "l2", "0.1"),
    ],
)
def test_bad_noise_and_penalty_factors_are_refused(name, arg, value):
    with pytest.raises(
        ValueError, match=rf"{name} 'reg': `{arg}` must be a finite number >= 0, received"
    ):
        getattr(layers, name)(**{arg: value}, name="reg")


@pytest.mark.parametrize("noise_shape", ["abc", (0, 1), (2.5, 1), 3])
def test_bad_noise_shapes_are_refused(noise_shape):
    with pytest.raises(ValueError, match=r"Dropout 'drop': `noise_shape` must be a tuple"):
        layers.Dropout(0.5, noise_shape=noise_shape, name="drop")


def test_noise_shape_that_does_not_fit_the_input_names_both_shapes():
    layer = layers.Dropout(0.5, noise_shape=(None, 3), name="drop")
    with pytest.raises(ValueError, match=r"Dropout 'drop'.*\(None, 3\).*\(2, 4, 3\)"):
        layer(jnp.ones((2, 4, 3)), training=True)


@pytest.mark.parametrize(
    "name, shape, ndim",
    [
        ("SpatialDropout1D", (2, 3), 3),
        ("SpatialDropout2D", (2, 3, 4), 4),
        ("SpatialDropout3D", (2, 3, 4, 5), 5),
    ],
)
def test_spatial_dropout_refuses_wrong_rank(name, shape, ndim):
    layer = getattr(layers, name)(0.5, name="sd")
    expected = rf"layer 'sd'.*ndim={ndim}.*shape {re.escape(str(shape))}"
    with pytest.raises(ValueError, match=expected):
        layer(jnp.ones(shape), training=True)


def test_spatial_dropout_refuses_unknown_data_format():
    with pytest.raises(ValueError, match=r"SpatialDropout2D 'sd': `data_format` .*'NHWC'"):
        layers.SpatialDropout2D(0.5, data_format="NHWC", name="sd")
