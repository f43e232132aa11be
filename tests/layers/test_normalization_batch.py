"""BatchNormalization against Keras 3 (JAX backend) and NumPy: outputs, moving
statistics in every face (eager, apply, jit), frozen layers, masks, renorm, errors."""

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
    copy_weights_to_keras,
    random_inputs,
)

from lamina import layers
from lamina.core import masking

# Random initializers, for the configs only: the value tests draw weights with
# ``randomized`` (cheaper than random initializers, and copied to Keras anyway).
RANDOM = dict(
    gamma_initializer="random_normal",
    beta_initializer="random_normal",
    moving_mean_initializer="random_normal",
    moving_variance_initializer={"class_name": "RandomUniform", "config": {"minval": 0.5}},
)
# (constructor arguments, input shape)
CASES = [
    (dict(), (5, 3)),
    (dict(), (4, 3, 2)),
    (dict(axis=1), (3, 4, 2, 2)),  # channels_first
    (dict(axis=-2, momentum=0.9, epsilon=1e-2, center=False), (3, 4, 2)),
    (dict(scale=False), (6, 2)),
    (dict(renorm=True, renorm_clipping={"rmax": 1.2, "rmin": 0.9, "dmax": 0.1}), (6, 3)),
]
IDS = [f"{k}-{s}" for k, s in CASES]


def randomized(layer, shape, seed=0):
    """``layer`` built for ``shape``, every weight random (variances/stddevs positive)."""
    layer.build(shape)
    rng = np.random.default_rng(seed)
    for w in layer.weights:
        positive = "variance" in w.name or "stddev" in w.name
        value = rng.uniform(0.5, 2.0, w.shape) if positive else rng.normal(size=w.shape)
        w.assign(value.astype("float32"))
    return layer


def numpy_bn(x, mean, variance, gamma, beta, axis, epsilon):
    """The BN formula in NumPy, statistics given per feature on ``axis``."""
    shape = [1] * x.ndim
    shape[axis] = -1
    out = (x - np.reshape(mean, shape)) / np.sqrt(np.reshape(variance, shape) + epsilon)
    if gamma is not None:
        out = out * np.reshape(gamma, shape)
    return out if beta is None else out + np.reshape(beta, shape)


def weights_of(layer):
    return {w.name: np.asarray(w.numpy()) for w in layer.weights}


@pytest.mark.parametrize("kwargs,shape", CASES, ids=IDS)
def test_inference_outputs_match_keras(kwargs, shape):
    x = random_inputs(shape, seed=1)
    assert_matches_keras(
        randomized(layers.BatchNormalization(**kwargs), shape),
        keras.layers.BatchNormalization(**kwargs),
        x,
        call_kwargs={"training": False},
    )


@pytest.mark.parametrize("kwargs,shape", CASES[:3], ids=IDS[:3])
def test_training_outputs_match_keras(kwargs, shape):
    assert_matches_keras(
        randomized(layers.BatchNormalization(**kwargs), shape),
        keras.layers.BatchNormalization(**kwargs),
        random_inputs(shape, seed=2),
        call_kwargs={"training": True},
    )


