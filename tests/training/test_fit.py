"""fit against references: a hand-written optax loop, Keras 3's fit, and itself fused."""

import jax
import jax.numpy as jnp
import keras
import numpy as np
import optax
import pytest

import lamina
from lamina import layers


def data(n=100, d=5, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype("float32")
    y = (x @ rng.normal(size=(d, 2))).astype("float32") + 0.1
    return x, y


def mlp(seed=0):
    lamina.utils.set_random_seed(seed)
    return lamina.Sequential(
        [lamina.Input((5,)), layers.Dense(8, activation="tanh"), layers.Dense(2)]
    )


def flat(params):
    return np.concatenate([np.ravel(a) for a in jax.tree.leaves(params)])


def flat_weights(model):
    """All weights in layer order: comparable across models whose layer names (the
    params' dict keys) differ, e.g. dense_9 against dense_10, which sort the other way."""
    return np.concatenate([np.ravel(w) for w in model.get_weights()])


def test_fit_equals_a_hand_written_optax_loop():
    x, y = data()
    model = mlp()
    params, state = model.split()
    model.compile(optimizer=optax.sgd(0.05), loss="mse")
    model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)

    opt = optax.sgd(0.05)
    opt_state = opt.init(params)

    @jax.jit
    def step(params, opt_state, xb, yb):
        loss = lambda p: jnp.mean((model.apply(p, state, xb)[0] - yb) ** 2)
        grads = jax.grad(loss)(params)
        updates, opt_state = opt.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state

    for _ in range(2):
        for i in range(0, len(x), 16):
            params, opt_state = step(params, opt_state, x[i : i + 16], y[i : i + 16])
    np.testing.assert_allclose(flat(model.split()[0]), flat(params), rtol=1e-5, atol=1e-6)


def test_fit_matches_keras_fit_with_the_same_weights():
    x, y = data()
    model = mlp()
    twin = keras.Sequential(
        [keras.Input((5,)), keras.layers.Dense(8, activation="tanh"), keras.layers.Dense(2)]
    )
    twin.set_weights(model.get_weights())
    for m, opt in ((model, lamina.optimizers.Adam(1e-2)), (twin, keras.optimizers.Adam(1e-2))):
        m.compile(optimizer=opt, loss="mse", metrics=["mae"])
    ours = model.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    theirs = twin.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    for a, b in zip(model.get_weights(), twin.get_weights()):
        np.testing.assert_allclose(a, b, rtol=2e-4, atol=2e-5)
    for key in ("loss", "mae"):
        np.testing.assert_allclose(ours.history[key], theirs.history[key], rtol=1e-4)


@pytest.mark.parametrize("k", [3, 4])
def test_steps_per_execution_gives_the_same_weights(k):
    x, y = data(n=90)
    results = []
    for steps in (1, k):
        model = mlp()
        model.compile(optimizer=lamina.optimizers.Adam(1e-2), loss="mse", steps_per_execution=steps)
        history = model.fit(x, y, batch_size=8, epochs=2, shuffle=True, verbose=0)
        results.append((flat_weights(model), history.history["loss"]))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-5)


def test_a_short_last_batch_compiles_once_not_every_epoch():
    x, y = data(n=50)
    model = mlp()
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y, batch_size=16, epochs=1, verbose=0)
    step = model._step_cache[("train", 1)]
    after_one = step._cache_size()
    model.fit(x, y, batch_size=16, epochs=3, verbose=0)
    assert after_one == step._cache_size() <= 2


