"""Dynamic loss scaling (``LossScaleOptimizer``): Keras 3's scale schedule, skipped
steps on overflow, and its state saved with the model."""

import jax
import jax.numpy as jnp
import keras
import numpy as np
import pytest

import lamina
from lamina import layers, mixed_precision, optimizers

INF = np.float32(np.inf)


def test_update_follows_keras_scale_schedule_and_skips_non_finite_steps():
    rng = np.random.default_rng(0)
    grads = [rng.normal(size=(3,)).astype("float32") for _ in range(7)]
    grads[2][1] = INF
    grads[5][0] = np.nan
    ours = optimizers.LossScaleOptimizer(
        optimizers.SGD(learning_rate=0.1), initial_scale=8.0, dynamic_growth_steps=2
    )
    theirs = keras.optimizers.LossScaleOptimizer(
        keras.optimizers.SGD(learning_rate=0.1), initial_scale=8.0, dynamic_growth_steps=2
    )
    weight = keras.Variable(np.ones(3, "float32"))
    theirs.build([weight])
    paths = [v.path for v in theirs.variables]
    their_vars, their_w = [v.value for v in theirs.variables], [weight.value]
    params = {"w": jnp.ones(3)}
    state = ours.init(params)
    update = jax.jit(ours.update)
    expected_w, scale = np.ones(3, "float32"), 8.0
    for g in grads:
        updates, state = update({"w": jnp.asarray(g)}, state, params)
        params = {"w": params["w"] + updates["w"]}
        their_w, their_vars = theirs.stateless_apply(their_vars, [g], their_w)
        keras_state = dict(zip(paths, their_vars))
        # NumPy: a finite step applies SGD to g / scale; a non-finite one changes nothing.
        if np.all(np.isfinite(g)):
            expected_w = expected_w - np.float32(0.1) * (g / np.float32(scale))
        np.testing.assert_allclose(np.asarray(params["w"]), expected_w, rtol=1e-6)
        np.testing.assert_allclose(np.asarray(params["w"]), np.asarray(their_w[0]), rtol=1e-6)
        assert float(state.dynamic_scale) == float(keras_state[f"{theirs.name}/dynamic_scale"])
        assert int(state.step_counter) == int(keras_state[f"{theirs.name}/step_counter"])
        scale = float(state.dynamic_scale)
    ours.state = state
    inner_iterations = keras_state[f"{theirs.inner_optimizer.name}/iteration"]
    assert ours.iterations == 5 == int(inner_iterations)  # two steps were skipped
    assert ours.dynamic_scale == 8.0  # x2 x0.5 x2 x0.5 x2... as Keras


def test_constructor_checks_and_config_round_trip():
    opt = optimizers.LossScaleOptimizer("adam", initial_scale=64.0, dynamic_growth_steps=10)
    assert isinstance(opt.inner_optimizer, optimizers.Adam)
    clone = optimizers.deserialize(optimizers.serialize(opt))
    assert isinstance(clone, optimizers.LossScaleOptimizer)
    assert clone.get_config() == opt.get_config()
    keras_config = keras.optimizers.serialize(
        keras.optimizers.LossScaleOptimizer(keras.optimizers.Adam(), dynamic_growth_steps=10)
    )
    from_keras = optimizers.deserialize(keras_config)
    assert from_keras.dynamic_growth_steps == 10 and from_keras.initial_scale == 2.0**15
    assert mixed_precision.LossScaleOptimizer is optimizers.LossScaleOptimizer
    with pytest.raises(ValueError, match="dynamic_growth_steps"):
        optimizers.LossScaleOptimizer("sgd", dynamic_growth_steps=0)
    with pytest.raises(ValueError, match="set it on the inner optimizer"):
        optimizers.LossScaleOptimizer("sgd", clipnorm=1.0)


def mlp(seed=0):
    lamina.utils.set_random_seed(seed)
    return lamina.Sequential(
        [
            lamina.Input((6,)),
            layers.Dense(16, activation="relu", dtype="mixed_float16"),
            layers.Dense(3, dtype="mixed_float16"),
        ]
    )


def batch(seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(32, 6)).astype("float32"), rng.integers(0, 3, 32)


def weights(model):
    return [np.asarray(w.numpy()) for w in model.weights]


def test_an_overflowing_step_is_skipped_and_halves_the_scale():
    model = mlp()
    before = weights(model)
    # 2**30 times the loss overflows float16 (max 65504) in the backward pass.
    opt = optimizers.LossScaleOptimizer(optimizers.SGD(0.1), initial_scale=2.0**30)
    model.compile(optimizer=opt, loss=lamina.losses.SparseCategoricalCrossentropy(True))
    x, y = batch()
    loss = model.train_on_batch(x, y)
    assert np.isfinite(loss)  # the reported loss is the unscaled one
    for old, new in zip(before, weights(model)):
        np.testing.assert_array_equal(old, new)
    assert opt.dynamic_scale == 2.0**29 and opt.step_counter == 0 and opt.iterations == 0


def test_finite_steps_equal_unscaled_training_and_grow_the_scale(tmp_path):
    loss = lamina.losses.SparseCategoricalCrossentropy(from_logits=True)
    scaled, plain = mlp(), mlp()
    opt = optimizers.LossScaleOptimizer(
        optimizers.SGD(0.1), initial_scale=4.0, dynamic_growth_steps=3
    )
    scaled.compile(optimizer=opt, loss=loss)
    plain.compile(optimizer=optimizers.SGD(0.1), loss=loss)
    for step in range(5):
        x, y = batch(step)
        assert scaled.train_on_batch(x, y) == pytest.approx(plain.train_on_batch(x, y), 1e-6)
    # Scaling by a power of two is exact in float16: the same weights as no scaling.
    for a, b in zip(weights(scaled), weights(plain)):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    assert opt.dynamic_scale == 8.0 and opt.step_counter == 2 and opt.iterations == 5

    scaled.save(tmp_path / "scaled.lamina")
    loaded = lamina.models.load_model(tmp_path / "scaled.lamina")
    restored = loaded.optimizer
    assert isinstance(restored, optimizers.LossScaleOptimizer)
    assert (restored.dynamic_scale, restored.step_counter, restored.iterations) == (8.0, 2, 5)
    x, y = batch(9)
    scaled.train_on_batch(x, y)
    loaded.train_on_batch(x, y)
    assert restored.dynamic_scale == opt.dynamic_scale == 16.0
    for a, b in zip(weights(scaled), weights(loaded)):
        np.testing.assert_array_equal(a, b)