@pytest.mark.parametrize("kwargs,shape", [*CASES, (dict(renorm=True, renorm_momentum=0.5), (6, 3))])
def test_training_outputs_and_moving_statistics_equal_keras_step_by_step(kwargs, shape):
    ours = randomized(layers.BatchNormalization(**kwargs), shape)
    theirs = keras.layers.BatchNormalization(**kwargs)
    batches = [random_inputs(shape, seed=s) * (s + 1) + s for s in range(3)]
    theirs.build(shape)
    copy_weights_to_keras(ours, theirs)
    for x in batches:
        np.testing.assert_allclose(
            ours(x, training=True), theirs(x, training=True), rtol=1e-5, atol=1e-5
        )
    for w in theirs.weights:
        np.testing.assert_allclose(weights_of(ours)[w.name], w.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(
        ours(batches[0], training=False), theirs(batches[0], training=False), atol=1e-5
    )


@pytest.mark.parametrize("kwargs,shape", [(RANDOM, None), *CASES], ids=["random", *IDS])
def test_config_matches_keras(kwargs, shape):
    assert_config_matches_keras(
        layers.BatchNormalization(**kwargs), keras.layers.BatchNormalization(**kwargs)
    )


def test_config_with_regularizers_constraints_and_renorm_matches_keras():
    kwargs = dict(
        axis=1,
        momentum=0.8,
        epsilon=1e-4,
        gamma_regularizer="l2",
        beta_regularizer={"class_name": "L1", "config": {"l1": 0.5}},
        gamma_constraint="non_neg",
        beta_constraint={"class_name": "MaxNorm", "config": {"max_value": 2.0, "axis": 0}},
        renorm=True,
        renorm_clipping={"rmax": 3.0},
        renorm_momentum=0.5,
    )
    assert_config_matches_keras(
        layers.BatchNormalization(**kwargs), keras.layers.BatchNormalization(**kwargs)
    )


def test_renorm_without_clipping_serializes_an_empty_dict_as_keras():
    ours = layers.BatchNormalization(renorm=True)
    theirs = keras.layers.BatchNormalization(renorm=True)
    assert ours.get_config()["renorm_clipping"] == theirs.get_config()["renorm_clipping"] == {}


def test_regularization_losses_match_keras():
    kwargs = dict(gamma_regularizer="l2", beta_regularizer="l1")
    ours = randomized(layers.BatchNormalization(**kwargs), (4, 3))
    theirs = keras.layers.BatchNormalization(**kwargs)
    assert_matches_keras(ours, theirs, random_inputs((4, 3)))
    assert len(ours.losses) == len(theirs.losses) == 2
    np.testing.assert_allclose(ours.losses, theirs.losses, rtol=1e-5)


def test_statistics_move_only_in_training_mode_eagerly():
    layer = layers.BatchNormalization(momentum=0.5)
    x = random_inputs((8, 3)) * 3 + 2
    layer(x)
    layer(x, training=False)
    np.testing.assert_array_equal(layer.moving_mean.numpy(), np.zeros(3))
    np.testing.assert_array_equal(layer.moving_variance.numpy(), np.ones(3))
    layer(x, training=True)
    np.testing.assert_allclose(layer.moving_mean.numpy(), 0.5 * x.mean(0), rtol=1e-5)
    np.testing.assert_allclose(layer.moving_variance.numpy(), 0.5 + 0.5 * x.var(0), rtol=1e-5)


def test_apply_returns_new_statistics_and_leaves_the_facade_alone():
    layer = layers.BatchNormalization(momentum=0.5)
    x = random_inputs((8, 3)) * 3 + 2
    params, state = layer.init(jax.random.key(0), x)
    y, same = layer.apply(params, state, x, training=False)
    jax.tree.map(np.testing.assert_array_equal, same, state)
    np.testing.assert_allclose(y, x / np.sqrt(1 + 1e-3), rtol=1e-5)
    step = jax.jit(lambda p, s, x: layer.apply(p, s, x, training=True))
    y, new = step(params, state, x)
    np.testing.assert_allclose(new["moving_mean"], 0.5 * x.mean(0), rtol=1e-5)
    np.testing.assert_allclose(new["moving_variance"], 0.5 + 0.5 * x.var(0), rtol=1e-5)
    np.testing.assert_allclose(y, numpy_bn(x, x.mean(0), x.var(0), None, None, -1, 1e-3), atol=1e-5)
    _, newer = step(params, new, x)
    np.testing.assert_allclose(newer["moving_mean"], 0.75 * x.mean(0), rtol=1e-5)
    np.testing.assert_array_equal(layer.moving_mean.numpy(), np.zeros(3))
    eager = layer(x, training=True)
    np.testing.assert_allclose(eager, y, atol=1e-6)
    np.testing.assert_allclose(layer.moving_mean.numpy(), new["moving_mean"], rtol=1e-6)


def test_inference_uses_the_moving_statistics():
    layer = randomized(layers.BatchNormalization(momentum=0.0, epsilon=1e-2), (16, 4))
    train, test = random_inputs((16, 4), seed=1) * 2 + 1, random_inputs((3, 4), seed=2)
    layer(train, training=True)
    w = weights_of(layer)
    np.testing.assert_allclose(w["moving_mean"], train.mean(0), rtol=1e-5)
    expected = numpy_bn(test, train.mean(0), train.var(0), w["gamma"], w["beta"], -1, 1e-2)
    np.testing.assert_allclose(layer(test, training=False), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("kwargs", [dict(), dict(center=False, scale=False)])
def test_frozen_layer_normalizes_with_moving_statistics_and_never_updates(kwargs):
    layer = randomized(layers.BatchNormalization(**kwargs), (6, 3))
    x = random_inputs((6, 3), seed=4) * 2 + 1
    layer(x, training=True)
    layer(x, training=True)  # the second call runs the compiled eager path
    before = weights_of(layer)
    layer.trainable = False
    y = layer(x, training=True)
    after = weights_of(layer)
    for name in before:
        np.testing.assert_array_equal(after[name], before[name])
    expected = numpy_bn(
        x,
        before["moving_mean"],
        before["moving_variance"],
        before.get("gamma"),
        before.get("beta"),
        -1,
        1e-3,
    )
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-5)
    params, state = layer.split()
    assert params == {}
    y_apply, new_state = layer.apply(params, state, x, training=True)
    jax.tree.map(np.testing.assert_array_equal, new_state, state)
    np.testing.assert_allclose(y_apply, expected, rtol=1e-5, atol=1e-5)
    layer.trainable = True
    layer(x, training=True)
    assert not np.allclose(layer.moving_mean.numpy(), before["moving_mean"])


def test_frozen_layer_matches_frozen_keras():
    ours, theirs = (
        randomized(layers.BatchNormalization(), (5, 3)),
        keras.layers.BatchNormalization(),
    )
    ours.trainable = theirs.trainable = False
    x = random_inputs((5, 3))
    assert_matches_keras(ours, theirs, x, call_kwargs={"training": True})


def test_masked_moments_match_keras_and_the_mask_passes_through():
    x = random_inputs((3, 5, 2), seed=3)
    mask = np.array([[1, 1, 1, 0, 0], [1, 0, 0, 0, 0], [1, 1, 1, 1, 1]], bool)
    ours, theirs = (
        randomized(layers.BatchNormalization(), x.shape),
        keras.layers.BatchNormalization(),
    )
    theirs.build(x.shape)
    copy_weights_to_keras(ours, theirs)
    np.testing.assert_allclose(
        ours(x, training=True, mask=mask), theirs(x, training=True, mask=mask), atol=1e-5
    )
    for w in theirs.weights:
        np.testing.assert_allclose(weights_of(ours)[w.name], w.numpy(), rtol=1e-5, atol=1e-6)
    assert_matches_keras(
        layers.BatchNormalization(),
        keras.layers.BatchNormalization(),
        x,
        call_kwargs={"training": True},
        mask=mask,
    )
    kept = x[mask]
    ours = layers.BatchNormalization(momentum=0.0)
    ours(x, training=True, mask=mask)
    np.testing.assert_allclose(ours.moving_mean.numpy(), kept.mean(0), rtol=1e-5)
    np.testing.assert_allclose(ours.moving_variance.numpy(), kept.var(0), rtol=1e-5)


def test_a_mask_from_masking_reaches_batch_normalization():
    x = random_inputs((2, 4, 3), seed=5)
    x[0, 2:] = 0.0
    masked = layers.Masking()(x)
    bn = layers.BatchNormalization(momentum=0.0)
    y = bn(masked, training=True)
    keep = np.any(x != 0, axis=-1)
    np.testing.assert_array_equal(masking.get_mask(y), keep)
    np.testing.assert_allclose(bn.moving_mean.numpy(), x[keep].mean(0), rtol=1e-5, atol=1e-7)


def test_list_axis_normalizes_each_position_of_those_axes():
    # Keras 3.15 takes a single int axis; lamina also takes a list (weights of that shape).
    x = random_inputs((6, 2, 3), seed=6) * 2 + 1
    layer = layers.BatchNormalization(axis=[1, 2], momentum=0.0)
    y = layer(x, training=True)
    assert layer.gamma.shape == (2, 3)
    expected = (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-3)
    np.testing.assert_allclose(y, expected, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(layer.moving_mean.numpy(), x.mean(0), rtol=1e-5)
    assert layer.compute_output_shape((None, 2, 3)) == (None, 2, 3)


def test_synchronized_is_accepted_and_changes_nothing():
    # Keras' JAX backend refuses synchronized=True; under jax.sharding the statistics
    # of a batch are global anyway, so lamina keeps the flag for configs only.
    x = random_inputs((4, 3))
    a = layers.BatchNormalization(synchronized=True)
    assert a.get_config()["synchronized"] is True
    np.testing.assert_array_equal(
        a(x, training=True), layers.BatchNormalization()(x, training=True)
    )


def test_low_precision_inputs_are_normalized_in_float32_like_keras():
    x = random_inputs((8, 3), seed=7).astype(jnp.bfloat16)
    ours, theirs = layers.BatchNormalization(), keras.layers.BatchNormalization()
    y = assert_matches_keras(ours, theirs, x, call_kwargs={"training": True}, atol=1e-2)
    assert y.dtype == jnp.float32


@pytest.mark.parametrize("training", [False, True])
@pytest.mark.parametrize("kwargs", [dict(), dict(renorm=True)])
def test_gradients_match_finite_differences(kwargs, training):
    x = random_inputs((6, 3), seed=8)
    layer = randomized(layers.BatchNormalization(**kwargs), x.shape)
    assert_gradients_match_finite_differences(layer, x, call_kwargs={"training": training})


@pytest.mark.parametrize("training", [False, True])
def test_jit_apply_matches_eager(training):
    layer = randomized(layers.BatchNormalization(axis=1), (3, 2, 4))
    assert_jit_apply_matches_eager(
        layer, random_inputs((3, 2, 4)), call_kwargs={"training": training}
    )


def test_vmapped_ensemble_keeps_statistics_per_member():
    layer = layers.BatchNormalization(momentum=0.5, gamma_initializer="random_normal")
    xs = random_inputs((3, 5, 2), seed=9) + np.arange(3)[:, None, None]
    params, state = jax.vmap(lambda k: layer.init(k, xs[0]))(jax.random.split(jax.random.key(0), 3))
    assert params["gamma"].shape == (3, 2)
    ys, new = jax.vmap(lambda p, s, x: layer.apply(p, s, x, training=True))(params, state, xs)
    for i in range(3):
        gamma = np.asarray(params["gamma"][i])
        expected = numpy_bn(xs[i], xs[i].mean(0), xs[i].var(0), gamma, np.zeros(2), -1, 1e-3)
        np.testing.assert_allclose(ys[i], expected, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(new["moving_mean"][i], 0.5 * xs[i].mean(0), rtol=1e-5)
    assert not np.allclose(params["gamma"][0], params["gamma"][1])


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize("axis", ["a", 1.5, [], [1, 1], None, True])
def test_bad_axis_argument_is_refused(axis):
    with pytest.raises(
        ValueError, match=rf"BatchNormalization 'bn'.*`axis`.*axis={re.escape(repr(axis))}"
    ):
        layers.BatchNormalization(axis=axis, name="bn")


@pytest.mark.parametrize(
    "kwargs,pattern",
    [
        (dict(momentum=1.5), r"`momentum` must be a number in \[0, 1\], received momentum=1.5"),
        (dict(momentum=-0.1), r"momentum=-0.1"),
        (dict(momentum="0.9"), r"momentum='0.9'"),
        (dict(epsilon=-1e-3), r"`epsilon` must be a non-negative number, received epsilon=-0.001"),
        (dict(epsilon="tiny"), r"epsilon='tiny'"),
        (dict(epsilon=float("nan")), r"epsilon=nan"),
        (dict(renorm=True, renorm_momentum=2), r"renorm_momentum=2"),
        (dict(renorm=True, renorm_clipping={"rmaxx": 1}), r"renorm_clipping=\{'rmaxx': 1\}"),
        (dict(renorm=True, renorm_clipping={"rmax": 1, "rmin": 2}), r"rmax=1, rmin=2"),
        (dict(renorm=True, renorm_clipping={"dmax": -1}), r"dmax=-1"),
    ],
)
def test_bad_arguments_are_refused(kwargs, pattern):
    with pytest.raises(ValueError, match=rf"BatchNormalization 'bn': .*{pattern}"):
        layers.BatchNormalization(name="bn", **kwargs)


def test_axis_out_of_range_is_refused_at_build():
    layer = layers.BatchNormalization(axis=2, name="bn")
    with pytest.raises(ValueError, match=r"'bn': `axis`=2 is out of range .* rank 2 .*\(4, 3\)"):
        layer(jnp.ones((4, 3)))
    with pytest.raises(ValueError, match=r"`axis`=2 is out of range"):
        layer.compute_output_shape((4, 3))


def test_wrong_rank_and_channel_mismatch_name_the_layer():
    layer = layers.BatchNormalization(axis=1, name="bn")
    layer(jnp.ones((2, 3, 4)))
    with pytest.raises(ValueError, match=r"layer 'bn'.*ndim=3.*shape \(2, 3\)"):
        layer(jnp.ones((2, 3)))
    with pytest.raises(ValueError, match=r"layer 'bn'.*axis 1 of input shape to have value 3"):
        layer(jnp.ones((2, 5, 4)))


def test_mask_of_the_wrong_rank_is_refused():
    layer = layers.BatchNormalization(name="bn")
    with pytest.raises(ValueError, match=r"'bn': the mask .* mask.shape=\(2, 3, 4\)"):
        layer(jnp.ones((2, 3, 4)), training=True, mask=jnp.ones((2, 3, 4), bool))