def test_add_loss_only_model_trains_without_a_compiled_loss():
    class ActivityRegularizationLayer(lamina.layers.Layer):
        def __init__(self, rate=1e-2):
            super().__init__()
            self.rate = rate

        def call(self, inputs):
            self.add_loss(self.rate * lamina.ops.mean(inputs))
            return inputs

    inputs = lamina.Input(shape=(3,))
    hidden = layers.Dense(3)(inputs)
    outputs = ActivityRegularizationLayer()(hidden)
    model = lamina.Model(inputs, outputs)
    x, y = np.random.random((32, 3)), np.random.random((32, 3))  # one batch: one step
    model.compile(optimizer="adam", loss="mse")
    pred = model.predict(x, verbose=0)
    with_loss = model.fit(x, y, verbose=0).history["loss"][0]
    np.testing.assert_allclose(with_loss, np.mean((pred - y) ** 2) + 1e-2 * pred.mean(), rtol=1e-5)
    model.compile(optimizer="adam")
    pred = model.predict(x, verbose=0)
    only_reg = model.fit(x, y, epochs=3, verbose=0).history["loss"]
    np.testing.assert_allclose(only_reg[0], 1e-2 * pred.mean(), rtol=1e-5, atol=1e-7)
    assert only_reg[-1] < only_reg[0]
    with pytest.raises(ValueError, match="nothing to minimize"):
        plain = mlp()
        plain.compile(optimizer="adam")
        plain.fit(*data(), verbose=0)


def test_randomness_differs_every_step_and_replays_from_the_seed():
    class Noisy(lamina.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(1)
            self.seed_generator = lamina.random.SeedGenerator(3)

        def call(self, x, training=None):
            if training:
                x = lamina.random.dropout(x, 0.5, seed=self.seed_generator)
            return self.dense(x)

    def run():
        lamina.utils.set_random_seed(1)
        model = Noisy()
        model.compile(optimizer="sgd", loss="mse")
        model.fit(
            np.ones((64, 4), "float32"),
            np.ones((64, 1), "float32"),
            batch_size=8,
            epochs=1,
            verbose=0,
        )
        return model

    a, b = run(), run()
    np.testing.assert_array_equal(a.dense.kernel.numpy(), b.dense.kernel.numpy())
    state = a.seed_generator.state.numpy()
    fresh = lamina.random.SeedGenerator(3).state.numpy()
    assert not np.array_equal(state, fresh)  # the key moved on during fit


def test_training_flag_is_true_in_fit_false_in_evaluate_and_predict():
    seen = []

    class Probe(lamina.layers.Layer):
        def call(self, x, training=None):
            seen.append(training)
            return x

    inputs = lamina.Input((2,))
    model = lamina.Model(inputs, layers.Dense(1)(Probe()(inputs)))
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.ones((4, 2), "float32"), np.ones((4, 1), "float32")
    seen.clear()
    model.fit(x, y, verbose=0)
    assert True in seen and False not in seen  # None: abstract shape inference
    seen.clear()
    model.evaluate(x, y, verbose=0)
    model.predict(x, verbose=0)
    assert False in seen and True not in seen


def test_generators_tuples_and_dicts_are_accepted():
    x, y = data(n=64)

    def batches():
        for i in range(0, 64, 16):
            yield x[i : i + 16], y[i : i + 16]

    model = mlp()
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(batches(), epochs=1, verbose=0)
    assert len(history.history["loss"]) == 1

    a = lamina.Input((5,), name="a")
    b = lamina.Input((5,), name="b")
    merged = layers.Dense(2)(a) + 0 * layers.Dense(2, name="other")(b)
    two = lamina.Model({"a": a, "b": b}, merged)
    two.compile(optimizer="sgd", loss="mse")
    two.fit({"a": x, "b": x}, y, batch_size=16, verbose=0)
    assert two.predict({"a": x, "b": x}, verbose=0).shape == (64, 2)


def test_mismatched_lengths_and_uncompiled_models_fail_clearly():
    model = mlp()
    with pytest.raises(RuntimeError, match="must be compiled"):
        model.fit(np.ones((4, 5)), np.ones((4, 2)))
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="`x` has 4 samples but `y` has 3"):
        model.fit(np.ones((4, 5)), np.ones((3, 2)))


def test_custom_train_step_is_used():
    class Manual(lamina.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(1, kernel_initializer="zeros")

        def call(self, x):
            return self.dense(x)

        def train_step(self, state, data):
            x, y, _ = data

            def objective(params):
                pred, _ = self.apply(params, state.state, x)
                return jnp.mean((pred - y) ** 2)

            loss, grads = jax.value_and_grad(objective)(state.params)
            params = jax.tree.map(lambda p, g: p - 0.5 * g, state.params, grads)
            logs, metrics = self.update_metrics(state.metrics, loss, y, None, None, x.shape[0])
            return logs, state._replace(params=params, metrics=metrics)

    model = Manual()
    model.compile(optimizer="sgd")
    x = np.ones((8, 1), "float32")
    model.fit(x, 2 * x, batch_size=8, epochs=1, verbose=0)
    # one manual step of 0.5 * grad from zero weights: d/dw mean((w + b - 2)^2) = -4
    np.testing.assert_allclose(model.dense.kernel.numpy(), [[2.0]], rtol=1e-6)


def test_compute_loss_override_is_the_objective():
    class Twice(lamina.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(1)

        def call(self, x):
            return self.dense(x)

        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
            return 2.0 * super().compute_loss(x, y, y_pred, sample_weight, training)

    model = Twice()
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.ones((4, 1), "float32"), np.zeros((4, 1), "float32")
    pred = model.predict(x, verbose=0)
    logs = model.test_on_batch(x, y, return_dict=True)
    np.testing.assert_allclose(logs["loss"], 2 * np.mean(pred**2), rtol=1e-5)


def test_an_interrupted_fit_keeps_the_last_completed_step():
    x, y = data()

    class Interrupt(lamina.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 2:
                raise KeyboardInterrupt

    model = mlp()
    model.compile(optimizer=optax.sgd(0.05), loss="mse")
    with pytest.raises(KeyboardInterrupt):
        model.fit(x, y, batch_size=16, shuffle=False, callbacks=[Interrupt()], verbose=0)
    reference = mlp()
    reference.compile(optimizer=optax.sgd(0.05), loss="mse")
    reference.fit(x[:48], y[:48], batch_size=16, shuffle=False, verbose=0)  # 3 steps
    for a, b in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_sample_weight_matches_keras():
    x, y = data()
    weights = np.random.default_rng(3).random(len(x)).astype("float32")
    model = mlp()
    twin = keras.Sequential(
        [keras.Input((5,)), keras.layers.Dense(8, activation="tanh"), keras.layers.Dense(2)]
    )
    twin.set_weights(model.get_weights())
    model.compile(optimizer=lamina.optimizers.SGD(0.1), loss="mse")
    twin.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    ours = model.fit(x, y, sample_weight=weights, batch_size=20, shuffle=False, verbose=0)
    theirs = twin.fit(x, y, sample_weight=weights, batch_size=20, shuffle=False, verbose=0)
    np.testing.assert_allclose(ours.history["loss"], theirs.history["loss"], rtol=1e-5)
    for a, b in zip(model.get_weights(), twin.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_initial_epoch_and_steps_per_epoch():
    x, y = data()
    model = mlp()
    model.compile(optimizer="sgd", loss="mse")
    seen = []
    counter = lamina.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: seen.append(batch)
    )
    history = model.fit(
        x,
        y,
        batch_size=10,
        epochs=5,
        initial_epoch=3,
        steps_per_epoch=4,
        callbacks=[counter],
        verbose=0,
    )
    assert history.epoch == [3, 4]
    assert seen == [0, 1, 2, 3, 0, 1, 2, 3]


def test_run_eagerly_gives_the_same_training_as_jit():
    x, y = data()
    results = []
    for eager in (False, True):
        model = mlp()
        model.compile(optimizer=lamina.optimizers.Adam(1e-2), loss="mse", run_eagerly=eager)
        model.fit(x, y, batch_size=25, epochs=1, shuffle=False, verbose=0)
        results.append(flat_weights(model))
    np.testing.assert_allclose(results[0], results[1], rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="steps_per_execution"):
        mlp().compile(optimizer="sgd", loss="mse", steps_per_execution=0)


def test_a_failing_first_step_leaves_the_optimizer_state_usable():
    model = lamina.Sequential([lamina.Input((2,)), lamina.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    x, y = np.ones((4, 2), np.float32), np.ones((4, 1), np.float32)
    model.fit(x, y, epochs=1, verbose=0)
    state = model.optimizer.state

    class Boom(lamina.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[Boom()])
    for leaf in jax.tree.leaves(state) + jax.tree.leaves(model.optimizer.state):
        assert not leaf.is_deleted()
    model.fit(x, y, epochs=1, verbose=0)  # and training goes on
    assert int(model.optimizer.state.count) == 3  # one step per fit, the failed one kept
